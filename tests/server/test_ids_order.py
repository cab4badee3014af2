"""Ids: Crockford base32 ULIDs that sort in the order a process made them (events of one transaction)."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from server_impl.domain.ids import ULID_PATTERN, encode_ulid, is_id, new_id


def test_ids_made_in_a_row_sort_in_order_even_within_a_millisecond() -> None:
    ids = [new_id("evt") for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(is_id(value, "evt") for value in ids)


def test_ids_made_by_threads_are_unique() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(lambda _: [new_id("aud") for _ in range(1000)], range(4)))
    everything = [value for batch in batches for value in batch]
    assert len(set(everything)) == len(everything)
    assert all(batch == sorted(batch) for batch in batches)


def _five_bits_at_a_time(value: int) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return "".join(alphabet[(value >> shift) & 31] for shift in range(125, -1, -5))


@pytest.mark.parametrize("value", [0, 1, 31, 32, 1023, 1024, 2**80 - 1, 2**127, 2**128 - 1, 0x0123456789ABCDEF << 60])
def test_ulids_are_crockford_base32_of_their_130_bits(value: int) -> None:
    assert encode_ulid(value) == _five_bits_at_a_time(value)
    assert re.fullmatch(ULID_PATTERN, encode_ulid(value))


def test_the_random_pool_gives_bits_of_the_asked_width_and_refills_past_its_end() -> None:
    from server_impl.domain.ids import _RandomPool

    pool = _RandomPool()
    widths = [80, 32, 79] * 400  # about 2.3 pools of 4 KB
    values = [pool.bits(width) for width in widths]
    assert all(0 <= value < (1 << width) for value, width in zip(values, widths, strict=True))
    eighty = [value for value, width in zip(values, widths, strict=True) if width == 80]
    assert len(set(eighty)) == len(eighty)
    assert max(eighty) >= 1 << 79  # the top bit is drawn too (a shift gone wrong would leave it 0)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_never_repeats_its_parents_ids() -> None:
    import os

    new_id("evt")  # the parent has read its pool
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(read)
        os.write(write, " ".join(new_id("evt") for _ in range(50)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        child_ids = pipe.read().split()
    os.waitpid(child, 0)
    parent_ids = [new_id("evt") for _ in range(50)]
    assert len(child_ids) == 50
    random_parts = {value[-16:] for value in parent_ids + child_ids}  # the 80 random bits of each ULID
    assert len(random_parts) == 100
