"""API key secrets: format ``ast_{live|test}_`` + 43 base62 characters + a 6-character CRC32 checksum.

The random part holds 32 random bytes (256 bits). The checksum is the CRC32 of everything before it,
in base62 padded to 6 characters, so secret scanners can tell a real key from noise with
:data:`KEY_PATTERN` and :func:`has_valid_checksum`. Keys are stored only as an HMAC-SHA256 with a
server-side pepper.
"""

from __future__ import annotations

import hmac
import re
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime

from server_impl.domain.tenancy import Environment

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_RANDOM_LENGTH = 43
_CHECKSUM_LENGTH = 6

KEY_REGEX = r"ast_(live|test)_[0-9A-Za-z]{49}"
"""The published regular expression of an Asteri API key."""

KEY_PATTERN = re.compile(rf"^{KEY_REGEX}$")


def _base62(value: int, width: int) -> str:
    chars = []
    while value:
        value, digit = divmod(value, 62)
        chars.append(_BASE62[digit])
    return "".join(reversed(chars)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECKSUM_LENGTH)


def generate_secret(environment: Environment) -> str:
    """Return a new API key secret for the environment.

    Args:
        environment: ``live`` or ``test``; it is written in the key.

    Returns:
        The full secret, to be shown once.
    """
    body = f"ast_{environment.value}_" + _base62(int.from_bytes(secrets.token_bytes(32), "big"), _RANDOM_LENGTH)
    return body + _checksum(body)


def has_valid_checksum(secret: str) -> bool:
    """Tell whether ``secret`` has the key format and a correct checksum.

    Args:
        secret: Text presented as an API key.

    Returns:
        True for a well-formed key (which may still be unknown, expired or revoked).
    """
    if KEY_PATTERN.fullmatch(secret) is None:
        return False
    body, checksum = secret[:-_CHECKSUM_LENGTH], secret[-_CHECKSUM_LENGTH:]
    return hmac.compare_digest(_checksum(body), checksum)


def environment_of(secret: str) -> Environment:
    """Return the environment written in a well-formed key."""
    return Environment(secret.split("_", 2)[1])


def hash_secret(secret: str, pepper: bytes) -> str:
    """Return the stored form of a key: HMAC-SHA256 with the server's pepper, in hex.

    Args:
        secret: The full key.
        pepper: The server-side secret derived from ``ASTERI_SECRET_KEY``.

    Returns:
        64 hexadecimal characters.
    """
    return hmac.digest(pepper, secret.encode("ascii"), "sha256").hex()  # one call into OpenSSL


def visible_prefix(secret: str) -> str:
    """Return the part of a key that may be shown again: ``ast_live_`` and 4 characters."""
    return secret[: len("ast_live_") + 4]


@dataclass
class ApiKey:
    """A stored API key (never its secret).

    Attributes:
        id: ``key_...``.
        organization_id: The organization it acts in.
        environment: The environment it acts in.
        name: Human label.
        key_hash: HMAC-SHA256 of the secret.
        prefix: Visible start of the secret.
        last_four: Visible end of the secret.
        scopes: What it may do, sorted.
        expires_at: When it stops working (always set).
        per_minute: Requests allowed per minute.
        per_day: Requests allowed per day.
        created_at: Creation time.
        created_by_type: ``api_key``, ``user`` or ``system`` (the CLI).
        created_by_id: The creator's id, if any.
        last_used_at: Last successful authentication, to the minute.
        revoked_at: When it was revoked, if it was.
        rotated_to_id: The key that replaced it, after a rotation.
    """

    id: str
    organization_id: str
    environment: Environment
    name: str
    key_hash: str
    prefix: str
    last_four: str
    scopes: tuple[str, ...]
    expires_at: datetime
    per_minute: int
    per_day: int
    created_at: datetime
    created_by_type: str
    created_by_id: str | None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    rotated_to_id: str | None = None

    def state_at(self, now: datetime) -> str:
        """Return ``active``, ``expired`` or ``revoked`` at the given time."""
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
