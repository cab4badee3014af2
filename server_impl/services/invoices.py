"""Use cases for invoices: create, edit drafts, finalize, send, void, write off, accounting handoff.

Invoices are created standalone, from a job or from an estimate. Every write is audited in the
caller's unit of work; the returned :class:`InvoiceChange` list tells the handler which events to
publish: one event per audited change.

Writes take an entered unit of work and do not commit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.estimates import Estimate
from server_impl.domain.ids import new_id
from server_impl.domain.invoices import AccountingSync, Invoice, number_for, validate_dates
from server_impl.domain.jobs import Job
from server_impl.domain.line_items import LineInput, LineItem, totals
from server_impl.domain.principal import CallContext
from server_impl.services import audit, jobs
from server_impl.services.line_items import price_lines
from server_impl.services.ports import InvoiceFilter, Page, UnitOfWork

CREATABLE = frozenset(
    {
        "customer_id",
        "job_id",
        "estimate_id",
        "currency",
        "line_items",
        "discount_amount",
        "terms",
        "issue_date",
        "due_date",
        "memo",
        "tags",
        "metadata",
    }
)
UPDATABLE = frozenset(
    {"job_id", "line_items", "discount_amount", "terms", "issue_date", "due_date", "memo", "tags", "metadata"}
)

Lines = Sequence[LineInput | LineItem]

MAX_TOTAL = 10**15
"""The largest invoice total, in minor units (ten trillion dollars; far inside a signed 64-bit column)."""

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")


EVENT_OF_ACTION = {
    "invoice.payment_applied": "invoice.updated",
    "invoice.payment_refunded": "invoice.updated",
    "invoice.reopened": "invoice.updated",
}
"""Audit actions announced under another event type: v1's ``EventType`` has no such values (ADR 0621)."""


@dataclass(frozen=True)
class InvoiceChange:
    """One change of an invoice: its audit action, the invoice before and after it."""

    action: str
    before: Invoice | None
    after: Invoice

    @property
    def event_type(self) -> str:
        """The outbox event announcing the change (the action, or ``invoice.updated`` for balance moves)."""
        return EVENT_OF_ACTION.get(self.action, self.action)


def today_of(now: datetime) -> date:
    """Return the UTC date of ``now`` (due dates and ``overdue`` use UTC days)."""
    return now.date()


def _load(uow: UnitOfWork, invoice_id: str, *, lock: bool = False) -> Invoice:
    """Return the invoice; ``lock`` holds its row until commit (every transition and balance change)."""
    invoice = uow.invoices.lock([invoice_id]).get(invoice_id) if lock else uow.invoices.get(invoice_id)
    if invoice is None:
        raise NotFound("invoice", invoice_id)
    return invoice


def record(uow: UnitOfWork, caller: CallContext, change: InvoiceChange, now: datetime) -> InvoiceChange:
    """Audit one invoice change (each audited change is announced by exactly one event)."""
    audit.record(
        uow,
        caller,
        action=change.action,
        resource_type="invoice",
        resource_id=change.after.id,
        before=None if change.before is None else change.before.snapshot(),
        after=change.after.snapshot(),
        now=now,
    )
    return change


def _priced(uow: UnitOfWork, lines: Lines) -> tuple[LineItem, ...]:
    """Price request lines against the catalog; already priced lines (from a job or estimate) are copied.

    Raises:
        ValidationFailed: A service outside the catalog, or a total above :data:`MAX_TOTAL` (``/line_items``).
    """
    inputs = [line for line in lines if isinstance(line, LineInput)]
    priced = iter(price_lines(uow, inputs))
    result = tuple(
        next(priced) if isinstance(line, LineInput) else dataclasses.replace(line, id=new_id("li")) for line in lines
    )
    sums = totals(result)
    if sums.subtotal + sums.tax > MAX_TOTAL:
        message = f"The lines add up to more than an invoice can hold ({MAX_TOTAL} minor units)."
        raise ValidationFailed((FieldError("/line_items", message),))
    return result


def _linked_job(uow: UnitOfWork, job_id: str, customer_id: str) -> Job:
    job = uow.jobs.get(job_id)
    if job is None:
        raise ValidationFailed((FieldError("/job_id", "No such job in this organization and environment."),))
    if job.customer_id != customer_id:
        raise ValidationFailed((FieldError("/job_id", "The job belongs to another customer."),))
    return job


def _linked_estimate(uow: UnitOfWork, estimate_id: str, customer_id: str) -> Estimate:
    estimate = uow.estimates.get(estimate_id)
    if estimate is None:
        raise ValidationFailed((FieldError("/estimate_id", "No such estimate in this organization and environment."),))
    if estimate.customer_id != customer_id:
        raise ValidationFailed((FieldError("/estimate_id", "The estimate belongs to another customer."),))
    return estimate


