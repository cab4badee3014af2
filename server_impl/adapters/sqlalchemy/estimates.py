"""The estimate repository in SQL: options and the approval as JSON, expiry filters as of a date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import EstimateCounterRow, EstimateRow
from server_impl.adapters.sqlalchemy.tenancy import SCOPE_KEY
from server_impl.domain.errors import Conflict
from server_impl.domain.estimates import Approval, Estimate, EstimateOption
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.ports import EstimateFilter, Page

_SCALARS = (
    "id",
    "number",
    "status",
    "customer_id",
    "service_location_id",
    "job_id",
    "title",
    "message",
    "valid_until",
    "currency",
    "deposit_amount",
    "deposit_required",
    "decline_reason",
    "converted_job_id",
    "converted_invoice_id",
    "sent_at",
    "approved_at",
    "declined_at",
    "expired_at",
    "converted_at",
    "voided_at",
    "created_at",
    "updated_at",
    "version",
)


def _values(estimate: Estimate) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(estimate, name) for name in _SCALARS}
    values.update(
        options=[option.to_json() for option in estimate.options],
        approval=None if estimate.approval is None else estimate.approval.to_json(),
        tags=list(estimate.tags),
        meta=dict(estimate.metadata),
    )
    return values


# Read as column tuples, not ORM instances (no identity map or instrumentation, as for customers);
# the select is still ORM-enabled, so the tenant guard's criteria apply to it.
_SELECT_ESTIMATES = select(
    *(getattr(EstimateRow, name) for name in _SCALARS),
    EstimateRow.options,
    EstimateRow.approval,
    EstimateRow.tags,
    EstimateRow.meta,
)


def _estimate(row: Any) -> Estimate:
    return Estimate(
        **{name: getattr(row, name) for name in _SCALARS},
        options=tuple(EstimateOption.from_json(item) for item in row.options),
        approval=None if row.approval is None else Approval.from_json(row.approval),
        tags=tuple(row.tags),
        metadata=dict(row.meta),
    )


def _number_seq(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


class SqlEstimateRepository:
    """Estimates in SQL (the ``EstimateRepository`` port)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, estimate: Estimate) -> None:
        """Stage a new estimate."""
        self._session.add(EstimateRow(number_seq=_number_seq(estimate.number), **_values(estimate)))

    def get(self, estimate_id: str) -> Estimate | None:
        """Return the estimate in the tenant, or ``None``."""
        row = self._session.execute(_SELECT_ESTIMATES.where(EstimateRow.id == estimate_id)).first()
        return None if row is None else _estimate(row)

    def save(self, estimate: Estimate) -> None:
        """Write back a changed estimate whose ``version`` was raised by one since it was read.

        Raises:
            Conflict: Another transaction wrote it first (its version moved on): a concurrent
                action, or two workers expiring it at once. The caller's transaction rolls back.
        """
        values = _values(estimate)
        values.pop("id")
        statement = (
            update(EstimateRow)
            .where(EstimateRow.id == estimate.id, EstimateRow.version == estimate.version - 1)
            .values(**values)
        )
        result = cast(CursorResult[Any], self._session.execute(statement))
        if result.rowcount != 1:
            raise Conflict("The estimate was changed by another request at the same time; read it and try again.")

    def next_number(self) -> int:
        """Return the tenant's next estimate number: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``.

        The upsert creates the counter row or increments it in one statement; on PostgreSQL the row
        stays locked until the creating transaction ends, so concurrent creates take turns and never
        collide (SQLite has one writer at a time).
        """
        scope = self._session.info.get(SCOPE_KEY)
        if not isinstance(scope, Tenant):
            raise RuntimeError("estimate numbers belong to a tenant")
        table = cast(Table, EstimateCounterRow.__table__)
        insert = postgresql.insert if self._session.get_bind().dialect.name == "postgresql" else sqlite.insert
        statement = (
            insert(table)
            .values(organization_id=scope.organization_id, environment=scope.environment.value, last_number=1)
            .on_conflict_do_update(
                index_elements=["organization_id", "environment"], set_={"last_number": table.c.last_number + 1}
            )
            .returning(table.c.last_number)
        )
        return int(self._session.execute(statement).scalar_one())

    def list(self, filters: EstimateFilter, *, limit: int, before_id: str | None = None) -> Page[Estimate]:
        """Return estimates newest first; ``sent``/``expired`` filters see expiry as of ``filters.today``."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(_status_is(filters.status, filters.today))
        if filters.customer_id is not None:
            conditions.append(EstimateRow.customer_id == filters.customer_id)
        if filters.job_id is not None:
            conditions.append(EstimateRow.job_id == filters.job_id)
        if filters.updated_since is not None:
            conditions.append(EstimateRow.updated_at >= filters.updated_since)
        if before_id is not None:
            conditions.append(EstimateRow.id < before_id)
        query = _SELECT_ESTIMATES.where(*conditions).order_by(EstimateRow.id.desc()).limit(limit + 1)
        rows = self._session.execute(query).all()
        return Page([_estimate(row) for row in rows[:limit]], has_more=len(rows) > limit)

    def due_for_expiry(self, today: date, *, limit: int) -> Sequence[tuple[Tenant, str]]:
        """Return sent estimates valid until before ``today``, oldest date first (system unit of work)."""
        query = (
            select(EstimateRow.organization_id, EstimateRow.environment, EstimateRow.id)
            .where(EstimateRow.status == "sent", EstimateRow.valid_until < today)
            .order_by(EstimateRow.valid_until, EstimateRow.id)
            .limit(limit)
        )
        return [(Tenant(org, Environment(env)), estimate_id) for org, env, estimate_id in self._session.execute(query)]


def _status_is(status: str, today: date | None) -> ColumnElement[bool]:
    if today is None or status not in ("sent", "expired"):
        return EstimateRow.status == status
    past_due = and_(EstimateRow.status == "sent", EstimateRow.valid_until < today)
    if status == "expired":
        return or_(EstimateRow.status == "expired", past_due)
    return and_(EstimateRow.status == "sent", or_(EstimateRow.valid_until.is_(None), EstimateRow.valid_until >= today))
