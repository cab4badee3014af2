"""The file repository: file metadata in SQL (the tenant guard filters every query)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import FileRow
from server_impl.domain.files import PENDING, PROCESSING, Attachment, Dimensions, StoredFile
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.file_ports import ClaimedFile, FileFilter
from server_impl.services.ports import Page


def _values(file: StoredFile) -> dict[str, Any]:
    dimensions = file.dimensions
    return {
        "id": file.id,
        "purpose": file.purpose,
        "filename": file.filename,
        "content_type": file.content_type,
        "detected_content_type": file.detected_content_type,
        "size_bytes": file.size_bytes,
        "sha256": file.sha256,
        "attachments": [{"resource_type": a.resource_type, "resource_id": a.resource_id} for a in file.attachments],
        "attached_ids": "," + "".join(f"{a.resource_id}," for a in file.attachments),
        "bucket": file.bucket,
        "key": file.key,
        "status": file.status,
        "failure_reason": file.failure_reason,
        "width": None if dimensions is None else dimensions.width,
        "height": None if dimensions is None else dimensions.height,
        "page_count": file.page_count,
        "processing_started_at": file.processing_started_at,
        "ready_at": file.ready_at,
        "created_at": file.created_at,
        "updated_at": file.updated_at,
        "version": file.version,
    }


def _file(row: FileRow) -> StoredFile:
    dimensions = None if row.width is None or row.height is None else Dimensions(row.width, row.height)
    return StoredFile(
        id=row.id,
        purpose=row.purpose,
        filename=row.filename,
        content_type=row.content_type,
        detected_content_type=row.detected_content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        attachments=tuple(Attachment(a["resource_type"], a["resource_id"]) for a in row.attachments),
        bucket=row.bucket,
        key=row.key,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=row.status,
        failure_reason=row.failure_reason,
        dimensions=dimensions,
        page_count=row.page_count,
        processing_started_at=row.processing_started_at,
        ready_at=row.ready_at,
        version=row.version,
    )


def _claimable(stale_before: datetime) -> ColumnElement[bool]:
    return or_(
        FileRow.status == PENDING,
        (FileRow.status == PROCESSING) & (FileRow.processing_started_at < stale_before),
    )


class SqlFileRepository:
    """Files of the tenant in SQL (of every tenant in a system unit of work: the worker's claims)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, file: StoredFile) -> None:
        """Stage a new file."""
        self._session.add(FileRow(**_values(file)))

    def get(self, file_id: str) -> StoredFile | None:
        """Return the file in the tenant, or ``None``."""
        row = self._session.scalars(select(FileRow).where(FileRow.id == file_id)).first()
        return None if row is None else _file(row)

    def save(self, file: StoredFile) -> None:
        """Write back every field of a changed file."""
        values = _values(file)
        values.pop("id")
        self._session.execute(update(FileRow).where(FileRow.id == file.id).values(**values))

    def delete(self, file_id: str) -> None:
        """Remove the file's row."""
        self._session.execute(delete(FileRow).where(FileRow.id == file_id))

    def list(self, filters: FileFilter, *, limit: int, before_id: str | None = None) -> Page[StoredFile]:
        """Return files newest first, filtered."""
        query = select(FileRow).order_by(FileRow.id.desc()).limit(limit + 1)
        if filters.status is not None:
            query = query.where(FileRow.status == filters.status)
        if filters.purpose is not None:
            query = query.where(FileRow.purpose == filters.purpose)
        if filters.attached_to is not None:
            query = query.where(FileRow.attached_ids.contains(f",{filters.attached_to},", autoescape=True))
        if filters.updated_since is not None:
            query = query.where(FileRow.updated_at >= filters.updated_since)
        if before_id is not None:
            query = query.where(FileRow.id < before_id)
        rows = self._session.scalars(query).all()
        return Page([_file(row) for row in rows[:limit]], has_more=len(rows) > limit)

    def any_claimable(self, *, stale_before: datetime) -> bool:
        """Tell whether a file waits (one indexed probe, no lock: the worker's idle turns stay cheap)."""
        query = select(FileRow.id).where(_claimable(stale_before)).limit(1)
        return self._session.execute(query).first() is not None

    def claimable(self, *, limit: int, stale_before: datetime) -> Sequence[ClaimedFile]:
        """Return waiting files (and stale claims) oldest first, locked (``SKIP LOCKED`` on PostgreSQL)."""
        query = select(FileRow).where(_claimable(stale_before)).order_by(FileRow.id).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = self._session.scalars(query).all()
        return [ClaimedFile(Tenant(row.organization_id, Environment(row.environment)), _file(row)) for row in rows]