def create_invoice(
    uow: UnitOfWork, caller: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None
) -> Invoice:
    """Create a draft invoice and audit it as ``invoice.created``.

    The caller publishes the ``invoice.created`` event with the invoice in its contract shape
    (``server_impl.handlers.invoices.announce_invoice``).

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        caller: The caller.
        fields: ``customer_id`` (required), ``job_id``, ``estimate_id``, ``currency``,
            ``line_items`` (:class:`LineInput` to price against the catalog, or priced
            :class:`LineItem` snapshots to copy, as from an estimate's options), ``discount_amount``,
            ``terms``, ``issue_date``, ``due_date``, ``memo``, ``tags``, ``metadata``. Without
            ``line_items``, the lines of the job are copied, or else those of the estimate's
            approved options.
        now: The current time (tests).

    Returns:
        The draft.

    Raises:
        ValidationFailed: A customer, job, estimate or service outside the tenant (422 naming the
            field), or custom terms without a due date.
    """
    unknown = set(fields) - CREATABLE
    if unknown:
        raise ValueError(f"not invoice fields: {sorted(unknown)}")
    now = now or utc_now()
    customer = uow.customers.get(fields["customer_id"])
    if customer is None:
        raise ValidationFailed((FieldError("/customer_id", "No such customer in this organization and environment."),))
    job = _linked_job(uow, fields["job_id"], customer.id) if fields.get("job_id") else None
    estimate = _linked_estimate(uow, fields["estimate_id"], customer.id) if fields.get("estimate_id") else None
    given_lines: Lines | None = fields.get("line_items")
    if given_lines is None and job is not None:
        given_lines = job.line_items
    elif given_lines is None and estimate is not None:
        given_lines = tuple(line for option in estimate.approved_options for line in option.lines)
    terms = fields.get("terms") or "due_on_receipt"
    validate_dates(terms, fields.get("issue_date"), fields.get("due_date"))
    invoice = Invoice(
        id=new_id("inv"),
        customer_id=customer.id,
        currency=fields.get("currency") or (job.currency if job is not None else customer.currency),
        created_at=now,
        updated_at=now,
        accounting_sync=AccountingSync(status="not_synced", updated_at=now),
        job_id=fields.get("job_id"),
        estimate_id=fields.get("estimate_id"),
        line_items=_priced(uow, given_lines or ()),
        discount=fields.get("discount_amount") or 0,
        terms=terms,
        issue_date=fields.get("issue_date"),
        due_date=fields.get("due_date") if terms == "custom" else None,
        memo=fields.get("memo"),
        tags=tuple(dict.fromkeys(fields.get("tags") or ())),
        metadata=dict(fields.get("metadata") or {}),
    )
    uow.invoices.add(invoice)
    if job is not None:
        jobs.link_invoice(uow, job.id, invoice.id, now=now)
    record(uow, caller, InvoiceChange("invoice.created", None, invoice), now)
    return invoice


