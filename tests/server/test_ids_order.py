"""Ids made one after another in a process sort in the order they were made (events of one transaction)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from server_impl.domain.ids import is_id, new_id


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
