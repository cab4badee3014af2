"""The job repository: jobs as rows, numbers from a per-tenant counter, saves guarded by version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import JobCounterRow, JobRow
from server_impl.domain.errors import Conflict
from server_impl.domain.jobs import Job, ScheduleWindow
from server_impl.domain.line_items import LineItem
from server_impl.services.ports import JobFilter, Page

FIRST_NUMBER = 1001
"""The first job number of a tenant (``J-1001``)."""

_SCALARS = (
    "id",
    "number",
    "status",
    "customer_id",
    "service_location_id",
    "priority",
    "summary",
    "description",
    "currency",
    "source_estimate_id",
    "hold_reason",
    "cancel_reason",
    "completion_notes",
    "dispatched_at",
    "started_at",
    "completed_at",
    "canceled_at",
    "created_at",
    "updated_at",
    "version",
)


def _values(job: Job) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(job, name) for name in _SCALARS}
    window = job.schedule
    totals = job.totals
    values.update(
        window_start=window.window_start if window else None,
        window_end=window.window_end if window else None,
        arrival_window_start=window.arrival_window_start if window else None,
        arrival_window_end=window.arrival_window_end if window else None,
        timezone=window.timezone if window else None,
        technician_ids=list(job.technician_ids),
        technicians_text="," + ",".join(job.technician_ids) + ",",
        line_items=[line.to_json() for line in job.line_items],
        subtotal=totals.subtotal,
        tax_total=totals.tax,
        total=totals.total,
        invoice_ids=list(job.invoice_ids),
        tags=list(job.tags),
        tags_text="," + ",".join(job.tags) + ",",
        meta=dict(job.metadata),
    )
    return values


def _job(row: JobRow) -> Job:
    schedule = None
    if row.window_start is not None and row.window_end is not None and row.timezone is not None:
        schedule = ScheduleWindow(
            window_start=row.window_start,
            window_end=row.window_end,
            timezone=row.timezone,
            arrival_window_start=row.arrival_window_start,
            arrival_window_end=row.arrival_window_end,
        )
    return Job(
        **{name: getattr(row, name) for name in _SCALARS},
        schedule=schedule,
        technician_ids=tuple(row.technician_ids),
        line_items=tuple(LineItem.from_json(item) for item in row.line_items),
        invoice_ids=tuple(row.invoice_ids),
        tags=tuple(row.tags),
        metadata=dict(row.meta),
    )


class SqlJobRepository:
    """Jobs in SQL (the tenant guard filters every query and stamps every insert)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, job: Job) -> None:
        """Stage a new job."""
        self._session.add(JobRow(**_values(job)))

    def get(self, job_id: str) -> Job | None:
        """Return the job in the tenant, or ``None``."""
        query = select(JobRow).where(JobRow.id == job_id).execution_options(populate_existing=True)
        row = self._session.scalars(query).first()
        return None if row is None else _job(row)

    def save(self, job: Job, *, expected_version: int) -> None:
        """Write back a changed job, only if nobody else wrote it since it was read.

        Raises:
            Conflict: If the stored version is no longer ``expected_version``.
        """
        values = _values(job)
        values.pop("id")
        statement = (
            update(JobRow)
            .where(JobRow.id == job.id, JobRow.version == expected_version)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        result: Any = self._session.execute(statement)
        if result.rowcount != 1:
            raise Conflict("The job changed while this request ran; read it again and retry.")

    def next_number(self) -> int:
        """Return the tenant's next job number; the counter row stays locked until commit."""
        statement = (
            update(JobCounterRow)
            .values(last_number=JobCounterRow.last_number + 1)
            .returning(JobCounterRow.last_number)
            .execution_options(synchronize_session=False)
        )
        number = self._session.execute(statement).scalar_one_or_none()
        if number is not None:
            return int(number)
        try:
            with self._session.begin_nested():  # the tenant's first job: create the counter
                self._session.add(JobCounterRow(last_number=FIRST_NUMBER))
        except IntegrityError:  # another transaction created it first: take the next one
            return int(self._session.execute(statement).scalar_one())
        return FIRST_NUMBER

    def list(self, filters: JobFilter, *, limit: int, before_id: str | None = None) -> Page[Job]:
        """Return jobs newest first, filtered."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(JobRow.status == filters.status)
        if filters.customer_id is not None:
            conditions.append(JobRow.customer_id == filters.customer_id)
        if filters.technician_id is not None:
            conditions.append(JobRow.technicians_text.contains(f",{filters.technician_id},", autoescape=True))
        if filters.scheduled_after is not None:
            conditions.append(JobRow.window_end >= filters.scheduled_after)
        if filters.scheduled_before is not None:
            conditions.append(JobRow.window_start < filters.scheduled_before)
        if filters.tag is not None:
            conditions.append(JobRow.tags_text.contains(f",{filters.tag},", autoescape=True))
        if filters.updated_since is not None:
            conditions.append(JobRow.updated_at >= filters.updated_since)
        if before_id is not None:
            conditions.append(JobRow.id < before_id)
        query = select(JobRow).where(*conditions).order_by(JobRow.id.desc()).limit(limit + 1)
        rows = list(self._session.scalars(query))
        return Page([_job(row) for row in rows[:limit]], has_more=len(rows) > limit)
