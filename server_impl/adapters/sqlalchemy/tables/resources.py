"""Customers and the service catalog."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class CustomerRow(TenantScoped, Base):
    """A customer; contact points and locations are JSON documents of the row."""

    __tablename__ = "customers"
    __table_args__ = (
        Index("ix_customers_tenant", "organization_id", "environment", "id"),
        Index("ix_customers_tenant_updated", "organization_id", "environment", "updated_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    company_name: Mapped[str | None] = mapped_column(String(200))
    emails: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    phones: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    service_locations: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    tags: Mapped[list[str]] = mapped_column(json_type())
    tags_text: Mapped[str] = mapped_column(String(3000))
    search_text: Mapped[str] = mapped_column(String(4000))
    lead_source: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(String(5000))
    notifications_enabled: Mapped[bool] = mapped_column(Boolean)
    do_not_service: Mapped[bool] = mapped_column(Boolean)
    balance_due: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    meta: Mapped[dict[str, str]] = mapped_column("metadata", json_type())
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class CatalogItemRow(TenantScoped, Base):
    """A catalog item (the ``services`` resource); a SKU is unique within the tenant."""

    __tablename__ = "services"
    __table_args__ = (
        Index("ix_services_tenant", "organization_id", "environment", "id"),
        UniqueConstraint("organization_id", "environment", "sku", name="uq_services_tenant_sku"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    sku: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    category: Mapped[str | None] = mapped_column(String(100))
    unit_price: Mapped[int] = mapped_column(BigInteger)
    unit_cost: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    unit_of_measure: Mapped[str] = mapped_column(String(20))
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    taxable: Mapped[bool] = mapped_column(Boolean)
    bookable_online: Mapped[bool] = mapped_column(Boolean)
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
