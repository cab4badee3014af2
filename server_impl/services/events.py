"""Publishing events to the outbox inside the write's own unit of work, and reading them back.

Handlers call :func:`publish` after a use case, with the object in its contract shape: the event
commits or rolls back with the write, so there is never an event without its change nor a change
without its event. The delivery worker fans unpublished events out to webhook endpoints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import NotFound
from server_impl.domain.events import DomainEvent, changed_attributes
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.services.ports import EventFilter, Page, UnitOfWork


def publish(
    uow: UnitOfWork,
    caller: CallContext | None,
    event_type: str,
    data_object: Mapping[str, Any],
    *,
    previous: Mapping[str, Any] | None = None,
    tenant: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> DomainEvent:
    """Stage an event in the caller's transaction.

    Args:
        uow: The unit of work of the write (entered, not yet committed).
        caller: Who made the change; ``None`` for the system's own changes (the worker), which then
            names the ``tenant``.
        event_type: ``<resource>.<what happened>``, a value of the contract's ``EventType``.
        data_object: The object after the change, in its contract shape (with ``id`` and ``object``).
        previous: The object before the change (updates), to compute ``previous_attributes``.
        tenant: ``(organization_id, environment)`` when ``caller`` is ``None``.
        now: The event time (tests).

    Returns:
        The staged event.
    """
    if caller is not None:
        organization_id, environment = caller.principal.organization_id, caller.principal.environment.value
    elif tenant is not None:
        organization_id, environment = tenant
    else:
        raise ValueError("a system event names its tenant")
    resource_type = str(data_object["object"])
    resource_id = str(data_object["id"])
    customer_id = resource_id if resource_type == "customer" else data_object.get("customer_id")
    event = DomainEvent(
        id=new_id("evt"),
        type=event_type,
        organization_id=organization_id,
        environment=environment,
        resource_type=resource_type,
        resource_id=resource_id,
        customer_id=customer_id if isinstance(customer_id, str) else None,
        data_object=dict(data_object),
        previous_attributes=None if previous is None else changed_attributes(previous, data_object),
        request_id=caller.request_id if caller is not None else None,
        idempotency_key=caller.idempotency_key if caller is not None else None,
        created_at=now or utc_now(),
    )
    uow.events.add(event)
    return event


def get_event(uow: UnitOfWork, event_id: str) -> DomainEvent:
    """Return one event of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    event = uow.events.get(event_id)
    if event is None:
        raise NotFound("event", event_id)
    return event


RETENTION = timedelta(days=30)


def list_events(
    uow: UnitOfWork, filters: EventFilter, *, limit: int, before_id: str | None, now: datetime | None = None
) -> Page[DomainEvent]:
    """Return the tenant's events of the last 30 days newest first, by type, customer, resource and time."""
    floor = (now or utc_now()) - RETENTION
    since = floor if filters.since is None or filters.since < floor else filters.since
    return uow.events.list(dataclasses.replace(filters, since=since), limit=limit, before_id=before_id)


def event_document(event: DomainEvent) -> dict[str, Any]:
    """Return an event as the API shows it and webhooks deliver it (the contract's ``Event``, as JSON).

    ``GET /events/{id}`` and the webhook body are the same document, so a receiver can compare them.
    """
    data: dict[str, Any] = {"object": dict(event.data_object)}
    if event.previous_attributes is not None:
        data["previous_attributes"] = dict(event.previous_attributes)
    created = event.created_at.isoformat().replace("+00:00", "Z")
    return {
        "id": event.id,
        "object": "event",
        "type": event.type,
        "api_version": "v1",
        "organization_id": event.organization_id,
        "environment": event.environment,
        "data": data,
        "request_id": event.request_id,
        "idempotency_key": event.idempotency_key,
        "created_at": created,
        "updated_at": created,
    }
