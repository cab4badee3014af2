"""ETags on reads and ``If-Match`` on updates (412 ``precondition_failed`` on mismatch)."""

from __future__ import annotations

import hashlib

from server_impl.domain.errors import PreconditionFailed


def etag_for(resource_id: str, version: int | str) -> str:
    """Return the strong ETag of one version of a resource (opaque, quoted).

    Args:
        resource_id: The object's id.
        version: A value that changes on every write (a version counter or ``updated_at``).

    Returns:
        Such as ``"3f1c..."``.
    """
    digest = hashlib.sha256(f"{resource_id}:{version}".encode()).hexdigest()[:24]
    return f'"{digest}"'


def if_match_satisfied(if_match: str | None, current_etag: str) -> bool:
    """Tell whether an ``If-Match`` header allows writing over ``current_etag`` (RFC 9110 §13.1.1).

    An absent header allows the write; ``*`` matches any existing object; weak tags never match
    (strong comparison).

    Args:
        if_match: The header value, if sent.
        current_etag: The object's current ETag.

    Returns:
        True when the write may proceed.
    """
    if if_match is None:
        return True
    candidates = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    return "*" in candidates or current_etag in candidates


def check_if_match(if_match: str | None, current_etag: str) -> None:
    """Raise unless ``If-Match`` allows the write.

    Raises:
        PreconditionFailed: On mismatch.
    """
    if not if_match_satisfied(if_match, current_etag):
        raise PreconditionFailed(
            "The object changed since you read it: its ETag no longer matches If-Match. Read it again and retry."
        )
