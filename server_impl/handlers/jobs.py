"""``JobsHandlers``: jobs, their lifecycle actions, and the event each write announces.

Every write runs in one unit of work: the use case (which audits), then :func:`publish_change`
(the outbox event with the job as the API shows it, and the job before for
``previous_attributes``), then the stored response; they commit together or not at all.
"""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NoReturn

from generated import models
from generated.server.jobs import JobsHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.jobs import Job, ScheduleWindow
from server_impl.domain.principal import CallContext
from server_impl.handlers.common import (
    caller_of,
    decode_cursor,
    page_cursor,
    principal_of,
    read,
    stored,
    write,
    write_once,
)
from server_impl.handlers.line_items import line_inputs, line_item_dto, totals_dto
from server_impl.services import events
from server_impl.services import jobs as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.jobs import JobChange
from server_impl.services.ports import JobFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import check_if_match, etag_for

PATH = "/api/public/v1/jobs"


def _utc(moment: object) -> datetime.datetime | None:
    """Return a sent time in UTC; ``None`` when absent (unset or ``null``)."""
    return moment.astimezone(datetime.UTC) if isinstance(moment, datetime.datetime) else None


def schedule_dto(window: ScheduleWindow) -> dict[str, Any]:
    """Return a schedule window in the contract's ``ScheduleWindow`` shape."""
    return {
        "window_start": window.window_start,
        "window_end": window.window_end,
        "arrival_window_start": window.arrival_window_start,
        "arrival_window_end": window.arrival_window_end,
        "timezone": window.timezone,
    }


def job_dto(job: Job) -> models.Job:
    """Map a domain job to its contract representation."""
    return models.Job.model_validate(
        {
            "id": job.id,
            "object": "job",
            "number": job.number,
            "status": job.status,
            "customer_id": job.customer_id,
            "service_location_id": job.service_location_id,
            "priority": job.priority,
            "summary": job.summary,
            "description": job.description,
            "schedule": None if job.schedule is None else schedule_dto(job.schedule),
            "assigned_technician_ids": list(job.technician_ids),
            "line_items": [line_item_dto(line) for line in job.line_items],
            "currency": job.currency,
            **totals_dto(job.totals),
            "source_estimate_id": job.source_estimate_id,
            "invoice_ids": list(job.invoice_ids),
            "tags": list(job.tags),
            "metadata": job.metadata,
            "hold_reason": job.hold_reason,
            "cancel_reason": job.cancel_reason,
            "completion_notes": job.completion_notes,
            "dispatched_at": job.dispatched_at,
            "started_at": job.started_at,
            "completed_at": job.completed_at,
            "canceled_at": job.canceled_at,
            "created_at": job.created_at,
            "updated_at": job.updated_at,
        }
    )


def schedule_window(body: models.JobSchedule) -> ScheduleWindow:
    """Map a request's ``JobSchedule`` to the domain window (times in UTC)."""
    return ScheduleWindow(
        window_start=body.window_start.astimezone(datetime.UTC),
        window_end=body.window_end.astimezone(datetime.UTC),
        timezone=body.timezone,
        arrival_window_start=_utc(body.arrival_window_start),
        arrival_window_end=_utc(body.arrival_window_end),
    )


def create_fields(body: models.JobCreate) -> dict[str, Any]:
    """Map a ``JobCreate`` to the fields of :func:`server_impl.services.jobs.create_job`."""
    fields = body.model_dump(mode="json")
    if isinstance(body.schedule, models.JobSchedule):
        fields["schedule"] = schedule_window(body.schedule)
    if isinstance(body.line_items, list):
        fields["line_items"] = line_inputs(body.line_items)
    return fields


def update_fields(body: models.JobUpdate) -> dict[str, Any]:
    """Map a ``JobUpdate`` to the changes of :func:`server_impl.services.jobs.update_job`."""
    fields = body.model_dump(mode="json")
    if isinstance(body.line_items, list):
        fields["line_items"] = line_inputs(body.line_items)
    return fields


def publish_created(uow: UnitOfWork, caller: CallContext, job: Job) -> models.Job:
    """Stage ``job.created`` for a new job (estimate conversion calls this too); return its DTO."""
    dto = job_dto(job)
    events.publish(uow, caller, "job.created", dto.model_dump(mode="json"), now=job.created_at)
    return dto


def publish_change(uow: UnitOfWork, caller: CallContext, change: JobChange) -> models.Job:
    """Stage the event of a change (nothing when nothing changed); return the job's DTO."""
    dto = job_dto(change.job)
    if change.event_type is not None:
        previous = job_dto(change.before).model_dump(mode="json")
        events.publish(
            uow, caller, change.event_type, dto.model_dump(mode="json"), previous=previous, now=change.job.updated_at
        )
    return dto


def _etag(job: Job) -> str:
    return etag_for(job.id, job.version)


Action = Callable[[UnitOfWork, CallContext], JobChange]


