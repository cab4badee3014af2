"""Files: the metadata of uploaded bytes (the bytes themselves live in the file storage)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server_impl.adapters.sqlalchemy.tables.base import Base, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type


class FileRow(TenantScoped, Base):
    """A file; ``attached_ids`` (``,cus_...,job_...,``) lets the list filter by attachment.

    ``ix_files_status`` serves the worker, which looks for waiting files across every tenant.
    """

    __tablename__ = "files"
    __table_args__ = (
        Index("ix_files_tenant", "organization_id", "environment", "id"),
        Index("ix_files_tenant_updated", "organization_id", "environment", "updated_at"),
        Index("ix_files_status", "status", "id"),
    )

    id: Mapped[str] = mapped_column(String(31), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    detected_content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(json_type())
    attached_ids: Mapped[str] = mapped_column(String(200))
    bucket: Mapped[str] = mapped_column(String(63))
    key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    page_count: Mapped[int | None] = mapped_column(Integer)
    processing_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
