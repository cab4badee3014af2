"""Prefixed, sortable identifiers: ``<prefix>_`` + a ULID in Crockford base32."""

from __future__ import annotations

import re
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
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


def new_ulid(now_ms: int | None = None) -> str:
    """Return a new ULID: 48 bits of milliseconds since the epoch and 80 random bits.

    Args:
        now_ms: The timestamp to encode; the current time when omitted.

    Returns:
        The 26-character Crockford base32 text.
    """
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


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
    return re.fullmatch(f"{re.escape(prefix)}_{ULID_PATTERN}", value) is not None
