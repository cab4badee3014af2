"""The outermost middleware: request id, body guard (413/415), last-resort 500, response headers.

It is a pure ASGI middleware so it sees every response, including the framework's own errors:
each carries ``x-request-id`` and, once the credentials are known, the RateLimit fields the
authorizer left in the request state. An API failure answered before any credential was accepted
is charged to the client address instead and carries that quota's fields; past it, the answer is
429 (``web/address_quota.py``).

JSON bodies are read whole (up to ``max_body_bytes``) before the route runs. Upload operations
(``streamed``: path -> limit, for POST) are not buffered: their body must be
``multipart/form-data`` and flows to the route as it arrives, counted; past the operation's limit
the route's read fails and the answer is 413.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from email.message import Message
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from server_impl.domain.ids import new_ulid
from server_impl.web.address_quota import AddressQuota
from server_impl.web.problems import problem_response
from server_impl.web.text_guard import nul_fields, nul_problem

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


@functools.lru_cache(maxsize=64)  # clients send a handful of spellings; parsing one costs 5 us
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
    body = await read_bounded_body(headers, receive, max_bytes)
    if body and not is_json_media_type(headers.get("content-type", "")):
        raise BodyRejected(
            415, "unsupported_media_type", "Send the body as JSON with 'Content-Type: application/json'."
        )
    return body


async def read_bounded_body(headers: Headers, receive: Receive, max_bytes: int) -> bytes:
    """Read the whole request body, refusing it (413 ``payload_too_large``) past ``max_bytes``."""
    too_large = _too_large(max_bytes)
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
    return b"".join(chunks)


def check_streamed_body(headers: Headers, max_bytes: int) -> None:
    """Refuse an upload before reading it: not ``multipart/form-data`` (415) or declared too large (413).

    Raises:
        BodyRejected: 413 ``payload_too_large`` or 415 ``unsupported_media_type``.
    """
    message = Message()
    message["content-type"] = headers.get("content-type", "")
    if message.get_content_type() != "multipart/form-data" or not message.get_param("boundary"):
        raise BodyRejected(415, "unsupported_media_type", "Send the upload as multipart/form-data (with its boundary).")
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)


def _too_large(max_bytes: int) -> BodyRejected:
    return BodyRejected(413, "payload_too_large", f"The request body exceeds the limit of {max_bytes} bytes.")


def _counted(receive: Receive, max_bytes: int) -> Receive:
    """Pass the body through as it arrives, failing the read once it exceeds ``max_bytes``."""
    size = 0

    async def counted() -> AsgiMessage:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > max_bytes:
                raise _too_large(max_bytes)
        return message

    return counted


class EdgeMiddleware:
    """Request id, body guard, last-resort 500 and per-response headers."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        docs_base_url: str,
        max_body_bytes: int,
        streamed: Mapping[str, int] | None = None,
        address_quota: AddressQuota | None = None,
        api_prefix: str = "/",
    ) -> None:
        self.app = app
        self.docs_base_url = docs_base_url
        self.max_body_bytes = max_body_bytes
        self.streamed = dict(streamed or {})
        self.address_quota = address_quota
        self.api_prefix = api_prefix

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
        exchange = _Exchange(self, scope, receive, send, request_id)
        json_text = "json" in headers.get("content-type", "")  # NUL is refused in JSON text (web/text_guard.py)
        try:
            downstream, body = await self._guarded(scope, headers, receive, json_text)
        except BodyRejected as rejected:
            await exchange.problem(rejected.status, rejected.code, rejected.detail)
            return
        refused = nul_fields(scope.get("query_string", b""), body if json_text else None)
        if refused:
            detail, extra = nul_problem(refused)
            await exchange.problem(422, "validation_failed", detail, extra)
            return
        try:
            await self.app(scope, downstream, exchange.send)
        except Exception as error:
            answer = _failure(error, request_id)
            if answer is not None and not exchange.started:
                await exchange.problem(*answer)

    async def charge_address(self, scope: Scope, status: int, headers: MutableHeaders) -> Response | None:
        """Charge an API failure answered before any credential to the client address (``address_quota``).

        Adds that quota's RateLimit fields to ``headers``; returns the 429 that replaces the answer
        once the address's quota is spent, ``None`` otherwise.
        """
        quota = self.address_quota
        if quota is None or status < 400 or "ratelimit" in headers or not scope["path"].startswith(self.api_prefix):
            return None
        decision = await quota.charge(scope)
        if decision is None:
            return None
        if decision.allowed:
            headers.update(decision.headers)
            return None
        return problem_response(
            docs_base_url=self.docs_base_url,
            status=429,
            code="rate_limited",
            detail=(
                f"Too many requests from this address failed before a credential was accepted; fix the "
                f"credentials and retry in {decision.retry_after} s."
            ),
            request_id=str(scope["state"][REQUEST_ID_STATE]),
            instance=scope.get("path"),
            extra={"limit_window": decision.window, "retry_after": decision.retry_after},
            headers=decision.headers,
        )

    async def _guarded(
        self, scope: Scope, headers: Headers, receive: Receive, json_text: bool
    ) -> tuple[Receive, bytes | None]:
        """Return the receive channel the app reads the body from, and the body when it was buffered.

        A body is buffered, bounded by ``max_body_bytes``, for the methods that take one and for any
        request that declares JSON (``None``: a counted upload, or no body to check).

        Raises:
            BodyRejected: The body is refused before the app runs.
        """
        stream_limit = self.streamed.get(scope["path"]) if scope["method"] == "POST" else None
        if stream_limit is not None:
            check_streamed_body(headers, stream_limit)
            return _counted(receive, stream_limit), None
        if scope["method"] in _BODY_METHODS:
            body = await read_guarded_body(headers, receive, self.max_body_bytes)
            return _replay(body, receive), body
        if json_text:  # a JSON body sent with a GET: read for the NUL check
            body = await read_bounded_body(headers, receive, self.max_body_bytes)
            return _replay(body, receive), body
        return receive, None


