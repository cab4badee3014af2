"""Use cases for estimates: create, update, send, approve, decline, revise, void, expire, read, list.

Writes take an entered unit of work and do not commit (the caller commits, through the idempotency
guard on POSTs). Each returns an :class:`Outcome` listing the transitions it made, in order: the
handler announces one event per transition (with the contract shapes before and after), and every
transition has written exactly one audit event here, in the same unit of work.

A ``sent`` estimate past its ``valid_until`` is expired before any action looks at it: the expiry
is recorded (audit, and an ``estimate.expired`` transition) and the action then sees ``expired``.
If the action is refused, the whole unit of work rolls back and reads keep deriving the expiry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.estimates import Approval, Estimate, EstimateOption, check_options
from server_impl.domain.ids import new_id
from server_impl.domain.invoices import Invoice
from server_impl.domain.jobs import Job, ScheduleWindow
from server_impl.domain.line_items import LineInput
from server_impl.domain.principal import CallContext
from server_impl.services import audit, invoices, jobs
from server_impl.services.line_items import price_lines
from server_impl.services.ports import EstimateFilter, Page, UnitOfWork

UPDATABLE = frozenset(
    {
        "service_location_id",
        "job_id",
        "title",
        "message",
        "valid_until",
        "options",
        "deposit_amount",
        "deposit_required",
        "tags",
        "metadata",
    }
)
CREATABLE = UPDATABLE | {"customer_id", "currency"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclass(frozen=True)
class OptionInput:
    """An option as a caller sent it."""

    name: str
    lines: tuple[LineInput, ...]
    description: str | None = None
    is_recommended: bool = False


@dataclass(frozen=True)
class ApprovalInput:
    """The approval as a caller sent it."""

    option_ids: tuple[str, ...]
    approved_by: str
    signature_name: str | None = None
    signature_file_id: str | None = None


@dataclass(frozen=True)
class Change:
    """One transition of an estimate: its event type, the estimate before (``None`` on creation) and after."""

    event: str
    before: Estimate | None
    after: Estimate


@dataclass(frozen=True)
class Outcome:
    """The estimate after a write, and the transitions the write made (possibly none)."""

    estimate: Estimate
    changes: tuple[Change, ...]


def _load(uow: UnitOfWork, estimate_id: str) -> Estimate:
    estimate = uow.estimates.get(estimate_id)
    if estimate is None:
        raise NotFound("estimate", estimate_id)
    return estimate


def _record(uow: UnitOfWork, context: CallContext, event: str, before: Estimate | None, after: Estimate) -> Change:
    audit.record(
        uow,
        context,
        action=event,
        resource_type="estimate",
        resource_id=after.id,
        before=None if before is None else before.snapshot(),
        after=after.snapshot(),
        now=after.updated_at,
    )
    return Change(event, before, after.copy())


def _load_for_write(
    uow: UnitOfWork, context: CallContext, estimate_id: str, now: datetime
) -> tuple[Estimate, list[Change]]:
    """Load an estimate and record its expiry first when it is due."""
    estimate = _load(uow, estimate_id)
    changes: list[Change] = []
    before = estimate.copy()
    if estimate.expire_if_due(now):  # expired_at is the deadline; the record is stamped now (pollers miss nothing)
        estimate.version, estimate.updated_at = estimate.version + 1, now
        uow.estimates.save(estimate)
        changes.append(_record(uow, context, "estimate.expired", before, estimate))
    return estimate, changes


def _transition(
    uow: UnitOfWork,
    context: CallContext,
    estimate_id: str,
    event: str,
    action: Callable[[Estimate, datetime], None],
    *,
    now: datetime | None,
) -> Outcome:
    moment = now or utc_now()
    estimate, changes = _load_for_write(uow, context, estimate_id, moment)
    before = estimate.copy()
    action(estimate, moment)
    estimate.version, estimate.updated_at = estimate.version + 1, moment
    uow.estimates.save(estimate)
    changes.append(_record(uow, context, event, before, estimate))
    return Outcome(estimate, tuple(changes))


def _check_customer(uow: UnitOfWork, customer_id: str) -> str:
    """Return the customer's currency.

    Raises:
        ValidationFailed: Not a customer of the tenant, or archived.
    """
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise ValidationFailed((FieldError("/customer_id", "No such customer in this organization."),))
    if customer.archived_at is not None:
        raise ValidationFailed((FieldError("/customer_id", "The customer is archived; restore it first."),))
    return customer.currency


def _check_location(uow: UnitOfWork, customer_id: str, location_id: str | None) -> None:
    if location_id is None:
        return
    customer = uow.customers.get(customer_id)
    if customer is None or all(location.id != location_id for location in customer.service_locations):
        message = "No such service location on the estimate's customer."
        raise ValidationFailed((FieldError("/service_location_id", message),))


def _check_job(uow: UnitOfWork, job_id: str | None, customer_id: str) -> None:
    if job_id is None:
        return
    job = uow.jobs.get(job_id)
    if job is None:
        raise ValidationFailed((FieldError("/job_id", "No such job in this organization."),))
    if job.customer_id != customer_id:
        raise ValidationFailed((FieldError("/job_id", "The job belongs to another customer."),))


def _check_signature(uow: UnitOfWork, file_id: str | None) -> None:
    if file_id is None:
        return
    stored = uow.files.get(file_id)
    if stored is None:
        raise ValidationFailed((FieldError("/signature_file_id", "No such file in this organization."),))
    if stored.purpose != "signature":
        message = f"The file was uploaded with purpose {stored.purpose}; upload the signature with purpose signature."
        raise ValidationFailed((FieldError("/signature_file_id", message),))


def _priced_options(uow: UnitOfWork, given: Sequence[OptionInput], currency: str) -> tuple[EstimateOption, ...]:
    errors: list[FieldError] = []
    options: list[EstimateOption] = []
    for index, option in enumerate(given):
        pointer = f"/options/{index}/line_items"
        try:
            lines = price_lines(uow, option.lines, pointer=pointer)
        except ValidationFailed as failure:
            errors.extend(failure.errors)
            continue
        for number, sent in enumerate(option.lines):
            item = uow.catalog.get(sent.service_id) if sent.service_id is not None else None
            if item is not None and item.currency != currency:
                message = f"The service is priced in {item.currency}, the estimate in {currency}."
                errors.append(FieldError(f"{pointer}/{number}/service_id", message))
        options.append(
            EstimateOption(
                id=new_id("opt"),
                name=option.name,
                description=option.description,
                is_recommended=option.is_recommended,
                lines=lines,
            )
        )
    if errors:
        raise ValidationFailed(tuple(errors))
    check_options(options)
    return tuple(options)


def _check_deposit(estimate: Estimate) -> None:
    if estimate.deposit_amount is None:
        return
    largest = max(option.totals.total for option in estimate.options)
    if estimate.deposit_amount > largest:
        message = f"The deposit exceeds the largest option's total ({largest})."
        raise ValidationFailed((FieldError("/deposit_amount", message),))


def _tags(tags: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def create_estimate(
    uow: UnitOfWork, context: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None
) -> Outcome:
    """Create a draft estimate in the caller's tenant and audit it.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        fields: ``customer_id``, ``title`` and ``options`` (a sequence of :class:`OptionInput`)
            required; others from :data:`CREATABLE`. ``currency`` defaults to the customer's.
        now: The current time (tests).

    Returns:
        The new estimate and its ``estimate.created`` transition.

    Raises:
        ValidationFailed: A customer, location, job or service outside the tenant (naming the
            field), several recommended options, or a deposit above every option's total.
    """
    unknown = set(fields) - CREATABLE
    if unknown:
        raise ValueError(f"not estimate fields: {sorted(unknown)}")
    moment = now or utc_now()
    values = dict(fields)
    customer_id = str(values.pop("customer_id"))
    customer_currency = _check_customer(uow, customer_id)
    currency = str(values.pop("currency", None) or customer_currency)
    _check_location(uow, customer_id, values.get("service_location_id"))
    _check_job(uow, values.get("job_id"), customer_id)
    options = _priced_options(uow, values.pop("options"), currency)
    values["tags"] = _tags(values.get("tags", ()))
    estimate = Estimate(
        id=new_id("est"),
        number=f"E-{uow.estimates.next_number()}",
        customer_id=customer_id,
        currency=currency,
        options=options,
        created_at=moment,
        updated_at=moment,
        **values,
    )
    _check_deposit(estimate)
    uow.estimates.add(estimate)
    change = _record(uow, context, "estimate.created", None, estimate)
    return Outcome(estimate, (change,))


def update_estimate(
    uow: UnitOfWork,
    context: CallContext,
    estimate_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[Estimate], None] | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Apply a partial update to a draft; a change that changes nothing writes nothing.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        estimate_id: The estimate.
        changes: Only the fields sent; ``options`` (of :class:`OptionInput`) replace all options.
        precondition: Checked against the estimate as it reads now (the handler's If-Match).
        now: The current time (tests).

    Returns:
        The estimate and its ``estimate.updated`` transition (none when nothing changed).

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
        InvalidStateTransition: Not a draft.
        ValidationFailed: As on creation.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not estimate fields: {sorted(unknown)}")
    moment = now or utc_now()
    if precondition is not None:
        precondition(_load(uow, estimate_id).as_of(moment))
    estimate, transitions = _load_for_write(uow, context, estimate_id, moment)
    estimate.check_editable()
    before = estimate.copy()
    values = dict(changes)
    if "service_location_id" in values:
        _check_location(uow, estimate.customer_id, values["service_location_id"])
    if "job_id" in values:
        _check_job(uow, values["job_id"], estimate.customer_id)
    if "options" in values:
        values["options"] = _priced_options(uow, values["options"], estimate.currency)
    if "tags" in values:
        values["tags"] = _tags(values["tags"])
    if "metadata" in values:
        values["metadata"] = dict(values["metadata"] or {})
    for name, value in values.items():
        setattr(estimate, name, value)
    _check_deposit(estimate)
    if estimate.snapshot() == before.snapshot():
        return Outcome(before, tuple(transitions))
    estimate.version, estimate.updated_at = estimate.version + 1, moment
    uow.estimates.save(estimate)
    transitions.append(_record(uow, context, "estimate.updated", before, estimate))
    return Outcome(estimate, tuple(transitions))


def send_estimate(
    uow: UnitOfWork,
    context: CallContext,
    estimate_id: str,
    *,
    channel: str = "email",
    to: str | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Record that a draft or sent estimate was sent (delivery itself is the messaging system's job).

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        estimate_id: The estimate.
        channel: ``email`` or ``sms``.
        to: An address for the channel instead of the customer's own.
        now: The current time (tests).

    Returns:
        The estimate and its transitions.

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Not a draft or sent estimate.
        ValidationFailed: ``valid_until`` is past, ``to`` is not an address of the channel, or there
            is no ``to`` and the customer has no address for the channel (``/to``).
    """

    def send(estimate: Estimate, moment: datetime) -> None:
        estimate.send(moment)
        _check_destination(uow, estimate.customer_id, channel, to)

    return _transition(uow, context, estimate_id, "estimate.sent", send, now=now)


