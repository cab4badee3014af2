"""``AuditEventsHandlers``: the audit log, filtered by actor, action, resource and time."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from typing import Literal

from generated import models
from generated.server.audit_events import AuditEventsHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.audit import AuditEvent
from server_impl.handlers.common import decode_cursor, page_cursor, principal_of, read
from server_impl.services import audit
from server_impl.services.ports import AuditFilter, UnitOfWorkFactory
from server_impl.web.conditional import etag_for

ResourceType = Literal[
    "customer", "service", "job", "estimate", "invoice", "payment", "refund", "file", "webhook_endpoint", "api_key"
]


def audit_event_dto(event: AuditEvent) -> models.AuditEvent:
    """Map an audit event to its contract representation (events never change: ``updated_at`` = ``created_at``)."""
    return models.AuditEvent.model_validate(
        {
            "id": event.id,
            "object": "audit_event",
            "organization_id": event.organization_id,
            "environment": event.environment.value,
            "actor": {"type": event.actor_type, "id": event.actor_id if event.actor_type != "system" else None},
            "action": event.action,
            "resource_type": event.resource_type,
            "resource_id": event.resource_id,
            "request_id": event.request_id,
            "ip_address": event.ip,
            "user_agent": event.user_agent,
            "changes": {name: {"before": c.before, "after": c.after} for name, c in event.changes.items()},
            "occurred_at": event.created_at,
            "created_at": event.created_at,
            "updated_at": event.created_at,
        }
    )


class AuditEvents(AuditEventsHandlers):
    """Read-only access to the tenant's audit log."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def list_audit_events(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        actor_id: str | None,
        action: str | None,
        resource_type: ResourceType | None,
        resource_id: str | None,
        since: datetime.datetime | None,
        until: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.AuditEventList:
        """List audit events newest first."""
        filters = AuditFilter(actor_id, action, resource_type, resource_id, since, until)
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: audit.list_events(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [event.id for event in page.items], page.has_more)
        return models.AuditEventList(
            object="list",
            data=[audit_event_dto(event) for event in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def get_audit_event(
        self, context: RequestContext, *, audit_event_id: str, x_organization_id: str
    ) -> models.AuditEvent:
        """Get one audit event."""
        event = await read(self._uow, principal_of(context), lambda uow: audit.get_event(uow, audit_event_id))
        context.response.headers["ETag"] = etag_for(event.id, 1)
        return audit_event_dto(event)
