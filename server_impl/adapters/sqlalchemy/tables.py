"""Tables (SQLAlchemy 2.0 typed declarative). Rows never leave the adapters: repositories map them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, MetaData, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(30)


class Base(DeclarativeBase):
    """Declarative base with a naming convention, so migrations name constraints the same everywhere."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TenantScoped:
    """Mixin for tenant-owned rows; the session's tenant filter applies to every subclass."""

    organization_id: Mapped[str] = mapped_column(ID, ForeignKey("organizations.id"))
    environment: Mapped[str] = mapped_column(String(4))


class OrganizationRow(Base):
    """An organization."""

    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UserRow(Base):
    """A user of the internal app."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MembershipRow(Base):
    """A user's role in an organization."""

    __tablename__ = "memberships"

    organization_id: Mapped[str] = mapped_column(ID, ForeignKey("organizations.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApiKeyRow(TenantScoped, Base):
    """An API key: its hash, never its secret."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_tenant", "organization_id", "environment", "id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(20))
    last_four: Mapped[str] = mapped_column(String(4))
    scopes: Mapped[list[str]] = mapped_column(json_type())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    per_minute: Mapped[int] = mapped_column(Integer)
    per_day: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by_type: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[str | None] = mapped_column(ID)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rotated_to_id: Mapped[str | None] = mapped_column(ID)


class AuditEventRow(TenantScoped, Base):
    """An audit event; rows are inserted, never updated."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_tenant", "organization_id", "environment", "id"),
        Index("ix_audit_events_resource", "organization_id", "environment", "resource_type", "resource_id"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    actor_type: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[str | None] = mapped_column(ID)
    credential_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    changes: Mapped[dict[str, Any]] = mapped_column(json_type())


class IdempotencyKeyRow(TenantScoped, Base):
    """A claimed or completed idempotency key of a tenant."""

    __tablename__ = "idempotency_keys"

    organization_id: Mapped[str] = mapped_column(ID, ForeignKey("organizations.id"), primary_key=True)
    environment: Mapped[str] = mapped_column(String(4), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    locked_until: Mapped[datetime] = mapped_column(UtcDateTime())
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    response_headers: Mapped[list[list[str]] | None] = mapped_column(json_type())


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