def _check_destination(uow: UnitOfWork, customer_id: str, channel: str, to: str | None) -> None:
    email = channel == "email"
    if to is not None:
        if not (_EMAIL if email else _PHONE).fullmatch(to):
            expected = "an email address" if email else "an E.164 phone number (+15125550100)"
            raise ValidationFailed((FieldError("/to", f"Give {expected} for channel {channel}."),))
        return
    customer = uow.customers.get(customer_id)
    if customer is None or not (customer.emails if email else customer.phones):
        kind = "email address" if email else "phone number"
        raise ValidationFailed((FieldError("/to", f"The customer has no {kind}; give one in to."),))


def approve_estimate(
    uow: UnitOfWork, context: CallContext, estimate_id: str, given: ApprovalInput, *, now: datetime | None = None
) -> Outcome:
    """Record the customer's approval of some options (409 unless draft or sent; 422 on a foreign option id)."""

    def approve(estimate: Estimate, moment: datetime) -> None:
        estimate.approve(
            Approval(
                option_ids=given.option_ids,
                approved_by=given.approved_by,
                approved_at=moment,
                signature_name=given.signature_name,
                signature_file_id=given.signature_file_id,
            )
        )
        _check_signature(uow, given.signature_file_id)  # after the status check: a 409 comes first

    return _transition(uow, context, estimate_id, "estimate.approved", approve, now=now)


