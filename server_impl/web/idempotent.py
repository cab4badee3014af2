"""Running a POST through the idempotency guard from a route or handler."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi import Request
from starlette.responses import Response

from server_impl.domain.errors import FieldError, ValidationFailed
from server_impl.domain.idempotency import StoredResponse, fingerprint
from server_impl.domain.principal import Principal
from server_impl.services.idempotency import IdempotencyPolicy, Outcome, run_idempotent
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory
from server_impl.web.database_work import run_writes

_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def _run_plain(
    uow_factory: UnitOfWorkFactory, principal: Principal, write: Callable[[UnitOfWork], StoredResponse]
) -> Outcome:
    with uow_factory(principal.tenant) as uow:
        response = write(uow)
        uow.commit()
    return Outcome(response, replayed=False)


async def idempotent_write(
    request: Request,
    principal: Principal,
    uow_factory: UnitOfWorkFactory,
    write: Callable[[UnitOfWork], StoredResponse],
    policy: IdempotencyPolicy | None = None,
    *,
    fingerprint_body: bytes | None = None,
) -> Response:
    """Run a write once per ``Idempotency-Key`` of the tenant and answer with its response.

    Without the header the write simply runs. With it, a replay answers the stored status and body
    with ``Idempotent-Replayed: true``.

    Args:
        request: The POST request.
        principal: The authorized caller (its tenant scopes the key).
        uow_factory: Opens units of work.
        write: Does the work in an entered unit of work (no commit) and returns the response.
        policy: Retention and lock timeout.
        fingerprint_body: What identifies the request's body when it cannot be read again (an upload
            streamed to storage gives a JSON summary of its fields and content); the body itself when omitted.

    Returns:
        The response to send.

    Raises:
        ValidationFailed: If the key is empty, too long or not printable ASCII.
    """
    key = request.headers.get("idempotency-key")
    if key is None:
        outcome = await run_writes(uow_factory, lambda: _run_plain(uow_factory, principal, write))
    else:
        if _KEY.fullmatch(key) is None:
            raise ValidationFailed((FieldError("Idempotency-Key", "Use 1 to 255 printable ASCII characters."),))
        body = await request.body() if fingerprint_body is None else fingerprint_body
        digest = fingerprint(request.method, request.url.path, body)
        outcome = await run_writes(
            uow_factory, lambda: run_idempotent(uow_factory, principal.tenant, key, digest, write, policy=policy)
        )
    stored = outcome.response
    response = Response(
        stored.body, status_code=stored.status, media_type="application/json", headers=dict(stored.headers)
    )
    if outcome.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
