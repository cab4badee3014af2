"""Invoices in SQL, their row locks, and the gap-free invoice number counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, func, not_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import CustomerRow, InvoiceCounterRow, InvoiceRow
from server_impl.domain.invoices import OPEN, UNCOLLECTIBLE, AccountingSync, Invoice
from server_impl.domain.line_items import LineItem, Totals
from server_impl.domain.tenancy import Tenant
from server_impl.services.ports import InvoiceFilter, Page

BALANCE_STATUSES = (OPEN, UNCOLLECTIBLE)
"""Invoices whose ``amount_due`` counts in the customer's ``balance_due``."""

_SCALARS = (
    "id",
    "number",
    "status",
    "customer_id",
    "job_id",
    "estimate_id",
    "currency",
    "discount",
    "amount_paid",
    "terms",
    "issue_date",
    "due_date",
    "memo",
    "finalized_at",
    "sent_at",
    "paid_at",
    "voided_at",
    "marked_uncollectible_at",
    "created_at",
    "updated_at",
    "version",
)


def _values(invoice: Invoice) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(invoice, name) for name in _SCALARS}
    sums = invoice.totals
    values.update(
        line_items=[line.to_json() for line in invoice.line_items],
        subtotal=sums.subtotal,
        discount_amount=sums.discount,
        tax_total=sums.tax,
        total=sums.total,
        totals_locked=invoice.locked_totals is not None,
        tags=list(invoice.tags),
        meta=dict(invoice.metadata),
        accounting_sync=invoice.accounting_sync.to_json(),
        accounting_sync_status=invoice.accounting_sync.status,
    )
    return values


def _invoice(row: InvoiceRow) -> Invoice:
    locked = (
        Totals(subtotal=row.subtotal, discount=row.discount_amount, tax=row.tax_total, total=row.total)
        if row.totals_locked
        else None
    )
    return Invoice(
        **{name: getattr(row, name) for name in _SCALARS},
        line_items=tuple(LineItem.from_json(item) for item in row.line_items),
        locked_totals=locked,
        tags=tuple(row.tags),
        metadata=dict(row.meta),
        accounting_sync=AccountingSync.from_json(row.accounting_sync),
    )


def _overdue(today: date) -> ColumnElement[bool]:
    return and_(
        InvoiceRow.status == OPEN,
        InvoiceRow.due_date < today,
        InvoiceRow.total > InvoiceRow.amount_paid,
    )


class SqlInvoiceRepository:
    """Invoices of the tenant in SQL (the tenant guard filters every query)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, invoice: Invoice) -> None:
        """Stage a new invoice."""
        self._session.add(InvoiceRow(**_values(invoice)))
        if invoice.status in BALANCE_STATUSES:
            self._refresh_balance(invoice.customer_id)

    def get(self, invoice_id: str) -> Invoice | None:
        """Return the invoice, or ``None`` outside the tenant."""
        row = self._session.scalars(select(InvoiceRow).where(InvoiceRow.id == invoice_id)).first()
        return None if row is None else _invoice(row)

    def lock(self, invoice_ids: Sequence[str]) -> dict[str, Invoice]:
        """Return the tenant's invoices among ``invoice_ids``, row-locked in id order until commit."""
        if not invoice_ids:
            return {}
        query = (
            select(InvoiceRow)
            .where(InvoiceRow.id.in_(sorted(set(invoice_ids))))
            .order_by(InvoiceRow.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return {row.id: _invoice(row) for row in self._session.scalars(query)}

    def save(self, invoice: Invoice) -> None:
        """Write back every field of a changed invoice."""
        values = _values(invoice)
        values.pop("id")
        self._session.execute(update(InvoiceRow).where(InvoiceRow.id == invoice.id).values(**values))
        self._refresh_balance(invoice.customer_id)

    def _refresh_balance(self, customer_id: str) -> None:
        """Recompute the customer's derived ``balance_due``: open and uncollectible invoices in its currency.

        The customer row is locked first, so the sum is read after any concurrent change to another of
        its invoices has committed (PostgreSQL takes a new snapshot per statement). Invoice rows are
        always locked before the customer's, never after: no deadlock.
        """
        self._session.flush()
        locked = select(CustomerRow.currency).where(CustomerRow.id == customer_id).with_for_update()
        currency = self._session.execute(locked).scalar_one_or_none()
        if currency is None:
            return
        due = (
            select(func.coalesce(func.sum(InvoiceRow.total - InvoiceRow.amount_paid), 0))
            .where(
                InvoiceRow.customer_id == customer_id,
                InvoiceRow.currency == currency,
                InvoiceRow.status.in_(BALANCE_STATUSES),
            )
            .scalar_subquery()
        )
        statement = (
            update(CustomerRow)
            .where(CustomerRow.id == customer_id)
            .values(balance_due=due)
            .execution_options(synchronize_session=False)
        )
        self._session.execute(statement)

    def list(self, filters: InvoiceFilter, *, limit: int, before_id: str | None = None) -> Page[Invoice]:
        """Return invoices newest first, filtered."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(InvoiceRow.status == filters.status)
        if filters.customer_id is not None:
            conditions.append(InvoiceRow.customer_id == filters.customer_id)
        if filters.job_id is not None:
            conditions.append(InvoiceRow.job_id == filters.job_id)
        if filters.accounting_sync_status is not None:
            conditions.append(InvoiceRow.accounting_sync_status == filters.accounting_sync_status)
        if filters.updated_since is not None:
            conditions.append(InvoiceRow.updated_at >= filters.updated_since)
        if filters.overdue is not None and filters.today is not None:
            overdue = _overdue(filters.today)
            conditions.append(overdue if filters.overdue else or_(not_(overdue), InvoiceRow.due_date.is_(None)))
        query = select(InvoiceRow).where(*conditions)
        if before_id is not None:
            query = query.where(InvoiceRow.id < before_id)
        rows = list(self._session.scalars(query.order_by(InvoiceRow.id.desc()).limit(limit + 1)))
        return Page([_invoice(row) for row in rows[:limit]], has_more=len(rows) > limit)


class SqlInvoiceNumberCounter:
    """The tenant's invoice counter row: ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``.

    The upsert both creates the first row and increments later ones in one statement; on PostgreSQL
    it locks the row until the finalizing transaction ends, so a concurrent finalize waits and then
    reads the committed value (or the old one after a rollback): numbers are sequential without gaps.
    SQLite has one writer at a time (``BEGIN IMMEDIATE``).
    """

    def __init__(self, session: Session, tenant: Tenant | None) -> None:
        self._session = session
        self._tenant = tenant

    def next(self) -> int:
        """Return the tenant's next invoice number."""
        if self._tenant is None:
            raise RuntimeError("invoice numbers belong to a tenant")
        table = cast(Table, InvoiceCounterRow.__table__)
        dialect = self._session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        values = {
            "organization_id": self._tenant.organization_id,
            "environment": self._tenant.environment.value,
            "last_number": 1,
        }
        statement = (
            insert(table)
            .values(**values)
            .on_conflict_do_update(
                index_elements=["organization_id", "environment"],
                set_={"last_number": table.c.last_number + 1},
            )
            .returning(table.c.last_number)
        )
        return int(self._session.execute(statement).scalar_one())
