"""The outermost middleware: request id, body guard (413/415), last-resort 500, response headers.

It is a pure ASGI middleware so it sees every response, including the framework's own errors:
each carries ``x-request-id`` and, once the credentials are known, the RateLimit fields the
authorizer left in the request state.
"""

from __future__ import annotations

import logging
import re
from email.message import Message

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from server_impl.domain.ids import new_ulid
from server_impl.web.problems import problem_response

REQUEST_ID_STATE = "request_id"
RESPONSE_HEADERS_STATE = "response_headers"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_log = logging.getLogger("asteri.server")


class BodyRejected(Exception):
    """The body cannot be accepted (too large or not JSON)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


def is_json_media_type(content_type: str) -> bool:
    """Tell whether a ``Content-Type`` value is JSON (``application/json`` or ``application/*+json``)."""
    message = Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def read_guarded_body(headers: Headers, receive: Receive, max_bytes: int) -> bytes:
    """Read the whole request body, refusing it when too large or not JSON.

    Args:
        headers: The request headers.
        receive: The ASGI receive channel.
        max_bytes: The size limit.

    Returns:
        The body.

    Raises:
        BodyRejected: 413 ``payload_too_large`` or 415 ``unsupported_media_type``.
    """
    too_large = BodyRejected(413, "payload_too_large", f"The request body exceeds the limit of {max_bytes} bytes.")
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
        more = bool(message.get("more_body", False))
    body = b"".join(chunks)
    if body and not is_json_media_type(headers.get("content-type", "")):
        raise BodyRejected(
            415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'."
        )
    return body


class EdgeMiddleware:
    """Request id, body guard, last-resort 500 and per-response headers."""

    def __init__(self, app: ASGIApp, *, docs_base_url: str, max_body_bytes: int) -> None:
        self.app = app
        self.docs_base_url = docs_base_url
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one ASGI call."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else f"req_{new_ulid()}"
        state = scope.setdefault("state", {})
        state[REQUEST_ID_STATE] = request_id
        started = False

        async def send_with_headers(message: AsgiMessage) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers = MutableHeaders(scope=message)
                response_headers["x-request-id"] = request_id
                for name, value in state.get(RESPONSE_HEADERS_STATE, {}).items():
                    if name not in response_headers:
                        response_headers[name] = value
            await send(message)

        async def problem(status: int, code: str, detail: str) -> None:
            response = problem_response(
                docs_base_url=self.docs_base_url,
                status=status,
                code=code,
                detail=detail,
                request_id=request_id,
                instance=scope.get("path"),
            )
            await response(scope, receive, send_with_headers)

        downstream = receive
        if scope["method"] in _BODY_METHODS:
            try:
                body = await read_guarded_body(headers, receive, self.max_body_bytes)
            except BodyRejected as rejected:
                await problem(rejected.status, rejected.code, rejected.detail)
                return
            downstream = _replay(body, receive)
        try:
            await self.app(scope, downstream, send_with_headers)
        except Exception:
            _log.exception("unhandled error in request %s", request_id)
            if not started:
                await problem(
                    500, "internal_error", f"Something went wrong on our side; quote {request_id} to support."
                )


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> AsgiMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
