"""Payments in SQL; applications and refunds are JSON documents of the payment row."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import PaymentRow
from server_impl.domain.payments import Application, Payment, Refund
from server_impl.services.ports import Page, PaymentFilter

_SCALARS = (
    "id",
    "customer_id",
    "amount",
    "currency",
    "method",
    "status",
    "reference",
    "memo",
    "failure_reason",
    "received_at",
    "succeeded_at",
    "failed_at",
    "canceled_at",
    "created_at",
    "updated_at",
    "version",
)


def _values(payment: Payment) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(payment, name) for name in _SCALARS}
    values.update(
        applications=[dataclasses.asdict(application) for application in payment.applications],
        invoice_ids_text="," + ",".join(application.invoice_id for application in payment.applications) + ",",
        refunds=[refund.to_json() for refund in payment.refunds],
        meta=dict(payment.metadata),
    )
    return values


def _payment(row: PaymentRow) -> Payment:
    return Payment(
        **{name: getattr(row, name) for name in _SCALARS},
        applications=tuple(Application(**item) for item in row.applications),
        refunds=tuple(Refund.from_json(item) for item in row.refunds),
        metadata=dict(row.meta),
    )


class SqlPaymentRepository:
    """Payments of the tenant in SQL (the tenant guard filters every query)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, payment: Payment) -> None:
        """Stage a new payment."""
        self._session.add(PaymentRow(**_values(payment)))

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        """Return the payment (row-locked until commit with ``for_update``), or ``None``."""
        query = select(PaymentRow).where(PaymentRow.id == payment_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        row = self._session.scalars(query).first()
        return None if row is None else _payment(row)

    def save(self, payment: Payment) -> None:
        """Write back every field of a changed payment."""
        values = _values(payment)
        values.pop("id")
        self._session.execute(update(PaymentRow).where(PaymentRow.id == payment.id).values(**values))

    def list(self, filters: PaymentFilter, *, limit: int, before_id: str | None = None) -> Page[Payment]:
        """Return payments newest first, filtered."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(PaymentRow.status == filters.status)
        if filters.customer_id is not None:
            conditions.append(PaymentRow.customer_id == filters.customer_id)
        if filters.invoice_id is not None:
            conditions.append(PaymentRow.invoice_ids_text.contains(f",{filters.invoice_id},", autoescape=True))
        if filters.method is not None:
            conditions.append(PaymentRow.method == filters.method)
        if filters.updated_since is not None:
            conditions.append(PaymentRow.updated_at >= filters.updated_since)
        query = select(PaymentRow).where(*conditions)
        if before_id is not None:
            query = query.where(PaymentRow.id < before_id)
        rows = list(self._session.scalars(query.order_by(PaymentRow.id.desc()).limit(limit + 1)))
        return Page([_payment(row) for row in rows[:limit]], has_more=len(rows) > limit)