class Jobs(JobsHandlers):
    """Jobs over the use cases of :mod:`server_impl.services.jobs`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_jobs(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.JobStatus | None,
        customer_id: str | None,
        technician_id: str | None,
        scheduled_after: datetime.datetime | None,
        scheduled_before: datetime.datetime | None,
        tag: str | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.JobList:
        """List jobs newest first."""
        filters = JobFilter(
            status=status.value if status else None,
            customer_id=customer_id,
            technician_id=technician_id,
            scheduled_after=scheduled_after,
            scheduled_before=scheduled_before,
            tag=tag,
            updated_since=updated_since,
        )
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_jobs(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.JobList(
            object="list", data=[job_dto(item) for item in page.items], has_more=page.has_more, next_cursor=next_cursor
        )

    async def create_job(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobCreate,
    ) -> models.Job:
        """Create a job (201, ``Location``, ``ETag``; ``job.created``)."""
        caller = caller_of(context)
        fields = create_fields(body)

        def work(uow: UnitOfWork) -> Any:
            job = use_cases.create_job(uow, caller, fields)
            dto = publish_created(uow, caller, job)
            return stored(201, dto, (("Location", f"{PATH}/{job.id}"), ("ETag", _etag(job))))

        await write_once(context, self._uow, self._policy, work)

    async def get_job(self, context: RequestContext, *, job_id: str, x_organization_id: str) -> models.Job:
        """Get a job with its ``ETag``."""
        job = await read(self._uow, principal_of(context), lambda uow: use_cases.get_job(uow, job_id))
        context.response.headers["ETag"] = _etag(job)
        return job_dto(job)

    async def update_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.JobUpdate,
    ) -> models.Job:
        """Update a job's details; ``If-Match`` guards against lost updates (412)."""
        caller = caller_of(context)
        changes = update_fields(body)

        def precondition(current: Job) -> None:
            check_if_match(if_match, _etag(current))

        def work(uow: UnitOfWork) -> tuple[Job, models.Job]:
            change = use_cases.update_job(uow, caller, job_id, changes, precondition=precondition)
            return change.job, publish_change(uow, caller, change)

        job, dto = await write(self._uow, caller.principal, work)
        context.response.headers["ETag"] = _etag(job)
        return dto

    async def _act(self, context: RequestContext, action: Action) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> Any:
            change = action(uow, caller)
            dto = publish_change(uow, caller, change)
            return stored(200, dto, (("ETag", _etag(change.job)),))

        await write_once(context, self._uow, self._policy, work)

    async def schedule_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobSchedule,
    ) -> models.Job:
        """Schedule or reschedule a job."""
        window = schedule_window(body)
        await self._act(context, lambda uow, caller: use_cases.schedule_job(uow, caller, job_id, window))

    async def unschedule_job(
        self, context: RequestContext, *, job_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Job:
        """Unschedule a job."""
        await self._act(context, lambda uow, caller: use_cases.unschedule_job(uow, caller, job_id))

    async def assign_job_technicians(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobAssignTechnicians,
    ) -> models.Job:
        """Replace the job's technicians."""
        ids = [item.root for item in body.technician_ids]
        await self._act(context, lambda uow, caller: use_cases.assign_technicians(uow, caller, job_id, ids))

    async def unassign_job_technicians(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobUnassignTechnicians,
    ) -> models.Job:
        """Take technicians off the job."""
        ids = [item.root for item in body.technician_ids]
        await self._act(context, lambda uow, caller: use_cases.unassign_technicians(uow, caller, job_id, ids))

    async def dispatch_job(
        self, context: RequestContext, *, job_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Job:
        """Dispatch a job."""
        await self._act(context, lambda uow, caller: use_cases.dispatch_job(uow, caller, job_id))

    async def start_job(
        self, context: RequestContext, *, job_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Job:
        """Start a job."""
        await self._act(context, lambda uow, caller: use_cases.start_job(uow, caller, job_id))

    async def hold_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobHold,
    ) -> models.Job:
        """Put a job on hold."""
        await self._act(context, lambda uow, caller: use_cases.hold_job(uow, caller, job_id, body.reason))

    async def resume_job(
        self, context: RequestContext, *, job_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Job:
        """Resume a job on hold."""
        await self._act(context, lambda uow, caller: use_cases.resume_job(uow, caller, job_id))

    async def complete_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobComplete | None,
    ) -> models.Job:
        """Complete a job."""
        sent = body.model_dump() if body is not None else {}
        notes = sent.get("completion_notes")
        finished = _utc(sent.get("completed_at"))
        await self._act(
            context,
            lambda uow, caller: use_cases.complete_job(uow, caller, job_id, notes=notes, completed_at=finished),
        )

    async def cancel_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobCancel,
    ) -> models.Job:
        """Cancel a job."""
        await self._act(context, lambda uow, caller: use_cases.cancel_job(uow, caller, job_id, body.reason))

    async def reopen_job(
        self,
        context: RequestContext,
        *,
        job_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.JobReopen,
    ) -> models.Job:
        """Reopen a completed or canceled job (privileged)."""
        await self._act(context, lambda uow, caller: use_cases.reopen_job(uow, caller, job_id, body.reason))
