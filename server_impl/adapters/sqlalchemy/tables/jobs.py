"""Jobs and the per-tenant counter their numbers come from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class JobRow(TenantScoped, Base):
    """A job; line items, technicians, tags and invoice links are JSON documents of the row.

    ``technicians_text`` and ``tags_text`` (``,a,b,``) serve the list filters; every list index
    starts with the tenant and ends with the id, so a page is one index range, however many jobs.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_tenant", "organization_id", "environment", "id"),
        Index("ix_jobs_tenant_status", "organization_id", "environment", "status", "id"),
        Index("ix_jobs_tenant_customer", "organization_id", "environment", "customer_id", "id"),
        Index("ix_jobs_tenant_window", "organization_id", "environment", "window_start"),
        Index("ix_jobs_tenant_updated", "organization_id", "environment", "updated_at"),
        UniqueConstraint("organization_id", "environment", "number", name="uq_jobs_tenant_number"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"))
    service_location_id: Mapped[str | None] = mapped_column(ID)
    priority: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(5000))
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    arrival_window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    arrival_window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    timezone: Mapped[str | None] = mapped_column(String(64))
    technician_ids: Mapped[list[str]] = mapped_column(json_type())
    technicians_text: Mapped[str] = mapped_column(String(700))
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(BigInteger)
    tax_total: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    source_estimate_id: Mapped[str | None] = mapped_column(ID)
    invoice_ids: Mapped[list[str]] = mapped_column(json_type())
    tags: Mapped[list[str]] = mapped_column(json_type())
    tags_text: Mapped[str] = mapped_column(String(3000))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", json_type())
    hold_reason: Mapped[str | None] = mapped_column(String(1000))
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    completion_notes: Mapped[str | None] = mapped_column(String(5000))
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class JobCounterRow(TenantScoped, Base):
    """The last job number handed out in a tenant (one row per tenant, locked while incremented)."""

    __tablename__ = "job_counters"
    __table_args__ = (PrimaryKeyConstraint("organization_id", "environment", name="pk_job_counters"),)

    last_number: Mapped[int] = mapped_column(Integer)
