"""Payments: money received from a customer, applied to its invoices, settled, and refunded.

Lifecycle (``PaymentStatus``)::

    (card, ach, financing)  pending --mark_succeeded--> succeeded
                            pending --mark_failed--> failed,  pending --cancel--> canceled
    (cash, check, other)    succeeded at once
    succeeded | partially_refunded --refund--> partially_refunded | refunded

A payment's applications lower the invoices' ``amount_due`` only once it has succeeded. A refund
takes money back first from the unapplied part (customer credit), then from the applications,
newest invoice first (ADR 0620); every application remembers how much of it was refunded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server_impl.domain.errors import FieldError, InvalidStateTransition, ValidationFailed
from server_impl.domain.plain import plain_fields

PENDING, SUCCEEDED, FAILED, CANCELED = "pending", "succeeded", "failed", "canceled"
PARTIALLY_REFUNDED, REFUNDED = "partially_refunded", "refunded"

OFFLINE_METHODS = frozenset({"cash", "check", "other"})
"""Methods recorded ``succeeded`` at once; card, ACH and financing start ``pending``."""

ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    PENDING: ("mark_succeeded", "mark_failed", "cancel"),
    SUCCEEDED: ("refund",),
    PARTIALLY_REFUNDED: ("refund",),
    FAILED: (),
    CANCELED: (),
    REFUNDED: (),
}


@dataclass(frozen=True)
class Application:
    """The part of a payment applied to one invoice, and how much of it was refunded since."""

    invoice_id: str
    amount: int
    amount_refunded: int = 0

    @property
    def net(self) -> int:
        """What this application still pays on the invoice."""
        return self.amount - self.amount_refunded


@dataclass(frozen=True)
class Refund:
    """Money returned from a payment (``re_...``)."""

    id: str
    payment_id: str
    amount: int
    currency: str
    status: str
    reason: str
    note: str | None
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """Return the refund as stored (JSON types)."""
        data = plain_fields(self)
        data["created_at"], data["updated_at"] = self.created_at.isoformat(), self.updated_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Refund:
        """Return a refund from :meth:`to_json`'s output."""
        return cls(
            **{
                **data,
                "created_at": datetime.fromisoformat(data["created_at"]),
                "updated_at": datetime.fromisoformat(data["updated_at"]),
            }
        )


@dataclass
class Payment:
    """A payment (``pay_...``); ``version`` grows on every write and makes the ETag."""

    id: str
    customer_id: str
    amount: int
    currency: str
    method: str
    status: str
    received_at: datetime
    created_at: datetime
    updated_at: datetime
    applications: tuple[Application, ...] = ()
    refunds: tuple[Refund, ...] = ()
    reference: str | None = None
    memo: str | None = None
    failure_reason: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    succeeded_at: datetime | None = None
    failed_at: datetime | None = None
    canceled_at: datetime | None = None
    version: int = 1

    @property
    def applied_amount(self) -> int:
        """Sum of the applications (before refunds)."""
        return sum(application.amount for application in self.applications)

    @property
    def unapplied_amount(self) -> int:
        """``amount`` minus the applications: customer credit."""
        return self.amount - self.applied_amount

    @property
    def amount_refunded(self) -> int:
        """Sum of the refunds that did not fail."""
        return sum(refund.amount for refund in self.refunds if refund.status != FAILED)

    @property
    def refundable(self) -> int:
        """What can still be refunded (0 unless the payment succeeded)."""
        if self.status not in (SUCCEEDED, PARTIALLY_REFUNDED):
            return 0
        return self.amount - self.amount_refunded

    def snapshot(self) -> dict[str, Any]:
        """Return the fields the audit log compares (JSON-compatible)."""
        return {
            "status": self.status,
            "customer_id": self.customer_id,
            "amount": self.amount,
            "currency": self.currency,
            "method": self.method,
            "applications": [plain_fields(application) for application in self.applications],
            "amount_refunded": self.amount_refunded,
            "reference": self.reference,
            "memo": self.memo,
            "failure_reason": self.failure_reason,
            "metadata": dict(self.metadata),
        }

    def _refuse(self, action: str) -> InvalidStateTransition:
        return InvalidStateTransition(
            f"A payment in status {self.status!r} cannot be {action}.", self.status, ALLOWED_ACTIONS[self.status]
        )

    def succeed(self, now: datetime) -> None:
        """Settle a pending payment (its applications then apply to the invoices).

        Raises:
            InvalidStateTransition: Unless it is pending.
        """
        if self.status != PENDING:
            raise self._refuse("marked succeeded")
        self.status, self.succeeded_at = SUCCEEDED, now

    def fail(self, reason: str, now: datetime) -> None:
        """Record that a pending payment failed.

        Raises:
            InvalidStateTransition: Unless it is pending.
        """
        if self.status != PENDING:
            raise self._refuse("marked failed")
        self.status, self.failed_at, self.failure_reason = FAILED, now, reason

    def cancel(self, now: datetime) -> None:
        """Cancel a pending payment before it settles.

        Raises:
            InvalidStateTransition: Unless it is pending.
        """
        if self.status != PENDING:
            raise self._refuse("canceled")
        self.status, self.canceled_at = CANCELED, now

    def refund(self, refund: Refund) -> list[tuple[str, int]]:
        """Record a refund and return what it takes back from each invoice: ``[(invoice_id, amount)]``.

        The unapplied part is refunded first, then the applications, newest invoice (highest id) first.

        Raises:
            InvalidStateTransition: Unless the payment succeeded or is partially refunded.
            ValidationFailed: If the amount exceeds what is left to refund (``/amount``).
        """
        if self.status not in (SUCCEEDED, PARTIALLY_REFUNDED):
            raise self._refuse("refunded")
        if refund.amount > self.refundable:
            message = f"Exceeds what is left to refund on this payment ({self.refundable})."
            raise ValidationFailed((FieldError("/amount", message),))
        refunded_from_applications = sum(application.amount_refunded for application in self.applications)
        credit_left = self.unapplied_amount - (self.amount_refunded - refunded_from_applications)
        remaining = refund.amount - min(refund.amount, max(credit_left, 0))
        taken: list[tuple[str, int]] = []
        updated = {application.invoice_id: application for application in self.applications}
        for invoice_id in sorted(updated, reverse=True):
            if remaining == 0:
                break
            application = updated[invoice_id]
            part = min(remaining, application.net)
            if part > 0:
                updated[invoice_id] = dataclasses.replace(
                    application, amount_refunded=application.amount_refunded + part
                )
                taken.append((invoice_id, part))
                remaining -= part
        self.applications = tuple(updated[application.invoice_id] for application in self.applications)
        self.refunds = (refund, *self.refunds)
        self.status = REFUNDED if self.amount_refunded == self.amount else PARTIALLY_REFUNDED
        return taken
