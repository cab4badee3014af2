"""Sealing short secrets at rest: HMAC-SHA256 in counter mode, then an HMAC tag (encrypt-then-MAC).

Used for the one place a secret must be kept for a while: the stored response of an idempotent
API-key creation or rotation, so that a retry gets the same secret back while the database never
holds it in clear. Text sealed here reads ``sealed:v1:<base64url>``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "sealed:v1:"
_NONCE = 16
_TAG = 32


class SealError(ValueError):
    """The sealed text was altered, or sealed with another key."""


def _stream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (
        hmac.new(key, b"enc" + nonce + i.to_bytes(4, "big"), hashlib.sha256).digest() for i in range(length // 32 + 1)
    )
    return b"".join(blocks)[:length]


def seal(plain: str, key: bytes) -> str:
    """Encrypt and authenticate ``plain`` with ``key`` (a fresh random nonce each time)."""
    nonce = secrets.token_bytes(_NONCE)
    data = plain.encode()
    cipher = bytes(a ^ b for a, b in zip(data, _stream(key, nonce, len(data)), strict=True))
    tag = hmac.new(key, b"mac" + nonce + cipher, hashlib.sha256).digest()
    return PREFIX + base64.urlsafe_b64encode(nonce + cipher + tag).decode().rstrip("=")


def unseal(sealed: str, key: bytes) -> str:
    """Return the text :func:`seal` sealed.

    Raises:
        SealError: If the text is not sealed, was altered, or was sealed with another key.
    """
    if not sealed.startswith(PREFIX):
        raise SealError("not sealed text")
    body = sealed[len(PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as error:
        raise SealError("not sealed text") from error
    if len(raw) < _NONCE + _TAG:
        raise SealError("not sealed text")
    nonce, cipher, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    expected = hmac.new(key, b"mac" + nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise SealError("sealed text altered or sealed with another key")
    return bytes(a ^ b for a, b in zip(cipher, _stream(key, nonce, len(cipher)), strict=True)).decode()
