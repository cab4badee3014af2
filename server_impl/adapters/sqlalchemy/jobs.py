"""The job repository: jobs as rows, numbers from a per-tenant counter, saves guarded by version.

Reads and inserts take the tenant guard's Core path (``read_rows``/``insert_row``: the same tenant
criteria and stamping as the ORM hook, without ORM instances); updates are ORM statements, filtered
by the guard's hook.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server_impl.adapters.sqlalchemy.tables import JobCounterRow, JobRow
from server_impl.adapters.sqlalchemy.tenancy import SCOPE_KEY, SqlScope, TenantViolation, insert_row, read_rows
from server_impl.adapters.sqlalchemy.types import UtcDateTime
from server_impl.domain.errors import Conflict
from server_impl.domain.jobs import Job, ScheduleWindow
from server_impl.domain.line_items import LineItem
from server_impl.domain.tenancy import Tenant
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


_JOBS = cast(Table, JobRow.__table__)
_COUNTERS = cast(Table, JobCounterRow.__table__)
_COLUMNS = tuple(column.label("meta") if column.name == "metadata" else column for column in _JOBS.c)
_GET_JOB = select(*_COLUMNS).where(_JOBS.c.id == bindparam("job_id"))


@functools.cache
def _list_jobs(given: frozenset[str]) -> Select[Any]:
    """Return the list query of one shape of filters (the names given; values are bound parameters)."""
    table = _JOBS
    moment = UtcDateTime()
    every: dict[str, ColumnElement[bool]] = {
        "status": table.c.status == bindparam("status"),
        "customer_id": table.c.customer_id == bindparam("customer_id"),
        "technician": table.c.technicians_text.like(bindparam("technician"), escape="/"),
        "scheduled_after": table.c.window_end >= bindparam("scheduled_after", type_=moment),
        "scheduled_before": table.c.window_start < bindparam("scheduled_before", type_=moment),
        "tag": table.c.tags_text.like(bindparam("tag"), escape="/"),
        "updated_since": table.c.updated_at >= bindparam("updated_since", type_=moment),
        "before_id": table.c.id < bindparam("before_id"),
    }
    conditions = [condition for name, condition in every.items() if name in given]
    return select(*_COLUMNS).where(*conditions).order_by(table.c.id.desc()).limit(bindparam("limit"))


def _contains(text: str) -> str:
    """Return a LIKE pattern matching ``text`` anywhere (``/`` escapes the wildcards)."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _job(row: Any) -> Job:
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

    def __init__(self, scope: SqlScope) -> None:
        self._scope = scope  # reads run on its connection; writes on its session

    def add(self, job: Job) -> None:
        """Insert a new job (in the unit of work's transaction)."""
        values = _values(job)
        values["metadata"] = values.pop("meta")
        insert_row(self._scope.session, _JOBS, values)

    def get(self, job_id: str) -> Job | None:
        """Return the job in the tenant, or ``None``."""
        rows = read_rows(self._scope, _GET_JOB, {"job_id": job_id})
        return _job(rows[0]) if rows else None

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
        result: Any = self._scope.session.execute(statement)
        if result.rowcount != 1:
            raise Conflict("The job changed while this request ran; read it again and retry.")

    def next_number(self) -> int:
        """Return the tenant's next job number: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``.

        One statement creates the tenant's counter (at :data:`FIRST_NUMBER`) or increments it; on
        PostgreSQL the row stays locked until the creating transaction ends, so concurrent creates
        take turns and a rolled-back create gives its number back (SQLite has one writer at a time).
        """
        scope = self._scope.info.get(SCOPE_KEY)
        if not isinstance(scope, Tenant):
            raise TenantViolation("job numbers belong to a tenant")
        connection = self._scope.connection()
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        tenant = {"organization_id": scope.organization_id, "environment": scope.environment.value}
        statement = (
            insert(_COUNTERS)
            .values(**tenant, last_number=FIRST_NUMBER)
            .on_conflict_do_update(
                index_elements=["organization_id", "environment"], set_={"last_number": _COUNTERS.c.last_number + 1}
            )
            .returning(_COUNTERS.c.last_number)
        )
        return int(connection.execute(statement).scalar_one())

    def list(self, filters: JobFilter, *, limit: int, before_id: str | None = None) -> Page[Job]:
        """Return jobs newest first, filtered."""
        parameters: dict[str, Any] = {
            "status": filters.status,
            "customer_id": filters.customer_id,
            "technician": None if filters.technician_id is None else _contains(f",{filters.technician_id},"),
            "scheduled_after": filters.scheduled_after,
            "scheduled_before": filters.scheduled_before,
            "tag": None if filters.tag is None else _contains(f",{filters.tag},"),
            "updated_since": filters.updated_since,
            "before_id": before_id,
        }
        parameters = {name: value for name, value in parameters.items() if value is not None}
        query = _list_jobs(frozenset(parameters))
        rows = read_rows(self._scope, query, {**parameters, "limit": limit + 1})
        return Page([_job(row) for row in rows[:limit]], has_more=len(rows) > limit)
