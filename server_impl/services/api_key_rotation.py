"""Use case: rotating an API key (a new secret with the same grants; the old one lives on for an overlap)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from server_impl.domain.api_keys import ApiKey, generate_secret, hash_secret, visible_prefix
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict, FieldError, NotFound, ScopeEscalation, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.principal import ActorType, CallContext
from server_impl.services import audit
from server_impl.services.api_keys import MAX_LIFETIME, public_fields
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory

DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)


def rotate_key(
    uow_factory: UnitOfWorkFactory,
    context: CallContext,
    key_id: str,
    *,
    pepper: bytes,
    overlap: timedelta = DEFAULT_OVERLAP,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Replace a key by a new one with the same grants; the old one keeps working for ``overlap``.

    Rotating a key that is itself the result of a rotation ends its predecessor's overlap at once.

    Args:
        uow_factory: Opens units of work.
        context: The caller (must hold every scope of the key).
        key_id: The key to rotate.
        pepper: The HMAC pepper.
        overlap: How long the old key stays valid (0 to 7 days).
        now: The current time (tests).

    Returns:
        The new key and its secret.

    Raises:
        NotFound: If the key is not in the caller's tenant.
        Conflict: If the key is revoked, expired or already rotated.
        ValidationFailed: If the overlap is out of range.
        ScopeEscalation: If the caller lacks a scope of the key.
    """
    with uow_factory(context.principal.tenant) as uow:
        new, secret = rotate_key_in(uow, context, key_id, pepper=pepper, overlap=overlap, now=now)
        uow.commit()
    return new, secret


def _end_overlap(uow: UnitOfWork, context: CallContext, key_id: str, now: datetime) -> None:
    previous = uow.api_keys.predecessor(key_id)
    if previous is None or previous.expires_at <= now:
        return
    before = public_fields(previous)
    previous.expires_at = now
    uow.api_keys.save(previous)
    audit.record(
        uow,
        context,
        action="api_key.updated",
        resource_type="api_key",
        resource_id=previous.id,
        before=before,
        after=public_fields(previous),
        now=now,
    )


def rotate_key_in(
    uow: UnitOfWork,
    context: CallContext,
    key_id: str,
    *,
    pepper: bytes,
    overlap: timedelta = DEFAULT_OVERLAP,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Rotate a key in an entered unit of work of the caller's tenant (not committed); see :func:`rotate_key`."""
    now = now or utc_now()
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValidationFailed((FieldError("/overlap_seconds", "Must be between 0 and 604800 seconds."),))
    old = uow.api_keys.get(key_id)
    if old is None:
        raise NotFound("api_key", key_id)
    if old.state_at(now) != "active" or old.rotated_to_id is not None:
        raise Conflict(f"Key {key_id} is {old.state_at(now)}{' and rotated' if old.rotated_to_id else ''}.")
    if context.principal.actor_type is not ActorType.SYSTEM:
        missing = tuple(sorted(set(old.scopes) - context.principal.scopes))
        if missing:
            raise ScopeEscalation(missing)
    _end_overlap(uow, context, key_id, now)
    secret = generate_secret(old.environment)
    lifetime = min(old.expires_at - old.created_at, MAX_LIFETIME)
    new = dataclasses.replace(
        old,
        id=new_id("key"),
        key_hash=hash_secret(secret, pepper),
        prefix=visible_prefix(secret),
        last_four=secret[-4:],
        expires_at=now + lifetime,
        created_at=now,
        last_used_at=None,
        created_by_type=context.principal.actor_type.value,
        created_by_id=context.principal.actor_id,
    )
    before = public_fields(old)
    old.expires_at = min(old.expires_at, now + overlap)
    old.rotated_to_id = new.id
    uow.api_keys.add(new)
    uow.api_keys.save(old)
    audit.record(
        uow,
        context,
        action="api_key.rotated",
        resource_type="api_key",
        resource_id=old.id,
        before=before,
        after=public_fields(old),
        now=now,
    )
    audit.record(
        uow,
        context,
        action="api_key.created",
        resource_type="api_key",
        resource_id=new.id,
        before=None,
        after=public_fields(new),
        now=now,
    )
    return new, secret
