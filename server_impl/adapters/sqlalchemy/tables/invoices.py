"""Invoices and the per-tenant counter that numbers them without gaps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class InvoiceRow(TenantScoped, Base):
    """An invoice; lines, tags and the accounting handoff are JSON documents of the row.

    The money columns hold the current totals (frozen once ``totals_locked``); ``amount_paid`` is
    only changed under a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL).
    """

    __tablename__ = "invoices"
    __table_args__ = (
        Index("ix_invoices_tenant", "organization_id", "environment", "id"),
        Index("ix_invoices_tenant_customer", "organization_id", "environment", "customer_id", "id"),
        Index("ix_invoices_tenant_sync", "organization_id", "environment", "accounting_sync_status", "id"),
        UniqueConstraint("organization_id", "environment", "number", name="uq_invoices_tenant_number"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"))
    job_id: Mapped[str | None] = mapped_column(ID)
    estimate_id: Mapped[str | None] = mapped_column(ID)
    currency: Mapped[str] = mapped_column(String(3))
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    discount: Mapped[int] = mapped_column(BigInteger)
    subtotal: Mapped[int] = mapped_column(BigInteger)
    discount_amount: Mapped[int] = mapped_column(BigInteger)
    tax_total: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[int] = mapped_column(BigInteger)
    totals_locked: Mapped[bool] = mapped_column()
    amount_paid: Mapped[int] = mapped_column(BigInteger)
    terms: Mapped[str] = mapped_column(String(20))
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    memo: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(json_type())
    meta: Mapped[dict[str, str]] = mapped_column("metadata", json_type())
    accounting_sync: Mapped[dict[str, Any]] = mapped_column(json_type())
    accounting_sync_status: Mapped[str] = mapped_column(String(16))
    finalized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    marked_uncollectible_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class InvoiceCounterRow(TenantScoped, Base):
    """The last invoice number given in a tenant; incremented in the finalizing transaction."""

    __tablename__ = "invoice_number_counters"
    __table_args__ = (PrimaryKeyConstraint("organization_id", "environment", name="pk_invoice_number_counters"),)

    last_number: Mapped[int] = mapped_column(BigInteger)
