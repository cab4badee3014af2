"""RFC 9457 problem documents: one stable ``code`` per kind of failure, each with a docs page."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

_PATH_SAFE = "/:@!$&'()*+,;=-._~"

PROBLEM_MEDIA_TYPE = "application/problem+json"

TITLES: dict[str, str] = {
    "invalid_credentials": "Invalid credentials",
    "ambiguous_credentials": "Ambiguous credentials",
    "organization_required": "Organization required",
    "organization_access_denied": "Organization access denied",
    "missing_scope": "Missing scope",
    "rate_limited": "Rate limit exceeded",
    "malformed_json": "Malformed JSON",
    "unsupported_media_type": "Unsupported media type",
    "payload_too_large": "Payload too large",
    "validation_failed": "Request validation failed",
    "not_found": "Not found",
    "method_not_allowed": "Method not allowed",
    "conflict": "Conflict",
    "idempotency_key_reused": "Idempotency key reused",
    "idempotency_key_in_use": "Idempotency key in use",
    "precondition_failed": "Precondition failed",
    "invalid_state_transition": "Invalid state transition",
    "gone": "Gone",
    "internal_error": "Internal error",
    "service_unavailable": "Service unavailable",
}
"""Every problem code and its title; ``docs/errors.md`` documents the same list."""


def problem_type(docs_base_url: str, code: str) -> str:
    """Return the ``type`` URI of a code: ``<docs>/errors/<code>``."""
    return f"{docs_base_url.rstrip('/')}/errors/{code}"


class ProblemError(Exception):
    """Raised by the HTTP edge to answer with a problem document.

    Attributes:
        status: HTTP status.
        code: Stable code from :data:`TITLES`.
        detail: What went wrong and how to fix the call.
        extra: Extension members (``required_scopes``, ``limit_window``...).
        headers: Extra response headers (``WWW-Authenticate``, ``Retry-After``...).
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = dict(extra or {})
        self.headers = dict(headers or {})


class ImmediateResponse(Exception):
    """Raised by a handler to send a ready response instead of its typed result.

    Used for idempotent replays (and fresh idempotent writes, whose stored bytes must be sent as
    stored) where the generated Protocol expects a DTO.
    """

    def __init__(self, response: Response) -> None:
        super().__init__("immediate response")
        self.response = response


def problem_body(
    *,
    docs_base_url: str,
    status: int,
    code: str,
    detail: str,
    request_id: str,
    instance: str | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return a problem document as a dict."""
    body: dict[str, Any] = {
        "type": problem_type(docs_base_url, code),
        "title": TITLES[code],
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        # A URI reference (RFC 3986): the decoded path may hold spaces, quotes or any Unicode.
        body["instance"] = quote(instance, safe=_PATH_SAFE)
    body["code"] = code
    body["request_id"] = request_id
    body.update(extra or {})
    return body


def problem_response(
    *,
    docs_base_url: str,
    status: int,
    code: str,
    detail: str,
    request_id: str,
    instance: str | None,
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Return a problem response (``application/problem+json``)."""
    body = problem_body(
        docs_base_url=docs_base_url,
        status=status,
        code=code,
        detail=detail,
        request_id=request_id,
        instance=instance,
        extra=extra,
    )
    return Response(
        json.dumps(body, separators=(",", ":")).encode(),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_MEDIA_TYPE,
    )


def field_pointer(location: Sequence[str | int]) -> str:
    """Return an RFC 6901 JSON pointer for a body location such as ``("emails", 0, "address")``."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)
