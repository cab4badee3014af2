"""Audit events: an append-only record of every write, written in the write's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server_impl.domain.tenancy import Environment


@dataclass(frozen=True)
class FieldChange:
    """One changed field: its value before and after the write (``None`` when absent)."""

    before: Any
    after: Any


@dataclass(frozen=True)
class AuditEvent:
    """What happened, to what, by whom, from where.

    Attributes:
        id: ``aud_...``.
        organization_id: The tenant's organization.
        environment: The tenant's environment.
        actor_type: ``api_key``, ``user`` or ``system``.
        actor_id: The key or user id (``None`` for the system).
        credential_id: The credential used (the key id, or the token id for a user session).
        action: Dotted action such as ``customer.updated``.
        resource_type: Such as ``customer``.
        resource_id: The object's id.
        request_id: The request that made the change.
        ip: The caller's address.
        user_agent: The caller's ``User-Agent``.
        created_at: When it happened.
        changes: Changed fields, before and after.
    """

    id: str
    organization_id: str
    environment: Environment
    actor_type: str
    actor_id: str | None
    credential_id: str | None
    action: str
    resource_type: str
    resource_id: str
    request_id: str | None
    ip: str | None
    user_agent: str | None
    created_at: datetime
    changes: Mapping[str, FieldChange] = field(default_factory=dict)


def diff_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, FieldChange]:
    """Return the fields whose values differ between two snapshots.

    Args:
        before: The object's fields before the write (``None`` for a creation).
        after: The object's fields after the write (``None`` for a deletion).

    Returns:
        Changed field name -> change, in sorted order of names.
    """
    old = dict(before or {})
    new = dict(after or {})
    changes: dict[str, FieldChange] = {}
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) != new.get(name) or (name in old) != (name in new):
            changes[name] = FieldChange(old.get(name), new.get(name))
    return changes
