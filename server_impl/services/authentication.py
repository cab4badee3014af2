"""Turning credentials into what they may do: API keys by hash, users by membership."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from server_impl.domain.api_keys import ApiKey, has_valid_checksum, hash_secret
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import InvalidCredentials, OrganizationAccessDenied
from server_impl.domain.identity import Membership
from server_impl.services.ports import UnitOfWorkFactory

LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most once a minute per key, not on every request."""


def authenticate_key(uow_factory: UnitOfWorkFactory, secret: str, pepper: bytes, now: datetime | None = None) -> ApiKey:
    """Return the active key matching ``secret`` and note its use.

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
    if not has_valid_checksum(secret):
        raise InvalidCredentials("malformed", "The API key is malformed: check that it was copied whole.")
    key_hash = hash_secret(secret, pepper)
    with uow_factory(None) as uow:
        key = uow.api_keys.find_by_hash(key_hash)
        if key is None or not hmac.compare_digest(key.key_hash, key_hash):
            raise InvalidCredentials("unknown", "The API key is not known.")
        state = key.state_at(now)
        if state == "revoked":
            raise InvalidCredentials("revoked", "The API key was revoked.")
        if state == "expired":
            raise InvalidCredentials("expired", "The API key has expired.")
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            key.last_used_at = now
            uow.api_keys.save(key)
            uow.commit()
    return key


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
    with uow_factory(None) as uow:
        membership = uow.memberships.get(organization_id, user_id)
    if membership is None:
        raise OrganizationAccessDenied("You cannot act in this organization.")
    return membership
