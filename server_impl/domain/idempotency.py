"""Idempotency records: one per (tenant, key), claimed before a POST runs and completed in its transaction."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime


class IdempotencyState(enum.StrEnum):
    """Where the first request with a key is."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True)
class StoredResponse:
    """A response kept for replay: status, JSON body and the headers worth repeating."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class IdempotencyRecord:
    """A claimed or completed idempotency key of one tenant."""

    key: str
    fingerprint: str
    state: IdempotencyState
    created_at: datetime
    expires_at: datetime
    locked_until: datetime
    response: StoredResponse | None = None


def fingerprint(method: str, path: str, body: bytes) -> str:
    """Return a digest identifying a request, insensitive to JSON key order and whitespace.

    Args:
        method: HTTP method.
        path: Request path (without the query string).
        body: Raw body bytes.

    Returns:
        A SHA-256 hex digest.
    """
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode() if body else b""
    except ValueError:
        canonical = body
    return hashlib.sha256(method.upper().encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()
