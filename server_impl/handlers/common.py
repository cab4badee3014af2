"""What every handler shares: the caller, running use cases off the event loop, writes, ETags, pages."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from typing import NoReturn, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel

from generated.server.runtime import RequestContext
from server_impl.domain.errors import FieldError, ValidationFailed
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.principal import CallContext, Principal
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory
from server_impl.web.authorizer import call_context
from server_impl.web.database_work import run_reads, run_writes
from server_impl.web.idempotent import idempotent_write
from server_impl.web.problems import ImmediateResponse

T = TypeVar("T")

_CURSOR_PREFIX = "c1."
_CURSOR_ID = re.compile(r"[a-z]{2,4}_[0-9A-HJKMNP-TV-Z]{26}")


def principal_of(context: RequestContext) -> Principal:
    """Return the principal the ``Authorizer`` produced for this request."""
    principal = context.principal
    if not isinstance(principal, Principal):  # pragma: no cover - every contract operation is secured
        raise TypeError("the operation ran without an authorized principal")
    return principal


def caller_of(context: RequestContext) -> CallContext:
    """Return the principal plus what the audit log records about the request."""
    return call_context(context.request, principal_of(context))


async def read(uow_factory: UnitOfWorkFactory, principal: Principal, work: Callable[[UnitOfWork], T]) -> T:
    """Run a read in a read-only unit of work of the caller's tenant (where: :mod:`server_impl.web.database_work`)."""

    def run() -> T:
        with uow_factory(principal.tenant, read_only=True) as uow:
            return work(uow)

    return await run_reads(uow_factory, run)


async def write(uow_factory: UnitOfWorkFactory, principal: Principal, work: Callable[[UnitOfWork], T]) -> T:
    """Run a write (and its audit event) in one committed transaction of the caller's tenant."""

    def run() -> T:
        with uow_factory(principal.tenant) as uow:
            result = work(uow)
            uow.commit()
            return result

    return await run_writes(uow_factory, run)


def stored(status: int, dto: BaseModel, headers: Sequence[tuple[str, str]] = ()) -> StoredResponse:
    """Return the response of a write as the idempotency guard stores and replays it."""
    return StoredResponse(status, dto.model_dump_json(by_alias=True).encode(), tuple(headers))


async def write_once(
    context: RequestContext,
    uow_factory: UnitOfWorkFactory,
    policy: IdempotencyPolicy,
    work: Callable[[UnitOfWork], StoredResponse],
    principal: Principal | None = None,
) -> NoReturn:
    """Run a POST through the ``Idempotency-Key`` guard and send its stored response as is.

    Args:
        context: The request context.
        uow_factory: Opens units of work.
        policy: Retention and lock timeout of keys.
        work: The write, its audit event and its response, in one entered unit of work.
        principal: The tenant to write in, when not the caller's own.

    Raises:
        ImmediateResponse: Always: the fresh or replayed response.
    """
    who = principal or principal_of(context)
    response = await idempotent_write(context.request, who, uow_factory, work, policy)
    raise ImmediateResponse(response)


def encode_cursor(last_id: str) -> str:
    """Return the opaque cursor of the page that follows ``last_id``."""
    return _CURSOR_PREFIX + base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """Return the id a cursor continues after (``None`` for the first page).

    Raises:
        ValidationFailed: If the cursor was not produced by this API.
    """
    if cursor is None:
        return None
    invalid = ValidationFailed((FieldError("cursor", "Not a cursor from this API; pass next_cursor as given."),))
    if not cursor.startswith(_CURSOR_PREFIX):
        raise invalid
    text = cursor[len(_CURSOR_PREFIX) :]
    try:
        decoded = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    if _CURSOR_ID.fullmatch(decoded) is None:
        raise invalid
    return decoded


def page_cursor(context: RequestContext, ids: Sequence[str], has_more: bool) -> str | None:
    """Return the next cursor of a page and set its ``Link: <...>; rel="next"`` header."""
    if not has_more or not ids:
        return None
    cursor = encode_cursor(ids[-1])
    # The request's query with the cursor replaced (last), as ``URL.include_query_params`` gives it
    # without parsing the query string again: that was a twelfth of a list's CPU.
    # The path as ``request.url.path`` spells it, without building the whole URL (host and all).
    request = context.request
    path = request.scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query = [(name, value) for name, value in request.query_params.multi_items() if name != "cursor"]
    query.append(("cursor", cursor))
    context.response.headers["Link"] = f'<{path}?{urlencode(query)}>; rel="next"'
    return cursor
