"""Payments, with their applications to invoices and their refunds as JSON documents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class PaymentRow(TenantScoped, Base):
    """A payment; ``invoice_ids_text`` (``,inv_a,inv_b,``) serves the ``invoice_id`` filter."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_tenant", "organization_id", "environment", "id"),
        Index("ix_payments_tenant_customer", "organization_id", "environment", "customer_id", "id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    method: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))
    applications: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    invoice_ids_text: Mapped[str] = mapped_column(String(2000))
    refunds: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    reference: Mapped[str | None] = mapped_column(String(200))
    memo: Mapped[str | None] = mapped_column(String(2000))
    failure_reason: Mapped[str | None] = mapped_column(String(1000))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", json_type())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    succeeded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    canceled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
