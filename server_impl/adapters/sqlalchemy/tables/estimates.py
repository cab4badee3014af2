"""Estimates: one row each; options (with their priced lines) and the approval are JSON documents."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class EstimateRow(TenantScoped, Base):
    """An estimate; ``number_seq`` is unique in the tenant and ``number`` is its display form.

    ``ix_estimates_expiry`` serves the worker's sweep of sent estimates past ``valid_until``.
    """

    __tablename__ = "estimates"
    __table_args__ = (
        Index("ix_estimates_tenant", "organization_id", "environment", "id"),
        Index("ix_estimates_tenant_updated", "organization_id", "environment", "updated_at"),
        Index("ix_estimates_tenant_customer", "organization_id", "environment", "customer_id", "id"),
        Index("ix_estimates_expiry", "status", "valid_until"),
        UniqueConstraint("organization_id", "environment", "number_seq", name="uq_estimates_tenant_number"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    number_seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"))
    service_location_id: Mapped[str | None] = mapped_column(ID)
    job_id: Mapped[str | None] = mapped_column(ID)
    title: Mapped[str] = mapped_column(String(200))
    message: Mapped[str | None] = mapped_column(String(5000))
    valid_until: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    options: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    deposit_amount: Mapped[int | None] = mapped_column(BigInteger)
    deposit_required: Mapped[bool] = mapped_column(Boolean)
    approval: Mapped[dict[str, Any] | None] = mapped_column(json_type())
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    converted_job_id: Mapped[str | None] = mapped_column(ID)
    converted_invoice_id: Mapped[str | None] = mapped_column(ID)
    tags: Mapped[list[str]] = mapped_column(json_type())
    meta: Mapped[dict[str, str]] = mapped_column("metadata", json_type())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class EstimateCounterRow(TenantScoped, Base):
    """The last estimate number given in a tenant; incremented by an upsert in the creating transaction."""

    __tablename__ = "estimate_number_counters"
    __table_args__ = (PrimaryKeyConstraint("organization_id", "environment", name="pk_estimate_number_counters"),)

    last_number: Mapped[int] = mapped_column(BigInteger)
