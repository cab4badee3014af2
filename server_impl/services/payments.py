"""Use cases for payments: record, settle, fail, cancel and refund.

A payment applies to invoices of one customer and currency. Every balance change locks the invoices
it touches (in id order) for the rest of the transaction, so concurrent payments never take an
``amount_due`` below zero.

Writes take an entered unit of work and do not commit. Each returns a :class:`PaymentOutcome`
listing, in order, the changes it audited; the handler announces each with exactly one event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.invoices import Invoice
from server_impl.domain.payments import OFFLINE_METHODS, PENDING, SUCCEEDED, Application, Payment, Refund
from server_impl.domain.principal import CallContext
from server_impl.services import audit
from server_impl.services.invoices import InvoiceChange
from server_impl.services.invoices import record as record_invoice
from server_impl.services.ports import Page, PaymentFilter, UnitOfWork

CREATABLE = frozenset(
    {"customer_id", "amount", "currency", "method", "applications", "reference", "memo", "received_at", "metadata"}
)


@dataclass(frozen=True)
class PaymentChange:
    """One change of a payment: its audit action (``payment.*``), the payment before and after it."""

    action: str
    before: Payment | None
    after: Payment

    @property
    def event_type(self) -> str:
        """The outbox event announcing the change (a refund is announced by ``refund.created``)."""
        return "refund.created" if self.action == "payment.refunded" else self.action


@dataclass(frozen=True)
class PaymentOutcome:
    """What a payment write did: the payment, its events, the invoices it moved, the refund made."""

    payment: Payment
    changes: tuple[PaymentChange, ...]
    invoices: tuple[InvoiceChange, ...] = ()
    refund: Refund | None = None


def _record(uow: UnitOfWork, caller: CallContext, change: PaymentChange, now: datetime) -> PaymentChange:
    audit.record(
        uow,
        caller,
        action=change.action,
        resource_type="payment",
        resource_id=change.after.id,
        before=None if change.before is None else change.before.snapshot(),
        after=change.after.snapshot(),
        now=now,
    )
    return change


def _load(uow: UnitOfWork, payment_id: str, *, lock: bool = False) -> Payment:
    payment = uow.payments.get(payment_id, for_update=lock)
    if payment is None:
        raise NotFound("payment", payment_id)
    return payment


def _check_applications(
    uow: UnitOfWork, customer_id: str, currency: str, amount: int, applications: Sequence[Application]
) -> dict[str, Invoice]:
    """Lock the invoices and check each application (422 naming the field); return the invoices."""
    invoices = uow.invoices.lock([application.invoice_id for application in applications])
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, application in enumerate(applications):
        here = f"/applications/{index}"
        invoice = invoices.get(application.invoice_id)
        if application.invoice_id in seen:
            errors.append(
                FieldError(f"{here}/invoice_id", "The invoice is listed twice; apply one amount per invoice.")
            )
        elif invoice is None:
            errors.append(FieldError(f"{here}/invoice_id", "No such invoice in this organization and environment."))
        elif invoice.customer_id != customer_id:
            errors.append(FieldError(f"{here}/invoice_id", "The invoice belongs to another customer."))
        elif invoice.currency != currency:
            message = f"The invoice is in {invoice.currency}; the payment is in {currency}."
            errors.append(FieldError(f"{here}/invoice_id", message))
        elif invoice.status not in ("open", "uncollectible"):
            message = f"The invoice is {invoice.status}; payments apply to open or uncollectible invoices only."
            errors.append(FieldError(f"{here}/invoice_id", message))
        elif application.amount > invoice.amount_due:
            errors.append(FieldError(f"{here}/amount", f"Exceeds the invoice's amount_due ({invoice.amount_due})."))
        seen.add(application.invoice_id)
    if sum(application.amount for application in applications) > amount:
        errors.append(FieldError("/applications", f"The applications add up to more than the amount ({amount})."))
    if errors:
        raise ValidationFailed(tuple(errors))
    return invoices


def _apply(
    uow: UnitOfWork, caller: CallContext, payment: Payment, invoices: Mapping[str, Invoice], now: datetime
) -> list[InvoiceChange]:
    """Lower the invoices' ``amount_due`` by a succeeded payment's applications (rows already locked).

    Raises:
        Conflict: An invoice can no longer take its application (paid or voided meanwhile).
    """
    changes = []
    for application in payment.applications:
        invoice = invoices[application.invoice_id]
        before = dataclasses.replace(invoice)
        event_type = invoice.apply_payment(application.amount, now)
        invoice.version, invoice.updated_at = invoice.version + 1, now
        uow.invoices.save(invoice)
        changes.append(record_invoice(uow, caller, InvoiceChange(event_type, before, invoice), now))
    return changes


def create_payment(
    uow: UnitOfWork, caller: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None
) -> PaymentOutcome:
    """Record a payment: offline methods succeed at once and lower the invoices' balances.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        caller: The caller.
        fields: ``customer_id``, ``amount``, ``currency``, ``method`` (required), ``applications``
            (``[(invoice_id, amount)]``), ``reference``, ``memo``, ``received_at``, ``metadata``.
        now: The current time (tests).

    Returns:
        ``payment.created`` (+ ``payment.succeeded`` and the invoice changes for offline methods).

    Raises:
        ValidationFailed: A customer or invoice outside the tenant, another customer's or
            currency's invoice, an invoice that is not open, overpayment, applications above the
            amount, or ``received_at`` in the future (422 naming the field).
    """
    unknown = set(fields) - CREATABLE
    if unknown:
        raise ValueError(f"not payment fields: {sorted(unknown)}")
    now = now or utc_now()
    received_at: datetime = fields.get("received_at") or now
    if received_at > now:
        raise ValidationFailed((FieldError("/received_at", "Cannot be in the future."),))
    if uow.customers.get(fields["customer_id"]) is None:
        raise ValidationFailed((FieldError("/customer_id", "No such customer in this organization and environment."),))
    applications = tuple(Application(invoice_id, amount) for invoice_id, amount in fields.get("applications") or ())
    invoices = _check_applications(uow, fields["customer_id"], fields["currency"], fields["amount"], applications)
    payment = Payment(
        id=new_id("pay"),
        customer_id=fields["customer_id"],
        amount=fields["amount"],
        currency=fields["currency"],
        method=fields["method"],
        status=PENDING,
        received_at=received_at,
        created_at=now,
        updated_at=now,
        applications=applications,
        reference=fields.get("reference"),
        memo=fields.get("memo"),
        metadata=dict(fields.get("metadata") or {}),
    )
    created = dataclasses.replace(payment)
    changes = [_record(uow, caller, PaymentChange("payment.created", None, created), now)]
    invoice_changes: list[InvoiceChange] = []
    if payment.method in OFFLINE_METHODS:
        payment.succeed(now)
        changes.append(_record(uow, caller, PaymentChange("payment.succeeded", created, payment), now))
        invoice_changes = _apply(uow, caller, payment, invoices, now)
    uow.payments.add(payment)
    return PaymentOutcome(payment, tuple(changes), tuple(invoice_changes))


def _settle(
    uow: UnitOfWork, caller: CallContext, payment_id: str, action: str, *, now: datetime | None, reason: str = ""
) -> PaymentOutcome:
    moment = now or utc_now()
    payment = _load(uow, payment_id, lock=True)
    before = dataclasses.replace(payment)
    invoice_changes: list[InvoiceChange] = []
    if action == "succeeded":
        payment.succeed(moment)
        invoices = uow.invoices.lock([application.invoice_id for application in payment.applications])
        blocked = [
            f"{application.invoice_id}: {why}"
            for application in payment.applications
            if (why := invoices[application.invoice_id].can_take(application.amount)) is not None
        ]
        if blocked:
            raise Conflict(
                "The payment can no longer be applied as recorded ("
                + "; ".join(blocked)
                + "). Cancel it or mark it failed, and record a new payment."
            )
        invoice_changes = _apply(uow, caller, payment, invoices, moment)
    elif action == "failed":
        payment.fail(reason, moment)
    else:
        payment.cancel(moment)
    payment.version, payment.updated_at = payment.version + 1, moment
    uow.payments.save(payment)
    change = _record(uow, caller, PaymentChange(f"payment.{action}", before, payment), moment)
    return PaymentOutcome(payment, (change,), tuple(invoice_changes))


def mark_succeeded(
    uow: UnitOfWork, caller: CallContext, payment_id: str, *, now: datetime | None = None
) -> PaymentOutcome:
    """Settle a pending payment and apply it (409 when an invoice can no longer take its part).

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Unless pending.
        Conflict: An invoice was paid, voided or lowered meanwhile.
    """
    return _settle(uow, caller, payment_id, "succeeded", now=now)


def mark_failed(
    uow: UnitOfWork, caller: CallContext, payment_id: str, reason: str, *, now: datetime | None = None
) -> PaymentOutcome:
    """Record that a pending payment failed (its applications never applied)."""
    return _settle(uow, caller, payment_id, "failed", now=now, reason=reason)


def cancel_payment(
    uow: UnitOfWork, caller: CallContext, payment_id: str, *, now: datetime | None = None
) -> PaymentOutcome:
    """Cancel a pending payment (its applications never applied)."""
    return _settle(uow, caller, payment_id, "canceled", now=now)


def refund_payment(
    uow: UnitOfWork,
    caller: CallContext,
    payment_id: str,
    *,
    amount: int | None,
    reason: str,
    note: str | None,
    now: datetime | None = None,
) -> PaymentOutcome:
    """Refund all (``amount=None``) or part of a payment; invoices it was applied to owe that again.

    Returns the ``payment.refunded`` change (announced as ``refund.created`` with the refund) and
    the invoice changes (``invoice.reopened`` for paid ones).

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Unless the payment succeeded or is partially refunded.
        ValidationFailed: More than is left to refund (``/amount``).
    """
    moment = now or utc_now()
    payment = _load(uow, payment_id, lock=True)
    before = dataclasses.replace(payment)
    refund = Refund(
        id=new_id("re"),
        payment_id=payment.id,
        amount=amount if amount is not None else payment.refundable,
        currency=payment.currency,
        status=SUCCEEDED,
        reason=reason,
        note=note,
        created_at=moment,
        updated_at=moment,
    )
    taken = payment.refund(refund)
    invoices = uow.invoices.lock([invoice_id for invoice_id, _ in taken])
    invoice_changes = []
    for invoice_id, part in taken:
        invoice = invoices[invoice_id]
        invoice_before = dataclasses.replace(invoice)
        event_type = invoice.unapply_payment(part)
        invoice.version, invoice.updated_at = invoice.version + 1, moment
        uow.invoices.save(invoice)
        invoice_changes.append(record_invoice(uow, caller, InvoiceChange(event_type, invoice_before, invoice), moment))
    payment.version, payment.updated_at = payment.version + 1, moment
    uow.payments.save(payment)
    change = _record(uow, caller, PaymentChange("payment.refunded", before, payment), moment)
    return PaymentOutcome(payment, (change,), tuple(invoice_changes), refund)


def get_payment(uow: UnitOfWork, payment_id: str) -> Payment:
    """Return a payment of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, payment_id)


def get_refund(uow: UnitOfWork, payment_id: str, refund_id: str) -> Refund:
    """Return one refund of a payment of the tenant.

    Raises:
        NotFound: Outside the tenant, or not a refund of this payment.
    """
    for refund in _load(uow, payment_id).refunds:
        if refund.id == refund_id:
            return refund
    raise NotFound("refund", refund_id)


def list_payments(uow: UnitOfWork, filters: PaymentFilter, *, limit: int, before_id: str | None) -> Page[Payment]:
    """Return the tenant's payments newest first, filtered."""
    return uow.payments.list(filters, limit=limit, before_id=before_id)


def list_refunds(uow: UnitOfWork, payment_id: str, *, limit: int, before_id: str | None) -> Page[Refund]:
    """Return a payment's refunds newest first (ids are time-ordered)."""
    refunds = sorted(_load(uow, payment_id).refunds, key=lambda refund: refund.id, reverse=True)
    if before_id is not None:
        refunds = [refund for refund in refunds if refund.id < before_id]
    return Page(refunds[:limit], has_more=len(refunds) > limit)