def decline_estimate(
    uow: UnitOfWork, context: CallContext, estimate_id: str, reason: str | None, *, now: datetime | None = None
) -> Outcome:
    """Record that the customer declined a sent estimate (409 otherwise)."""
    return _transition(uow, context, estimate_id, "estimate.declined", lambda e, m: e.decline(reason, m), now=now)


def revise_estimate(uow: UnitOfWork, context: CallContext, estimate_id: str, *, now: datetime | None = None) -> Outcome:
    """Move a declined or expired estimate back to draft (409 otherwise)."""
    return _transition(uow, context, estimate_id, "estimate.revised", lambda e, _m: e.revise(), now=now)


def void_estimate(uow: UnitOfWork, context: CallContext, estimate_id: str, *, now: datetime | None = None) -> Outcome:
    """Void an estimate that is neither approved, converted nor void (409 otherwise)."""
    return _transition(uow, context, estimate_id, "estimate.voided", lambda e, m: e.void(m), now=now)


@dataclass(frozen=True)
class Conversion:
    """What converting an estimate made: the estimate's outcome, the new job and the draft invoice."""

    outcome: Outcome
    job: Job
    invoice: Invoice | None


def convert_estimate(
    uow: UnitOfWork,
    context: CallContext,
    estimate_id: str,
    *,
    schedule: ScheduleWindow | None = None,
    create_invoice: bool = False,
    now: datetime | None = None,
) -> Conversion:
    """Convert an approved estimate: a job with the approved options' lines, maybe a draft invoice.

    The job names the estimate (``source_estimate_id``); the invoice names both (``job_id``,
    ``estimate_id``) and the job lists it; the estimate records both (``converted_job_id``,
    ``converted_invoice_id``). Each new object is audited by its own use case; the caller
    announces ``job.created``, ``invoice.created`` and the estimate's transitions.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller (the handler checked ``write:invoices`` when an invoice is asked for).
        estimate_id: The estimate.
        schedule: A schedule window for the job (it is then ``scheduled``).
        create_invoice: Whether to create a draft invoice with the same lines.
        now: The current time (tests).

    Returns:
        The conversion.

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Not approved.
        ValidationFailed: From the job or invoice use cases (an archived customer, a bad window).
    """
    moment = now or utc_now()
    estimate, changes = _load_for_write(uow, context, estimate_id, moment)
    estimate.check_convertible()
    lines = tuple(line for option in estimate.approved_options for line in option.lines)
    fields: dict[str, Any] = {
        "customer_id": estimate.customer_id,
        "summary": estimate.title,
        "line_items": lines,
        "currency": estimate.currency,
        "estimate_id": estimate.id,
        "tags": estimate.tags,
    }
    if estimate.service_location_id is not None:
        fields["service_location_id"] = estimate.service_location_id
    if schedule is not None:
        fields["schedule"] = schedule
    job = jobs.create_job(uow, context, fields, now=moment)
    invoice = None
    if create_invoice:
        invoice_fields = {
            "customer_id": estimate.customer_id,
            "job_id": job.id,
            "estimate_id": estimate.id,
            "currency": estimate.currency,
            "line_items": job.line_items,
        }
        invoice = invoices.create_invoice(uow, context, invoice_fields, now=moment)
        job = jobs.link_invoice(uow, job.id, invoice.id, now=moment)
    before = estimate.copy()
    estimate.convert(job.id, None if invoice is None else invoice.id, moment)
    estimate.version, estimate.updated_at = estimate.version + 1, moment
    uow.estimates.save(estimate)
    changes.append(_record(uow, context, "estimate.converted", before, estimate))
    return Conversion(Outcome(estimate, tuple(changes)), job, invoice)


def expire_estimate(uow: UnitOfWork, context: CallContext, estimate_id: str, *, now: datetime | None = None) -> Outcome:
    """Persist the expiry of a sent estimate past its date; no transition when it is not due.

    Raises:
        NotFound: Outside the tenant.
    """
    estimate, changes = _load_for_write(uow, context, estimate_id, now or utc_now())
    return Outcome(estimate, tuple(changes))


def get_estimate(uow: UnitOfWork, estimate_id: str, *, now: datetime | None = None) -> Estimate:
    """Return an estimate of the tenant as it is now (a stale ``sent`` one reads as ``expired``).

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, estimate_id).as_of(now or utc_now())


def list_estimates(
    uow: UnitOfWork, filters: EstimateFilter, *, limit: int, before_id: str | None, now: datetime | None = None
) -> Page[Estimate]:
    """Return the tenant's estimates newest first, filtered, each as it is now."""
    moment = now or utc_now()
    page = uow.estimates.list(
        EstimateFilter(filters.status, filters.customer_id, filters.job_id, filters.updated_since, moment.date()),
        limit=limit,
        before_id=before_id,
    )
    return Page([estimate.as_of(moment) for estimate in page.items], has_more=page.has_more)
