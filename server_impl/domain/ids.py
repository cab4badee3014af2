"""Prefixed, sortable identifiers: ``<prefix>_`` + a ULID in Crockford base32."""

from __future__ import annotations

import functools
import os
import re
import secrets
import threading
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PAIRS = [first + second for first in _CROCKFORD for second in _CROCKFORD]  # 10 bits -> 2 characters
ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}"

PREFIXES = frozenset(
    {
        "org",
        "usr",
        "key",
        "aud",
        "cus",
        "svc",
        "loc",
        "evt",
        "req",
        "job",
        "est",
        "inv",
        "pay",
        "opt",
        "li",
        "whe",
        "whd",
        "re",
        "file",
    }
)


_RANDOM_LIMIT = 1 << 80
_POOL_BYTES = 4096


class _RandomPool:
    """Random bits from the operating system's generator, read 4 KB at a time (callers hold a lock).

    One ``getrandom`` call per id cost a tenth of a ULID; reading ahead makes it one per 400 ids,
    from the same source ``secrets`` reads. A forked child starts with a pool of its own (never
    the parent's bytes: ids of two processes must not repeat each other).
    """

    def __init__(self) -> None:
        self._bytes = b""
        self._at = 0
        os.register_at_fork(after_in_child=self.forget)

    def forget(self) -> None:
        """Drop the bytes read so far (a forked child's copy of its parent's)."""
        self._bytes, self._at = b"", 0

    def bits(self, count: int) -> int:
        """Return a random integer of ``count`` bits (at most 80)."""
        size = (count + 7) // 8
        if self._at + size > len(self._bytes):
            self._bytes, self._at = os.urandom(_POOL_BYTES), 0
        value = int.from_bytes(self._bytes[self._at : self._at + size], "big")
        self._at += size
        return value >> (size * 8 - count)


_last_lock = threading.Lock()
_pool = _RandomPool()  # used under _last_lock
_last: tuple[int, int] = (0, 0)  # (milliseconds, random part) of the last ULID made for the current time


def _monotonic_now() -> tuple[int, int]:
    """Return (milliseconds, random part) strictly after the previous call's, in this process.

    Within one millisecond the random part grows by a random step instead of being drawn afresh, so
    ids made one after another sort in the order they were made (the events of one transaction, say).
    """
    global _last  # noqa: PLW0603 - the process-wide monotonic state, guarded by the lock
    with _last_lock:
        millis = int(time.time() * 1000)
        last_millis, last_random = _last
        if millis > last_millis:
            random_part = _pool.bits(80)
        else:
            millis, random_part = last_millis, last_random + 1 + _pool.bits(32)
            if random_part >= _RANDOM_LIMIT:
                millis, random_part = millis + 1, _pool.bits(79)
        _last = (millis, random_part)
        return millis, random_part


def new_ulid(now_ms: int | None = None) -> str:
    """Return a new ULID: 48 bits of milliseconds since the epoch and 80 random bits.

    For the current time (``now_ms`` omitted) ids are monotonic within the process: one made later
    sorts after one made earlier, even within the same millisecond.

    Args:
        now_ms: The timestamp to encode; the current time when omitted.

    Returns:
        The 26-character Crockford base32 text.
    """
    if now_ms is None:
        millis, random_part = _monotonic_now()
    else:
        millis, random_part = now_ms, secrets.randbits(80)
    return encode_ulid((millis << 80) | random_part)


def encode_ulid(value: int) -> str:
    """Return the 26 Crockford base32 characters of a 128-bit ULID value (130 bits, two leading zeros).

    Ten bits (two characters) at a time from a table: half the rounds of five bits at a time, on
    every id and every request's id.
    """
    pairs = _PAIRS  # unrolled: a loop's frame and range cost as much as the thirteen lookups
    return "".join(
        (
            pairs[(value >> 120) & 1023],
            pairs[(value >> 110) & 1023],
            pairs[(value >> 100) & 1023],
            pairs[(value >> 90) & 1023],
            pairs[(value >> 80) & 1023],
            pairs[(value >> 70) & 1023],
            pairs[(value >> 60) & 1023],
            pairs[(value >> 50) & 1023],
            pairs[(value >> 40) & 1023],
            pairs[(value >> 30) & 1023],
            pairs[(value >> 20) & 1023],
            pairs[(value >> 10) & 1023],
            pairs[value & 1023],
        )
    )


def new_id(prefix: str) -> str:
    """Return a new prefixed id such as ``cus_01HW...``.

    Args:
        prefix: One of the known prefixes (``org``, ``key``, ``cus``...).

    Returns:
        The id.

    Raises:
        ValueError: If the prefix is unknown.
    """
    if prefix not in PREFIXES:
        raise ValueError(f"unknown id prefix {prefix!r}")
    return f"{prefix}_{new_ulid()}"


def is_id(value: str, prefix: str) -> bool:
    """Tell whether ``value`` is a well-formed id with the given prefix.

    Args:
        value: The text to check.
        prefix: The expected prefix, without the underscore.

    Returns:
        True when the text is ``<prefix>_`` followed by a ULID.
    """
    return _id_pattern(prefix).fullmatch(value) is not None


@functools.lru_cache(maxsize=64)
def _id_pattern(prefix: str) -> re.Pattern[str]:
    # Compiled once per prefix (building the pattern's text and finding it in re's cache cost 1 us).
    return re.compile(f"{re.escape(prefix)}_{ULID_PATTERN}")
