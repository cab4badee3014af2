"""Turning credentials into what they may do: API keys by hash, users by membership."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from server_impl.domain.api_keys import ApiKey, has_valid_checksum, hash_secret
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import InvalidCredentials, OrganizationAccessDenied
from server_impl.domain.identity import Membership
from server_impl.services.key_cache import KeyCache
from server_impl.services.ports import UnitOfWorkFactory

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most once a minute per key, not on every request."""


def authenticate_key(uow_factory: UnitOfWorkFactory, secret: str, pepper: bytes, now: datetime | None = None) -> ApiKey:
    """Return the active key matching ``secret`` and note its use (:func:`find_key` + :func:`note_use`).

    Args:
        uow_factory: Opens units of work (a system one is used: the tenant is not known yet).
        secret: The ``x-api-key`` header value.
        pepper: The HMAC pepper.
        now: The current time (tests).

    Returns:
        The key.

    Raises:
        InvalidCredentials: ``malformed`` (format or checksum), ``unknown``, ``expired`` or ``revoked``.
    """
    now = now or utc_now()
    key = find_key(uow_factory, secret, pepper, now)
    if needs_use_noted(key, now):
        note_use(uow_factory, key, now)
    return key


def find_key(
    uow_factory: UnitOfWorkFactory, secret: str, pepper: bytes, now: datetime, cache: KeyCache | None = None
) -> ApiKey:
    """Return the active key matching ``secret``, reading only (a read-only system unit of work).

    Args:
        uow_factory: Opens units of work.
        secret: The ``x-api-key`` header value.
        pepper: The HMAC pepper.
        now: The current time.
        cache: Recently found keys; consulted first and filled on a database hit.

    Returns:
        The key.

    Raises:
        InvalidCredentials: ``malformed`` (format or checksum), ``unknown``, ``expired`` or ``revoked``.
    """
    key_hash = hash_secret(secret, pepper)
    key = cache.get(key_hash) if cache is not None else None
    if key is None:  # a cached key's hash matched: it was well formed (its checksum is checked on a miss)
        if not has_valid_checksum(secret):
            raise InvalidCredentials("malformed", "The API key is malformed: check that it was copied whole.")
        with uow_factory(None, read_only=True) as uow:
            key = uow.api_keys.find_by_hash(key_hash)
        if key is not None and cache is not None:
            cache.put(key)
    if key is None or not hmac.compare_digest(key.key_hash, key_hash):
        raise InvalidCredentials("unknown", "The API key is not known.")
    state = key.state_at(now)
    if state == "revoked":
        raise InvalidCredentials("revoked", "The API key was revoked.")
    if state == "expired":
        raise InvalidCredentials("expired", "The API key has expired.")
    return key


def needs_use_noted(key: ApiKey, now: datetime) -> bool:
    """Tell whether ``last_used_at`` is older than :data:`LAST_USED_RESOLUTION`."""
    return key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION


def note_use(uow_factory: UnitOfWorkFactory, key: ApiKey, now: datetime) -> None:
    """Write ``last_used_at`` in a transaction of its own (reads never take the write lock)."""
    key.last_used_at = now
    with uow_factory(None) as uow:
        uow.api_keys.touch(key.id, now)
        uow.commit()


def membership_for(uow_factory: UnitOfWorkFactory, user_id: str, organization_id: str) -> Membership:
    """Return the user's membership in the organization.

    Args:
        uow_factory: Opens units of work.
        user_id: The token's subject.
        organization_id: The ``x-organization-id`` header value.

    Returns:
        The membership, whose role gives the session's scopes.

    Raises:
        OrganizationAccessDenied: If the user is not a member (or the organization does not exist).
    """
    with uow_factory(None, read_only=True) as uow:
        membership = uow.memberships.get(organization_id, user_id)
    if membership is None:
        raise OrganizationAccessDenied("You cannot act in this organization.")
    return membership
