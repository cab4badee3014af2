"""503 ``service_unavailable`` when a backing service is down: the database, or Redis when limits fail closed.

A database that refuses connections, drops them or is locked past the busy timeout surfaces as
SQLAlchemy's ``OperationalError`` (or a ``DBAPIError`` whose connection was invalidated). Nothing
was committed (every write is one transaction), so the honest answer is "try again shortly": a
problem document with ``Retry-After``. The engine's pool pings connections before use, so once the
database is back the next request reconnects: no restart (ADR 0811).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.responses import Response

from server_impl.adapters.ratelimit import LimiterUnavailable
from server_impl.web.edge import REQUEST_ID_STATE
from server_impl.web.problems import problem_response

DATABASE_RETRY_AFTER_SECONDS = 5
_log = logging.getLogger("asteri.server")


def _unavailable(request: Request, docs_base_url: str, detail: str, retry_after: int) -> Response:
    return problem_response(
        docs_base_url=docs_base_url,
        status=503,
        code="service_unavailable",
        detail=detail,
        request_id=str(getattr(request.state, REQUEST_ID_STATE, "")),
        instance=request.url.path,
        extra={"retry_after": retry_after},
        headers={"Retry-After": str(retry_after)},
    )


def install_unavailable_handlers(app: FastAPI, docs_base_url: str) -> None:
    """Answer 503 with ``Retry-After`` when the database or the rate-limit storage is unavailable.

    Args:
        app: The application.
        docs_base_url: Base of the problem ``type`` URIs.
    """

    async def on_database(request: Request, exc: Exception) -> Response:
        if isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError) and not exc.connection_invalidated:
            raise exc  # a programming error, not an outage: the edge answers 500
        _log.warning("database unavailable (request %s): %s", getattr(request.state, REQUEST_ID_STATE, ""), exc)
        detail = "The database is unavailable; nothing was changed. Retry after the delay in Retry-After."
        return _unavailable(request, docs_base_url, detail, DATABASE_RETRY_AFTER_SECONDS)

    async def on_limiter(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LimiterUnavailable)
        detail = "Rate limits cannot be checked right now; nothing was changed. Retry after the delay in Retry-After."
        return _unavailable(request, docs_base_url, detail, exc.retry_after)

    app.add_exception_handler(OperationalError, on_database)
    app.add_exception_handler(DBAPIError, on_database)
    app.add_exception_handler(LimiterUnavailable, on_limiter)
