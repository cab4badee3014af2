"""Rows of the platform: the audit log and idempotency keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import ID, Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


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
