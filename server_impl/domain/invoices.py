"""Invoices: drafts, finalization, balances moved by payments, write-offs, voids and the accounting handoff.

Lifecycle (``InvoiceStatus``)::

    draft --finalize--> open --(amount_due reaches 0)--> paid --(refund raises amount_due)--> open
    open --mark_uncollectible--> uncollectible --(paid in full)--> paid
    open | uncollectible --void (no net payments)--> void

``overdue`` and ``partially_paid`` are derived flags. Money is integer minor units; totals come from
:mod:`server_impl.domain.line_items` and are frozen on finalize (:attr:`Invoice.locked_totals`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from server_impl.domain.errors import Conflict, FieldError, InvalidStateTransition, ValidationFailed
from server_impl.domain.line_items import LineItem, Totals, totals

DRAFT, OPEN, PAID, UNCOLLECTIBLE, VOID = "draft", "open", "paid", "uncollectible", "void"

TERMS_DAYS = {"due_on_receipt": 0, "net_7": 7, "net_15": 15, "net_30": 30, "net_45": 45, "net_60": 60}

ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    DRAFT: ("update", "finalize"),
    OPEN: ("send", "void", "mark_uncollectible", "apply_payment"),
    PAID: ("send",),
    UNCOLLECTIBLE: ("send", "void", "apply_payment"),
    VOID: (),
}

LATEST_ISSUE_DATE = date.max - timedelta(days=max(TERMS_DAYS.values()))
"""The last issue date whose due date the calendar can still hold."""

SYNC_STATUSES = ("not_synced", "pending", "synced", "failed", "excluded")


def number_for(sequence: int) -> str:
    """Return the human number of the ``sequence``-th finalized invoice of a tenant (``INV-0001``)."""
    return f"INV-{sequence:04d}"


@dataclass(frozen=True)
class AccountingSync:
    """The handoff to an external accounting system, reported by a connector."""

    status: str
    updated_at: datetime
    provider: str | None = None
    external_id: str | None = None
    error: str | None = None
    synced_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the handoff as stored (JSON types)."""
        return {
            "status": self.status,
            "provider": self.provider,
            "external_id": self.external_id,
            "error": self.error,
            "synced_at": self.synced_at.isoformat() if self.synced_at else None,
            "updated_at": self.updated_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AccountingSync:
        """Return a handoff from :meth:`to_json`'s output."""
        synced = data.get("synced_at")
        return cls(
            status=data["status"],
            provider=data.get("provider"),
            external_id=data.get("external_id"),
            error=data.get("error"),
            synced_at=datetime.fromisoformat(synced) if synced else None,
            updated_at=datetime.fromisoformat(data["updated_at"]),
        )


@dataclass
class Invoice:
    """A bill to a customer (``inv_...``); ``version`` grows on every write and makes the ETag."""

    id: str
    customer_id: str
    currency: str
    created_at: datetime
    updated_at: datetime
    accounting_sync: AccountingSync
    status: str = DRAFT
    number: str | None = None
    job_id: str | None = None
    estimate_id: str | None = None
    line_items: tuple[LineItem, ...] = ()
    discount: int = 0
    locked_totals: Totals | None = None
    amount_paid: int = 0
    terms: str = "due_on_receipt"
    issue_date: date | None = None
    due_date: date | None = None
    memo: str | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    finalized_at: datetime | None = None
    sent_at: datetime | None = None
    paid_at: datetime | None = None
    voided_at: datetime | None = None
    marked_uncollectible_at: datetime | None = None
    version: int = 1

    @property
    def totals(self) -> Totals:
        """The totals: frozen at finalize, computed from the lines on drafts."""
        return self.locked_totals or totals(self.line_items, self.discount)

    @property
    def total(self) -> int:
        """``subtotal - discount + tax`` in minor units."""
        return self.totals.total

    @property
    def amount_due(self) -> int:
        """``total - amount_paid``; 0 on void invoices."""
        return 0 if self.status == VOID else self.total - self.amount_paid

    @property
    def partially_paid(self) -> bool:
        """Some of the total is paid and some is still due."""
        return self.amount_paid > 0 and self.amount_due > 0

    def overdue(self, today: date) -> bool:
        """Open, past its due date, with money still due."""
        return self.status == OPEN and self.due_date is not None and self.due_date < today and self.amount_due > 0

    def snapshot(self) -> dict[str, Any]:
        """Return the fields the audit log compares (JSON-compatible)."""
        sums = self.totals
        return {
            "status": self.status,
            "number": self.number,
            "customer_id": self.customer_id,
            "job_id": self.job_id,
            "estimate_id": self.estimate_id,
            "currency": self.currency,
            "line_items": [line.to_json() for line in self.line_items],
            "subtotal": sums.subtotal,
            "discount_amount": sums.discount,
            "tax_total": sums.tax,
            "total": sums.total,
            "amount_paid": self.amount_paid,
            "amount_due": self.amount_due,
            "terms": self.terms,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "memo": self.memo,
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "accounting_sync": self.accounting_sync.to_json(),
        }

    def _refuse(self, action: str) -> InvalidStateTransition:
        allowed = ALLOWED_ACTIONS[self.status]
        return InvalidStateTransition(f"An invoice in status {self.status!r} cannot be {action}.", self.status, allowed)

    def require_draft(self) -> None:
        """Raise unless the invoice is a draft (only drafts are edited).

        Raises:
            InvalidStateTransition: On finalized invoices.
        """
        if self.status != DRAFT:
            raise self._refuse("updated")

    def check_finalizable(self) -> None:
        """Raise unless :meth:`finalize` would succeed.

        Raises:
            InvalidStateTransition: If it is not a draft.
            Conflict: If it has no line items.
        """
        if self.status != DRAFT:
            raise self._refuse("finalized")
        if not self.line_items:
            raise Conflict("An invoice without line items cannot be finalized; add line items first.")

    def finalize(self, number: str, today: date, now: datetime) -> None:
        """Open a draft: number it, date it and lock its totals; the handoff becomes ``pending``.

        Raises:
            InvalidStateTransition: If it is not a draft.
            Conflict: If it has no line items.
        """
        self.check_finalizable()
        self.issue_date = self.issue_date or today
        if self.terms != "custom":
            self.due_date = self.issue_date + timedelta(days=TERMS_DAYS[self.terms])
        elif self.due_date is None:  # validated on write; kept safe for stored drafts
            self.due_date = self.issue_date
        self.locked_totals = totals(self.line_items, self.discount)
        self.number, self.status, self.finalized_at = number, OPEN, now
        self.accounting_sync = dataclasses.replace(self.accounting_sync, status="pending", updated_at=now)
        if self.total == 0:
            self.status, self.paid_at = PAID, now

    def send(self, now: datetime) -> None:
        """Record that the invoice was sent (again).

        Raises:
            InvalidStateTransition: On drafts and void invoices.
        """
        if self.status not in (OPEN, PAID, UNCOLLECTIBLE):
            raise self._refuse("sent")
        self.sent_at = now

    def void(self, now: datetime) -> None:
        """Void an open or uncollectible invoice without net payments.

        Raises:
            InvalidStateTransition: From other statuses.
            Conflict: If payments (net of refunds) are applied to it.
        """
        if self.status not in (OPEN, UNCOLLECTIBLE):
            raise self._refuse("voided")
        if self.amount_paid > 0:
            raise Conflict(
                f"The invoice has {self.amount_paid} {self.currency} of net payments; refund them before voiding."
            )
        self.status, self.voided_at = VOID, now

    def mark_uncollectible(self, now: datetime) -> None:
        """Write the invoice off as bad debt.

        Raises:
            InvalidStateTransition: Unless it is open.
        """
        if self.status != OPEN:
            raise self._refuse("marked uncollectible")
        self.status, self.marked_uncollectible_at = UNCOLLECTIBLE, now

    def can_take(self, amount: int) -> str | None:
        """Return why ``amount`` cannot be applied now, or ``None`` when it can."""
        if self.status not in (OPEN, UNCOLLECTIBLE):
            return f"The invoice is {self.status}; payments apply to open or uncollectible invoices only."
        if amount > self.amount_due:
            return f"Exceeds the invoice's amount_due ({self.amount_due})."
        return None

    def apply_payment(self, amount: int, now: datetime) -> str:
        """Lower ``amount_due`` by a payment; return the audit action (``invoice.paid`` at 0).

        Raises:
            Conflict: If the invoice cannot take the amount (status or overpayment).
        """
        reason = self.can_take(amount)
        if reason is not None:
            raise Conflict(f"Invoice {self.id}: {reason}")
        self.amount_paid += amount
        if self.amount_due == 0:
            self.status, self.paid_at = PAID, now
            return "invoice.paid"
        return "invoice.payment_applied"

    def unapply_payment(self, amount: int) -> str:
        """Raise ``amount_due`` by a refund; return the audit action (``invoice.reopened`` when it was paid).

        Raises:
            ValueError: If more than was paid would be taken back (a bug in the caller).
        """
        if amount > self.amount_paid:
            raise ValueError("refunding more than was paid on the invoice")
        self.amount_paid -= amount
        if self.status == PAID and self.amount_due > 0:
            self.status, self.paid_at = OPEN, None
            return "invoice.reopened"
        return "invoice.payment_refunded"

    def report_sync(self, changes: dict[str, Any], now: datetime) -> str | None:
        """Apply a connector's report to the handoff; return its own event type (synced, failed), if any.

        Raises:
            InvalidStateTransition: On drafts (nothing to export yet).
            ValidationFailed: ``synced`` without ``external_id`` or ``failed`` without ``error``.
        """
        if self.status == DRAFT:
            raise InvalidStateTransition(
                "A draft invoice has no accounting handoff yet; finalize it first.", DRAFT, ALLOWED_ACTIONS[DRAFT]
            )
        current = self.accounting_sync
        merged = dataclasses.replace(current, **changes, updated_at=now)
        status = merged.status
        errors: list[FieldError] = []
        if status == "synced" and not merged.external_id:
            errors.append(FieldError("/external_id", "Required when status is synced."))
        if status == "failed" and not merged.error:
            errors.append(FieldError("/error", "Required when status is failed."))
        if errors:
            raise ValidationFailed(tuple(errors))
        if status != "failed":
            merged = dataclasses.replace(merged, error=None)
        if status == "synced":
            merged = dataclasses.replace(merged, synced_at=now)
        self.accounting_sync = merged
        if status == "synced":
            return "invoice.accounting_synced"
        if status == "failed":
            return "invoice.accounting_sync_failed"
        return None


def validate_dates(terms: str, issue_date: date | None, due_date: date | None) -> None:
    """Check that custom terms name a due date on or after the issue date, and that dates fit the calendar.

    Raises:
        ValidationFailed: Naming ``/due_date`` or ``/issue_date``.
    """
    if issue_date is not None and issue_date > LATEST_ISSUE_DATE:
        raise ValidationFailed((FieldError("/issue_date", f"Must be on or before {LATEST_ISSUE_DATE}."),))
    if terms == "custom" and due_date is None:
        raise ValidationFailed((FieldError("/due_date", "Required with custom terms."),))
    if terms == "custom" and due_date is not None and issue_date is not None and due_date < issue_date:
        raise ValidationFailed((FieldError("/due_date", "Must be on or after issue_date."),))