class _Exchange:
    """One request's way out: adds the per-response headers, and answers problems."""

    def __init__(self, edge: EdgeMiddleware, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        self._edge, self._scope, self._receive, self._send = edge, scope, receive, send
        self._request_id = request_id
        self.started = False
        self._replaced = False

    async def _send_with_id(self, message: AsgiMessage) -> None:
        if message["type"] == "http.response.start":
            MutableHeaders(scope=message)["x-request-id"] = self._request_id
        await self._send(message)

    async def send(self, message: AsgiMessage) -> None:
        """Send one ASGI message of the app's answer, adding the headers (or replacing it by a 429)."""
        if self._replaced:
            return  # the answer was replaced by a 429; its body goes nowhere
        if message["type"] == "http.response.start":
            self.started = True
            response_headers = MutableHeaders(scope=message)
            # Appended to the raw list: a lookup and an assignment through MutableHeaders scan and
            # encode every header again, for each of the fields added here on every answer.
            raw = response_headers.raw
            present = {name.lower() for name, _ in raw}
            for name, value in self._scope["state"].get(RESPONSE_HEADERS_STATE, {}).items():
                key = name.lower().encode("latin-1")
                if key not in present:
                    raw.append((key, value.encode("latin-1")))
            refusal = await self._edge.charge_address(self._scope, message["status"], response_headers)
            if refusal is not None:
                self._replaced = True
                await refusal(self._scope, self._receive, self._send_with_id)
                return
            if b"x-request-id" in present:
                response_headers["x-request-id"] = self._request_id
            else:
                raw.append((b"x-request-id", self._request_id.encode("latin-1")))
        await self._send(message)

    async def problem(self, status: int, code: str, detail: str, extra: dict[str, Any] | None = None) -> None:
        """Answer with a problem document."""
        response = problem_response(
            docs_base_url=self._edge.docs_base_url,
            status=status,
            code=code,
            detail=detail,
            request_id=self._request_id,
            instance=self._scope.get("path"),
            extra=extra,
        )
        await response(self._scope, self._receive, self.send)


def _failure(error: Exception, request_id: str) -> tuple[int, str, str] | None:
    """Return the problem that answers an error escaping the app (``None``: nobody to answer), logged."""
    if isinstance(error, BodyRejected):  # an upload went past its limit while the route read it
        return error.status, error.code, error.detail
    if isinstance(error, ClientDisconnect):  # the client went away mid-body (an abandoned upload)
        _log.info("client disconnected during request %s", request_id)
        return None
    _log.error("unhandled error in request %s", request_id, exc_info=error)
    return 500, "internal_error", f"Something went wrong on our side; quote {request_id} to support."


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> AsgiMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
