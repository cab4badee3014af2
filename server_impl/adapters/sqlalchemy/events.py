"""The outbox repository: events staged with the write they announce, read newest first."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import EventRow
from server_impl.adapters.sqlalchemy.tenancy import insert_row
from server_impl.domain.events import DomainEvent
from server_impl.services.ports import EventFilter, Page


def event_from_row(row: EventRow) -> DomainEvent:
    """Map a row to its domain event."""
    return DomainEvent(
        id=row.id,
        type=row.type,
        organization_id=row.organization_id,
        environment=row.environment,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        customer_id=row.customer_id,
        data_object=row.data_object,
        previous_attributes=row.previous_attributes,
        request_id=row.request_id,
        idempotency_key=row.idempotency_key,
        created_at=row.created_at,
        published_at=row.published_at,
    )


_EVENTS = cast(Table, EventRow.__table__)


class SqlEventRepository:
    """Events of the tenant in SQL (the tenant guard filters every query)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: DomainEvent) -> None:
        """Stage an event in the current transaction."""
        insert_row(
            self._session,
            _EVENTS,
            {
                "id": event.id,
                "organization_id": event.organization_id,
                "environment": event.environment,
                "type": event.type,
                "resource_type": event.resource_type,
                "resource_id": event.resource_id,
                "customer_id": event.customer_id,
                "data_object": dict(event.data_object),
                "previous_attributes": None if event.previous_attributes is None else dict(event.previous_attributes),
                "request_id": event.request_id,
                "idempotency_key": event.idempotency_key,
                "created_at": event.created_at,
                "published_at": event.published_at,
            },
        )

    def get(self, event_id: str) -> DomainEvent | None:
        """Return one event of the tenant, or ``None``."""
        row = self._session.scalars(select(EventRow).where(EventRow.id == event_id)).first()
        return None if row is None else event_from_row(row)

    def list(self, filters: EventFilter, *, limit: int, before_id: str | None = None) -> Page[DomainEvent]:
        """Return the tenant's events newest first, filtered."""
        query = select(EventRow).order_by(EventRow.id.desc()).limit(limit + 1)
        if filters.type is not None:
            if filters.type.endswith(".*"):
                query = query.where(EventRow.type.startswith(filters.type[:-1], autoescape=True))
            else:
                query = query.where(EventRow.type == filters.type)
        if filters.customer_id is not None:
            query = query.where(EventRow.customer_id == filters.customer_id)
        if filters.resource_types is not None:
            query = query.where(EventRow.resource_type.in_(filters.resource_types))
        if filters.since is not None:
            query = query.where(EventRow.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(EventRow.created_at < filters.until)
        if before_id is not None:
            query = query.where(EventRow.id < before_id)
        rows = list(self._session.scalars(query))
        return Page([event_from_row(row) for row in rows[:limit]], has_more=len(rows) > limit)