def update_invoice(
    uow: UnitOfWork,
    caller: CallContext,
    invoice_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[Invoice], None] | None = None,
    now: datetime | None = None,
) -> InvoiceChange | None:
    """Change a draft; ``None`` when nothing changed (nothing written).

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
        InvalidStateTransition: If the invoice is finalized.
        ValidationFailed: A job or service outside the tenant, or custom terms without a due date.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not invoice fields: {sorted(unknown)}")
    now = now or utc_now()
    current = _load(uow, invoice_id, lock=True)
    if precondition is not None:
        precondition(current)
    current.require_draft()
    values = dict(changes)
    if "discount_amount" in values:
        values["discount"] = values.pop("discount_amount") or 0
    if values.get("job_id"):
        jobs.link_invoice(uow, _linked_job(uow, values["job_id"], current.customer_id).id, invoice_id, now=now)
    if "line_items" in values:
        values["line_items"] = _priced(uow, values["line_items"] or ())
    if "tags" in values:
        values["tags"] = tuple(dict.fromkeys(values["tags"] or ()))
    if "metadata" in values:
        values["metadata"] = dict(values["metadata"] or {})
    updated = dataclasses.replace(current, **values)
    validate_dates(updated.terms, updated.issue_date, updated.due_date)
    if updated.terms != "custom":
        updated.due_date = None
    if updated.snapshot() == current.snapshot():
        return None
    updated.version, updated.updated_at = current.version + 1, now
    uow.invoices.save(updated)
    return record(uow, caller, InvoiceChange("invoice.updated", current, updated), now)


def _transition(
    uow: UnitOfWork, caller: CallContext, invoice_id: str, now: datetime | None, act: Callable[[Invoice, datetime], str]
) -> list[InvoiceChange]:
    moment = now or utc_now()
    invoice = _load(uow, invoice_id, lock=True)
    before = dataclasses.replace(invoice)
    event_type = act(invoice, moment)
    invoice.version, invoice.updated_at = invoice.version + 1, moment
    uow.invoices.save(invoice)
    changes = [record(uow, caller, InvoiceChange(event_type, before, invoice), moment)]
    if event_type == "invoice.finalized" and invoice.status == "paid":  # a zero total is paid on finalize
        paid = dataclasses.replace(invoice)
        changes.append(record(uow, caller, InvoiceChange("invoice.paid", invoice, paid), moment))
    return changes


def finalize_invoice(
    uow: UnitOfWork, caller: CallContext, invoice_id: str, *, now: datetime | None = None
) -> list[InvoiceChange]:
    """Finalize a draft: the tenant's next number (gap-free, same transaction), dates, locked totals.

    Returns ``invoice.finalized`` (and ``invoice.paid`` when the total is 0).

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Unless it is a draft.
        Conflict: Without line items.
    """

    def act(invoice: Invoice, moment: datetime) -> str:
        invoice.check_finalizable()  # draw a number only when finalize will succeed
        invoice.finalize(number_for(uow.invoice_numbers.next()), today_of(moment), moment)
        return "invoice.finalized"

    return _transition(uow, caller, invoice_id, now, act)


def send_invoice(
    uow: UnitOfWork,
    caller: CallContext,
    invoice_id: str,
    *,
    channel: str = "email",
    to: str | None = None,
    now: datetime | None = None,
) -> list[InvoiceChange]:
    """Record that the invoice was sent (delivery itself is the messaging system's job).

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: On drafts and void invoices.
        ValidationFailed: No ``to`` and the customer has no address for the channel (``/to``).
    """

    def act(invoice: Invoice, moment: datetime) -> str:
        invoice.send(moment)
        if to is not None and not (_EMAIL if channel == "email" else _PHONE).fullmatch(to):
            expected = "an email address" if channel == "email" else "an E.164 phone number (+15125550100)"
            raise ValidationFailed((FieldError("/to", f"Give {expected} for channel {channel!r}."),))
        if to is None:
            customer = uow.customers.get(invoice.customer_id)
            reachable = customer is not None and (customer.emails if channel == "email" else customer.phones)
            if not reachable:
                kind = "email address" if channel == "email" else "phone number"
                raise ValidationFailed((FieldError("/to", f"The customer has no {kind}; give one in 'to'."),))
        return "invoice.sent"

    return _transition(uow, caller, invoice_id, now, act)


def void_invoice(
    uow: UnitOfWork, caller: CallContext, invoice_id: str, *, now: datetime | None = None
) -> list[InvoiceChange]:
    """Void an open or uncollectible invoice without net payments (409 otherwise)."""

    def act(invoice: Invoice, moment: datetime) -> str:
        invoice.void(moment)
        return "invoice.voided"

    return _transition(uow, caller, invoice_id, now, act)


def mark_uncollectible(
    uow: UnitOfWork, caller: CallContext, invoice_id: str, *, now: datetime | None = None
) -> list[InvoiceChange]:
    """Write an open invoice off as bad debt (409 otherwise)."""

    def act(invoice: Invoice, moment: datetime) -> str:
        invoice.mark_uncollectible(moment)
        return "invoice.marked_uncollectible"

    return _transition(uow, caller, invoice_id, now, act)


def report_accounting_sync(
    uow: UnitOfWork,
    caller: CallContext,
    invoice_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[Invoice], None] | None = None,
    now: datetime | None = None,
) -> InvoiceChange | None:
    """Apply a connector's report; ``None`` when nothing changed.

    ``synced`` is announced as ``invoice.accounting_synced``, ``failed`` as
    ``invoice.accounting_sync_failed``, other changes (``pending``, ``excluded``, the provider) as
    ``invoice.updated``.

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
        InvalidStateTransition: On drafts.
        ValidationFailed: ``synced`` without ``external_id``, ``failed`` without ``error``.
    """
    moment = now or utc_now()
    invoice = _load(uow, invoice_id, lock=True)
    if precondition is not None:
        precondition(invoice)
    before = dataclasses.replace(invoice)
    event_type = invoice.report_sync(dict(changes), moment)
    if event_type is None and invoice.accounting_sync.to_json() | {"updated_at": None} == (
        before.accounting_sync.to_json() | {"updated_at": None}
    ):
        return None
    invoice.version, invoice.updated_at = invoice.version + 1, moment
    uow.invoices.save(invoice)
    return record(uow, caller, InvoiceChange(event_type or "invoice.updated", before, invoice), moment)


def get_invoice(uow: UnitOfWork, invoice_id: str) -> Invoice:
    """Return an invoice of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, invoice_id)


def list_invoices(uow: UnitOfWork, filters: InvoiceFilter, *, limit: int, before_id: str | None) -> Page[Invoice]:
    """Return the tenant's invoices newest first, filtered."""
    return uow.invoices.list(filters, limit=limit, before_id=before_id)
