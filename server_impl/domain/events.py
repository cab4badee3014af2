"""Domain events: what happened in a tenant, recorded in the outbox with the change itself.

An event carries the changed object in its contract shape (``data_object``), and on updates the
top-level fields that changed with their values before the change (``previous_attributes``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class DomainEvent:
    """One event of the outbox.

    Attributes:
        id: ``evt_`` + ULID (ordered by time).
        type: ``<resource>.<what happened>``, a value of the contract's ``EventType``.
        organization_id: The tenant's organization.
        environment: The tenant's environment.
        resource_type: The ``object`` of ``data_object`` (``job``, ``invoice`` ...).
        resource_id: Its id.
        customer_id: The customer the object belongs to, for the customer's activity history.
        data_object: The object after the change, as the API represents it.
        previous_attributes: Changed top-level fields with their former values (``None`` unless an update).
        request_id: The request that caused it (``None`` for the system's own changes).
        idempotency_key: That request's ``Idempotency-Key``, if any.
        created_at: When the change happened.
        published_at: When the delivery worker fanned it out to webhook endpoints.
    """

    id: str
    type: str
    organization_id: str
    environment: str
    resource_type: str
    resource_id: str
    customer_id: str | None
    data_object: Mapping[str, Any]
    previous_attributes: Mapping[str, Any] | None
    request_id: str | None
    idempotency_key: str | None
    created_at: datetime
    published_at: datetime | None = None


def changed_attributes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """Return the top-level fields of ``previous`` whose values differ in ``current``.

    ``updated_at`` is left out: it changes with every write and says nothing of its own.
    """
    return {
        name: value
        for name, value in previous.items()
        if name != "updated_at" and (name not in current or current[name] != value)
    }


def matches(event_type: str, pattern: str) -> bool:
    """Return whether ``event_type`` matches a subscription pattern (``*``, ``invoice.*`` or exact)."""
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return event_type.startswith(pattern[:-1])
    return event_type == pattern
