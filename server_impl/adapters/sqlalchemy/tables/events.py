"""The outbox: events written in the same transaction as the change they announce."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class EventRow(TenantScoped, Base):
    """An event of the tenant; inserted with the write, never changed except ``published_at``.

    ``published_at`` is set by the delivery worker once the event has been fanned out to the
    tenant's webhook endpoints; ``customer_id`` lets a customer's activity history find the events
    of its jobs, estimates, invoices and payments.
    """

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_tenant", "organization_id", "environment", "id"),
        Index("ix_events_tenant_type", "organization_id", "environment", "type", "id"),
        Index("ix_events_tenant_customer", "organization_id", "environment", "customer_id", "id"),
        Index("ix_events_unpublished", "published_at", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(ID)
    data_object: Mapped[dict[str, Any]] = mapped_column(json_type())
    previous_attributes: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    request_id: Mapped[str | None] = mapped_column(String(128))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
