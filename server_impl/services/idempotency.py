"""Idempotent POSTs: claim the key, run the write, store its response in the write's transaction.

1. *Claim*: insert ``(tenant, key)`` as ``in_progress`` and commit. A second request with the same
   key now finds the record: a different fingerprint is ``IdempotencyKeyReused``; an unfinished
   first request is ``IdempotencyKeyInUse`` (409 with ``Retry-After``); a completed one is replayed.
2. *Run*: the write, its audit event and ``complete(key, response)`` commit in one transaction.
3. *Fail*: if the write raises, the claim is released so that a corrected retry can run.

A claim left behind by a crashed process is taken over after ``lock_timeout``; a completed record is
kept for ``ttl`` (24 hours), after which the key may be used again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import IdempotencyKeyInUse, IdempotencyKeyReused
from server_impl.domain.idempotency import IdempotencyRecord, IdempotencyState, StoredResponse
from server_impl.domain.tenancy import Tenant
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class IdempotencyPolicy:
    """How long keys are kept and when an unfinished claim counts as abandoned."""

    ttl: timedelta = timedelta(hours=24)
    lock_timeout: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Outcome:
    """The response to send, and whether it is a replay of an earlier one."""

    response: StoredResponse
    replayed: bool


def run_idempotent(
    uow_factory: UnitOfWorkFactory,
    tenant: Tenant,
    key: str,
    fingerprint: str,
    write: Callable[[UnitOfWork], StoredResponse],
    *,
    policy: IdempotencyPolicy | None = None,
) -> Outcome:
    """Run ``write`` at most once per ``(tenant, key)`` and return its (possibly replayed) response.

    Args:
        uow_factory: Opens units of work.
        tenant: The caller's tenant; keys of different tenants never meet.
        key: The ``Idempotency-Key`` header value.
        fingerprint: Digest of the request (method, path, canonical body).
        write: Does the work in the given entered unit of work, without committing, and returns the
            response to store. Its exceptions propagate after the claim is released.
        policy: Retention and lock timeout.

    Returns:
        The outcome.

    Raises:
        IdempotencyKeyReused: If the key was used with a different request.
        IdempotencyKeyInUse: If the first request with the key is still running.
    """
    policy = policy or IdempotencyPolicy()
    existing = _claim(uow_factory, tenant, key, fingerprint, policy)
    if existing is not None:
        return Outcome(existing, replayed=True)
    try:
        with uow_factory(tenant) as uow:
            response = write(uow)
            uow.idempotency.complete(key, response)
            uow.commit()
    except BaseException:
        with uow_factory(tenant) as uow:
            uow.idempotency.release(key)
            uow.commit()
        raise
    return Outcome(response, replayed=False)


def _claim(
    uow_factory: UnitOfWorkFactory, tenant: Tenant, key: str, fingerprint: str, policy: IdempotencyPolicy
) -> StoredResponse | None:
    now = utc_now()
    record = IdempotencyRecord(
        key=key,
        fingerprint=fingerprint,
        state=IdempotencyState.IN_PROGRESS,
        created_at=now,
        expires_at=now + policy.ttl,
        locked_until=now + policy.lock_timeout,
    )
    with uow_factory(tenant) as uow:
        claimed = uow.idempotency.claim(record)
        current = None if claimed else uow.idempotency.get(key)
        if current is not None and _is_stale(current, now):
            claimed = uow.idempotency.take_over(key, current, record)
            current = None if claimed else uow.idempotency.get(key)
        if claimed:
            uow.commit()
            return None
    return _answer_existing(current, fingerprint, now)


def _is_stale(record: IdempotencyRecord, now: datetime) -> bool:
    if record.expires_at <= now:
        return True
    return record.state is IdempotencyState.IN_PROGRESS and record.locked_until <= now


def _answer_existing(record: IdempotencyRecord | None, fingerprint: str, now: datetime) -> StoredResponse:
    if record is None:
        raise IdempotencyKeyInUse("A request with this Idempotency-Key is still running; retry shortly.", 1)
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used with a different request; use a new key for a new request."
        )
    if record.state is IdempotencyState.IN_PROGRESS or record.response is None:
        wait = max(1, int((record.locked_until - now).total_seconds()))
        raise IdempotencyKeyInUse("A request with this Idempotency-Key is still running; retry shortly.", min(wait, 5))
    return record.response
