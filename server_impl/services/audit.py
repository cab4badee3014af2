"""Recording audit events inside the write's own unit of work."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server_impl.domain.audit import AuditEvent, diff_fields
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import NotFound
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.services.ports import AuditFilter, Page, UnitOfWork


def record(
    uow: UnitOfWork,
    context: CallContext,
    *,
    action: str,
    resource_type: str,
    resource_id: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    now: datetime | None = None,
) -> AuditEvent:
    """Stage an audit event for a write in the caller's transaction.

    It commits or rolls back with the write it describes: a write that fails leaves no event.

    Args:
        uow: The unit of work of the write (entered, not yet committed).
        context: Who called, with request id, IP and user agent.
        action: Dotted action such as ``customer.updated``.
        resource_type: Such as ``customer``.
        resource_id: The object's id.
        before: The object's fields before the write, ``None`` on creation.
        after: The object's fields after the write, ``None`` on deletion.
        now: The event time; the current time when omitted.

    Returns:
        The staged event.
    """
    principal = context.principal
    event = AuditEvent(
        id=new_id("aud"),
        organization_id=principal.organization_id,
        environment=principal.environment,
        actor_type=principal.actor_type.value,
        actor_id=principal.actor_id,
        credential_id=principal.key_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        request_id=context.request_id,
        ip=context.ip,
        user_agent=context.user_agent,
        created_at=now or utc_now(),
        changes=diff_fields(before, after),
    )
    uow.audit_events.add(event)
    return event


def get_event(uow: UnitOfWork, event_id: str) -> AuditEvent:
    """Return one audit event of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    event = uow.audit_events.get(event_id)
    if event is None:
        raise NotFound("audit_event", event_id)
    return event


def list_events(uow: UnitOfWork, filters: AuditFilter, *, limit: int, before_id: str | None) -> Page[AuditEvent]:
    """Return the tenant's audit events newest first, filtered by actor, action, resource and time."""
    return uow.audit_events.list(filters, limit=limit, before_id=before_id)
