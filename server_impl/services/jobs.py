"""Use cases for jobs: create, update, the lifecycle actions, read and list (audited, tenant-scoped).

Writes take an entered unit of work and do not commit. Each returns what changed so that the
handler can publish the event in the same unit of work: :func:`create_job` the new job (its event
is ``job.created``), the others a :class:`JobChange` (the job before and after, and the event type;
``None`` when nothing changed and nothing was written). The audit action is the event type, so
audit rows and events match one to one.

Other areas use :func:`create_job` (estimate conversion, with ``estimate_id``), :func:`get_job`
and :func:`link_invoice` (an invoice made for a job).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.customers import Customer
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.jobs import SCHEDULED, UNSCHEDULED, Job, ScheduleWindow
from server_impl.domain.line_items import LineInput, LineItem
from server_impl.domain.principal import CallContext
from server_impl.services import audit
from server_impl.services.line_items import price_lines
from server_impl.services.ports import JobFilter, Page, UnitOfWork

CREATABLE = frozenset(
    {
        "customer_id",
        "service_location_id",
        "priority",
        "summary",
        "description",
        "schedule",
        "assigned_technician_ids",
        "line_items",
        "currency",
        "tags",
        "metadata",
        "estimate_id",
    }
)
"""Fields of :func:`create_job` (the ``JobCreate`` names, plus ``estimate_id`` for conversions)."""

UPDATABLE = frozenset({"service_location_id", "priority", "summary", "description", "line_items", "tags", "metadata"})
"""Fields of :func:`update_job` (``JobUpdate``)."""

Lines = Sequence[LineInput] | Sequence[LineItem]


@dataclass(frozen=True)
class JobChange:
    """The outcome of a write to an existing job.

    Attributes:
        job: The job after the write.
        before: The job before it.
        event_type: The event (and audit action) of the write; ``None`` when nothing changed.
    """

    job: Job
    before: Job
    event_type: str | None


def _load(uow: UnitOfWork, job_id: str) -> Job:
    job = uow.jobs.get(job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job


def _customer(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise ValidationFailed((FieldError("/customer_id", "No such customer in this organization."),))
    if customer.archived_at is not None:
        raise ValidationFailed((FieldError("/customer_id", "The customer is archived; restore it first."),))
    return customer


def _location(customer: Customer, location_id: str | None) -> str | None:
    if location_id is None:
        return None
    if all(location.id != location_id for location in customer.service_locations):
        message = "Not one of the customer's service locations."
        raise ValidationFailed((FieldError("/service_location_id", message),))
    return location_id


def _default_location(customer: Customer) -> str | None:
    primary = [location.id for location in customer.service_locations if location.is_primary]
    return primary[0] if primary else None


def _technicians(uow: UnitOfWork, caller: CallContext, ids: Sequence[str], pointer: str) -> tuple[str, ...]:
    organization_id = caller.principal.organization_id
    errors = [
        FieldError(f"{pointer}/{index}", "No such user in this organization.")
        for index, user_id in enumerate(ids)
        if uow.memberships.get(organization_id, user_id) is None
    ]
    if errors:
        raise ValidationFailed(tuple(errors))
    return tuple(dict.fromkeys(ids))


def _lines(uow: UnitOfWork, given: Lines, currency: str) -> tuple[LineItem, ...]:
    """Price request lines against the catalog, or take priced lines (a conversion) with new ids."""
    priced = [line for line in given if isinstance(line, LineItem)]
    inputs = [line for line in given if isinstance(line, LineInput)]
    if priced and inputs:
        raise TypeError("line items are all LineInput or all LineItem")
    if priced:
        return tuple(LineItem.from_json({**line.to_json(), "id": new_id("li")}) for line in priced)
    return price_lines(uow, inputs, currency=currency)


def _tags(tags: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


def _audit(uow: UnitOfWork, caller: CallContext, change: JobChange, extra: Mapping[str, Any] | None = None) -> None:
    if change.event_type is None:
        return
    after = change.job.snapshot()
    if extra:
        after.update(extra)
    audit.record(
        uow,
        caller,
        action=change.event_type,
        resource_type="job",
        resource_id=change.job.id,
        before=change.before.snapshot(),
        after=after,
        now=change.job.updated_at,
    )


def create_job(uow: UnitOfWork, caller: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None) -> Job:
    """Create a job in the caller's tenant and audit it (``job.created``).

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        caller: Who creates it.
        fields: ``JobCreate`` names with domain values: ``customer_id`` and ``summary`` required;
            ``schedule`` a :class:`ScheduleWindow` (the job is then ``scheduled``);
            ``assigned_technician_ids`` user ids; ``line_items`` :class:`LineInput` values (priced
            from the catalog now) or :class:`LineItem` values (kept as priced, such as an approved
            estimate's); ``estimate_id`` the estimate it was converted from.
        now: The current time (tests).

    Returns:
        The new job.

    Raises:
        ValidationFailed: A customer, location, technician or service that is not in the tenant
            (422 naming the field), or a bad schedule window.
    """
    unknown = set(fields) - CREATABLE
    if unknown:
        raise ValueError(f"not job fields: {sorted(unknown)}")
    moment = now or utc_now()
    customer = _customer(uow, str(fields["customer_id"]))
    if "service_location_id" in fields:
        location = _location(customer, fields["service_location_id"])
    else:
        location = _default_location(customer)
    schedule: ScheduleWindow | None = fields.get("schedule")
    if schedule is not None:
        schedule.validate("/schedule")
    technicians = _technicians(uow, caller, fields.get("assigned_technician_ids") or (), "/assigned_technician_ids")
    currency = str(fields.get("currency") or customer.currency)
    lines = _lines(uow, fields.get("line_items") or (), currency)
    job = Job(
        id=new_id("job"),
        number=f"J-{uow.jobs.next_number()}",
        customer_id=customer.id,
        summary=str(fields["summary"]),
        created_at=moment,
        updated_at=moment,
        status=SCHEDULED if schedule is not None else UNSCHEDULED,
        service_location_id=location,
        priority=str(fields.get("priority") or "normal"),
        description=fields.get("description"),
        schedule=schedule,
        technician_ids=technicians,
        line_items=lines,
        currency=currency,
        source_estimate_id=fields.get("estimate_id"),
        tags=_tags(fields.get("tags") or ()),
        metadata=dict(fields.get("metadata") or {}),
    )
    uow.jobs.add(job)
    audit.record(
        uow,
        caller,
        action="job.created",
        resource_type="job",
        resource_id=job.id,
        before=None,
        after=job.snapshot(),
        now=moment,
    )
    return job


def update_job(
    uow: UnitOfWork,
    caller: CallContext,
    job_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[Job], None] | None = None,
    now: datetime | None = None,
) -> JobChange:
    """Apply a partial update of the job's details (``job.updated``); a no-op writes nothing.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        caller: Who updates it.
        job_id: The job.
        changes: Only the fields sent (:data:`UPDATABLE`; ``line_items`` as :class:`LineInput`
            values, replacing every line).
        precondition: Checked against the current job first (the handler's If-Match).
        now: The current time (tests).

    Returns:
        The change.

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
        Conflict: Line items of a completed or canceled job.
        ValidationFailed: A location or service not in the tenant.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not job fields: {sorted(unknown)}")
    job = _load(uow, job_id)
    if precondition is not None:
        precondition(job)
    before = job.copy()
    if "service_location_id" in changes and changes["service_location_id"] != job.service_location_id:
        customer = uow.customers.get(job.customer_id)
        job.service_location_id = _location(customer, changes["service_location_id"]) if customer else None
    for name in ("priority", "summary", "description"):
        if name in changes:
            setattr(job, name, changes[name])
    if "tags" in changes:
        job.tags = _tags(changes["tags"] or ())
    if "metadata" in changes:
        job.metadata = dict(changes["metadata"] or {})
    if "line_items" in changes:
        job.check_line_items_editable()
        job.line_items = _lines(uow, changes["line_items"] or (), job.currency)
    if job.snapshot() == before.snapshot():
        return JobChange(before, before, None)
    return _save(uow, caller, JobChange(job, before, "job.updated"), now)


def _save(
    uow: UnitOfWork,
    caller: CallContext,
    change: JobChange,
    now: datetime | None,
    extra: Mapping[str, Any] | None = None,
) -> JobChange:
    if change.event_type is None:
        return JobChange(change.before, change.before, None)
    job = change.job
    job.version, job.updated_at = change.before.version + 1, now or utc_now()
    uow.jobs.save(job, expected_version=change.before.version)
    _audit(uow, caller, change, extra)
    return change


def _act(
    uow: UnitOfWork,
    caller: CallContext,
    job_id: str,
    action: Callable[[Job, datetime], str | None],
    now: datetime | None,
    *,
    extra: Mapping[str, Any] | None = None,
) -> JobChange:
    job = _load(uow, job_id)
    before = job.copy()
    moment = now or utc_now()
    event_type = action(job, moment)
    return _save(uow, caller, JobChange(job, before, event_type), moment, extra)


def schedule_job(
    uow: UnitOfWork, caller: CallContext, job_id: str, window: ScheduleWindow, *, now: datetime | None = None
) -> JobChange:
    """Schedule (``job.scheduled``) or reschedule (``job.rescheduled``) a job.

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Unless unscheduled, scheduled or dispatched.
        ValidationFailed: A bad window.
    """
    window.validate()
    return _act(uow, caller, job_id, lambda job, _now: job.schedule_in(window), now)


def unschedule_job(uow: UnitOfWork, caller: CallContext, job_id: str, *, now: datetime | None = None) -> JobChange:
    """Clear the schedule of a scheduled or dispatched job (``job.unscheduled``)."""
    return _act(uow, caller, job_id, lambda job, _now: job.unschedule(), now)


def assign_technicians(
    uow: UnitOfWork, caller: CallContext, job_id: str, technician_ids: Sequence[str], *, now: datetime | None = None
) -> JobChange:
    """Replace the job's technicians (``job.technicians_changed`` when the set changes).

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: On a completed or canceled job.
        ValidationFailed: A user who is not a member of the organization.
    """
    job = _load(uow, job_id)
    before = job.copy()
    job.require("assign-technicians")
    event_type = job.assign(_technicians(uow, caller, technician_ids, "/technician_ids"))
    return _save(uow, caller, JobChange(job, before, event_type), now)


def unassign_technicians(
    uow: UnitOfWork, caller: CallContext, job_id: str, technician_ids: Sequence[str], *, now: datetime | None = None
) -> JobChange:
    """Take some technicians off the job (``job.technicians_changed`` when any was assigned).

    Members of the organization who are not assigned are ignored; an id that is no member (of
    another organization, or of none) is a 422, as on assign.
    """
    job = _load(uow, job_id)
    before = job.copy()
    job.require("unassign-technicians")
    event_type = job.unassign(_technicians(uow, caller, technician_ids, "/technician_ids"))
    return _save(uow, caller, JobChange(job, before, event_type), now)


def dispatch_job(uow: UnitOfWork, caller: CallContext, job_id: str, *, now: datetime | None = None) -> JobChange:
    """Dispatch a scheduled job with technicians (``job.dispatched``)."""
    return _act(uow, caller, job_id, lambda job, moment: job.dispatch(moment), now)


def start_job(uow: UnitOfWork, caller: CallContext, job_id: str, *, now: datetime | None = None) -> JobChange:
    """Start the work (``job.started``)."""
    return _act(uow, caller, job_id, lambda job, moment: job.start(moment), now)


def hold_job(
    uow: UnitOfWork, caller: CallContext, job_id: str, reason: str, *, now: datetime | None = None
) -> JobChange:
    """Put the job on hold (``job.on_hold``)."""
    return _act(uow, caller, job_id, lambda job, _now: job.hold(reason), now)


def resume_job(uow: UnitOfWork, caller: CallContext, job_id: str, *, now: datetime | None = None) -> JobChange:
    """Take the job off hold (``job.resumed``)."""
    return _act(uow, caller, job_id, lambda job, _now: job.resume(), now)


def complete_job(
    uow: UnitOfWork,
    caller: CallContext,
    job_id: str,
    *,
    notes: str | None = None,
    completed_at: datetime | None = None,
    now: datetime | None = None,
) -> JobChange:
    """Complete the job (``job.completed``)."""
    return _act(
        uow, caller, job_id, lambda job, moment: job.complete(moment, completed_at=completed_at, notes=notes), now
    )


def cancel_job(
    uow: UnitOfWork, caller: CallContext, job_id: str, reason: str, *, now: datetime | None = None
) -> JobChange:
    """Cancel an open job (``job.canceled``)."""
    return _act(uow, caller, job_id, lambda job, moment: job.cancel(reason, moment), now)


def reopen_job(
    uow: UnitOfWork, caller: CallContext, job_id: str, reason: str, *, now: datetime | None = None
) -> JobChange:
    """Reopen a completed or canceled job (``job.reopened``; the reason goes to the audit log)."""
    return _act(uow, caller, job_id, lambda job, _now: job.reopen(), now, extra={"reopen_reason": reason})


def link_invoice(uow: UnitOfWork, job_id: str, invoice_id: str, *, now: datetime | None = None) -> Job:
    """Record that an invoice bills the job (its ``invoice_ids``); the invoice's own write is audited.

    Raises:
        NotFound: Outside the tenant.
    """
    job = _load(uow, job_id)
    if invoice_id in job.invoice_ids:
        return job
    expected = job.version
    job.invoice_ids = (*job.invoice_ids, invoice_id)
    job.version, job.updated_at = expected + 1, now or utc_now()
    uow.jobs.save(job, expected_version=expected)
    return job


def get_job(uow: UnitOfWork, job_id: str) -> Job:
    """Return a job of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, job_id)


def list_jobs(uow: UnitOfWork, filters: JobFilter, *, limit: int, before_id: str | None) -> Page[Job]:
    """Return the tenant's jobs newest first, filtered."""
    return uow.jobs.list(filters, limit=limit, before_id=before_id)
