"""Use cases for API keys: create (secret shown once), revoke, read; rotation is in ``api_key_rotation``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server_impl.domain.api_keys import ApiKey, generate_secret, hash_secret, visible_prefix
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import FieldError, NotFound, ScopeEscalation, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.plain import plain_fields
from server_impl.domain.principal import ActorType, CallContext
from server_impl.domain.scopes import unknown_scopes
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services import audit
from server_impl.services.ports import Page, UnitOfWork, UnitOfWorkFactory

DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=365)
MAX_PER_MINUTE = 100_000
MAX_PER_DAY = 100_000_000


@dataclass(frozen=True)
class NewKey:
    """What the caller asks for when creating a key.

    Attributes:
        name: Human label.
        scopes: Scopes to grant (never more than the caller holds).
        environment: ``live`` or ``test``.
        expires_at: Expiry; ``None`` means 90 days from now. At most 365 days ahead.
        per_minute: Requests per minute.
        per_day: Requests per day.
    """

    name: str
    scopes: tuple[str, ...]
    environment: Environment
    expires_at: datetime | None
    per_minute: int
    per_day: int


def public_fields(key: ApiKey) -> dict[str, Any]:
    """Return the fields of a key the audit log may show (never the hash)."""
    fields = plain_fields(key)
    fields.pop("key_hash")
    return {name: (value.isoformat() if isinstance(value, datetime) else value) for name, value in fields.items()}


def _check_request(issuer: CallContext | None, request: NewKey, now: datetime) -> datetime:
    errors: list[FieldError] = []
    unknown = unknown_scopes(request.scopes)
    if unknown:
        errors.append(FieldError("/scopes", "Unknown scopes: " + ", ".join(unknown) + "."))
    if not request.scopes:
        errors.append(FieldError("/scopes", "Grant at least one scope."))
    expires_at = request.expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now or expires_at > now + MAX_LIFETIME:
        errors.append(FieldError("/expires_at", "Must be in the future and at most 365 days from now."))
    if not 1 <= request.per_minute <= MAX_PER_MINUTE:
        errors.append(FieldError("/rate_limit/per_minute", f"Must be between 1 and {MAX_PER_MINUTE}."))
    if not 1 <= request.per_day <= MAX_PER_DAY:
        errors.append(FieldError("/rate_limit/per_day", f"Must be between 1 and {MAX_PER_DAY}."))
    by_key = issuer is not None and issuer.principal.actor_type is ActorType.API_KEY
    if by_key and issuer is not None and request.environment is not issuer.principal.environment:
        errors.append(FieldError("/environment", "An API key can only create keys of its own environment."))
    if errors:
        raise ValidationFailed(tuple(errors))
    if issuer is not None:
        missing = tuple(sorted(set(request.scopes) - issuer.principal.scopes))
        if missing:
            raise ScopeEscalation(missing)
    return expires_at


def create_key(
    uow_factory: UnitOfWorkFactory,
    issuer: CallContext,
    organization_id: str,
    request: NewKey,
    *,
    pepper: bytes,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret (the only time the secret exists in clear).

    Args:
        uow_factory: Opens units of work.
        issuer: The caller; a ``system`` principal (the CLI) is not limited by its own scopes.
        organization_id: The organization the key acts in.
        request: Name, scopes, environment, expiry and limits.
        pepper: The HMAC pepper.
        now: The current time (tests).

    Returns:
        The stored key and the secret.

    Raises:
        ValidationFailed: On unknown scopes, a bad expiry or bad limits.
        ScopeEscalation: When asking for scopes the issuer does not hold.
    """
    with uow_factory(Tenant(organization_id, request.environment)) as uow:
        key, secret = create_key_in(uow, issuer, organization_id, request, pepper=pepper, now=now)
        uow.commit()
    return key, secret


def create_key_in(
    uow: UnitOfWork,
    issuer: CallContext,
    organization_id: str,
    request: NewKey,
    *,
    pepper: bytes,
    now: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key in an entered unit of work of the key's tenant (not committed); see :func:`create_key`."""
    now = now or utc_now()
    limited_by = None if issuer.principal.actor_type is ActorType.SYSTEM else issuer
    expires_at = _check_request(limited_by, request, now)
    secret = generate_secret(request.environment)
    key = ApiKey(
        id=new_id("key"),
        organization_id=organization_id,
        environment=request.environment,
        name=request.name,
        key_hash=hash_secret(secret, pepper),
        prefix=visible_prefix(secret),
        last_four=secret[-4:],
        scopes=tuple(sorted(set(request.scopes))),
        expires_at=expires_at,
        per_minute=request.per_minute,
        per_day=request.per_day,
        created_at=now,
        created_by_type=issuer.principal.actor_type.value,
        created_by_id=issuer.principal.actor_id,
    )
    uow.api_keys.add(key)
    audit.record(
        uow,
        issuer,
        action="api_key.created",
        resource_type="api_key",
        resource_id=key.id,
        before=None,
        after=public_fields(key),
        now=now,
    )
    return key, secret


def revoke_key(
    uow_factory: UnitOfWorkFactory, context: CallContext, key_id: str, *, now: datetime | None = None
) -> ApiKey:
    """Revoke a key of the caller's tenant at once (revoking twice changes nothing).

    Args:
        uow_factory: Opens units of work.
        context: The caller.
        key_id: The key to revoke.
        now: The current time (tests).

    Returns:
        The revoked key.

    Raises:
        NotFound: If the key is not in the caller's tenant.
    """
    with uow_factory(context.principal.tenant) as uow:
        key = revoke_key_in(uow, context, key_id, now=now)
        uow.commit()
    return key


def revoke_key_in(uow: UnitOfWork, context: CallContext, key_id: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke a key in an entered unit of work of the caller's tenant (not committed); see :func:`revoke_key`."""
    now = now or utc_now()
    key = uow.api_keys.get(key_id)
    if key is None:
        raise NotFound("api_key", key_id)
    if key.revoked_at is not None:
        return key
    before = public_fields(key)
    key.revoked_at = now
    uow.api_keys.save(key)
    audit.record(
        uow,
        context,
        action="api_key.revoked",
        resource_type="api_key",
        resource_id=key.id,
        before=before,
        after=public_fields(key),
        now=now,
    )
    return key


def get_key(uow_factory: UnitOfWorkFactory, tenant: Tenant, key_id: str) -> ApiKey:
    """Return a key of the tenant.

    Raises:
        NotFound: If it is not in the tenant.
    """
    with uow_factory(tenant, read_only=True) as uow:
        key = uow.api_keys.get(key_id)
    if key is None:
        raise NotFound("api_key", key_id)
    return key


def list_keys(
    uow_factory: UnitOfWorkFactory,
    tenant: Tenant,
    limit: int,
    before_id: str | None,
    *,
    status: str | None = None,
    now: datetime | None = None,
) -> Page[ApiKey]:
    """Return the tenant's keys, newest first, optionally only those ``active``, ``expired`` or ``revoked``."""
    with uow_factory(tenant, read_only=True) as uow:
        return uow.api_keys.list(limit=limit, before_id=before_id, status=status, now=now or utc_now())
