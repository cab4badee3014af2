"""``EstimatesHandlers``: estimates with options, their lifecycle, and conversion into jobs.

Every write announces one outbox event per transition the use case made (``estimate.expired``
first when a stale ``sent`` estimate was touched), with the contract shape after and before the
change, in the write's unit of work.
"""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from generated import models
from generated.server.estimates import EstimatesHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict
from server_impl.domain.estimates import Estimate, EstimateOption
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.principal import ActorType, CallContext, Principal
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
from server_impl.handlers.invoices import announce_invoice, invoice_dto
from server_impl.handlers.jobs import publish_created, schedule_window
from server_impl.handlers.line_items import line_inputs, line_item_dto, totals_dto
from server_impl.services import estimates as use_cases
from server_impl.services import events
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.invoices import InvoiceChange
from server_impl.services.ports import EstimateFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import check_if_match, etag_for
from server_impl.web.problems import ProblemError

PATH = "/api/public/v1/estimates"
_CONVERT_WITH_INVOICE = ("write:estimates", "write:jobs", "write:invoices")


def option_dto(option: EstimateOption) -> dict[str, Any]:
    """Return an option in the contract's ``EstimateOption`` shape, totals computed from its lines."""
    return {
        "id": option.id,
        "object": "estimate_option",
        "name": option.name,
        "description": option.description,
        "is_recommended": option.is_recommended,
        "approval_status": option.approval_status,
        "line_items": [line_item_dto(line) for line in option.lines],
        **totals_dto(option.totals),
    }


def estimate_dto(estimate: Estimate) -> models.Estimate:
    """Map a domain estimate (as of now) to its contract representation."""
    approval = estimate.approval
    return models.Estimate.model_validate(
        {
            "id": estimate.id,
            "object": "estimate",
            "number": estimate.number,
            "status": estimate.status,
            "customer_id": estimate.customer_id,
            "service_location_id": estimate.service_location_id,
            "job_id": estimate.job_id,
            "title": estimate.title,
            "message": estimate.message,
            "valid_until": estimate.valid_until,
            "currency": estimate.currency,
            "options": [option_dto(option) for option in estimate.options],
            "deposit_amount": estimate.deposit_amount,
            "deposit_required": estimate.deposit_required,
            "approval": None
            if approval is None
            else {
                "option_ids": list(approval.option_ids),
                "approved_by": approval.approved_by,
                "signature_name": approval.signature_name,
                "signature_file_id": approval.signature_file_id,
                "approved_at": approval.approved_at,
            },
            "decline_reason": estimate.decline_reason,
            "converted_job_id": estimate.converted_job_id,
            "converted_invoice_id": estimate.converted_invoice_id,
            "tags": list(estimate.tags),
            "metadata": estimate.metadata,
            "sent_at": estimate.sent_at,
            "approved_at": estimate.approved_at,
            "declined_at": estimate.declined_at,
            "expired_at": estimate.expired_at,
            "converted_at": estimate.converted_at,
            "voided_at": estimate.voided_at,
            "created_at": estimate.created_at,
            "updated_at": estimate.updated_at,
        }
    )


def etag(estimate: Estimate) -> str:
    """Return the ETag of an estimate as it reads (a derived expiry changes it too)."""
    return etag_for(estimate.id, f"{estimate.version}.{estimate.status}")


def estimate_fields(body: models.EstimateCreate | models.EstimateUpdate) -> dict[str, Any]:
    """Map the fields a request sent to use-case values (absent fields stay absent).

    Raises:
        ValidationFailed: A line quantity with more than three decimals.
    """
    fields = body.model_dump(mode="json", exclude={"options"})
    if "valid_until" in fields:
        fields["valid_until"] = body.valid_until  # a date (or None), not its JSON text
    if "options" in body.model_fields_set and isinstance(body.options, list):
        fields["options"] = tuple(
            use_cases.OptionInput(
                name=option.name,
                description=option.description if isinstance(option.description, str) else None,
                is_recommended=option.is_recommended,
                lines=line_inputs(option.line_items, f"/options/{index}/line_items"),
            )
            for index, option in enumerate(body.options)
        )
    if "tags" in fields:
        fields["tags"] = tuple(fields["tags"])
    return fields


def announce_changes(
    uow: UnitOfWork, caller: CallContext | None, changes: Sequence[use_cases.Change], *, tenant: tuple[str, str]
) -> None:
    """Stage one outbox event per transition, with the estimate after and before (contract shapes)."""
    for change in changes:
        previous = None if change.before is None else estimate_dto(change.before).model_dump(mode="json")
        events.publish(
            uow,
            caller,
            change.event,
            estimate_dto(change.after).model_dump(mode="json"),
            previous=previous,
            tenant=tenant,
            now=change.after.updated_at,
        )


def _announce(uow: UnitOfWork, caller: CallContext, outcome: use_cases.Outcome) -> None:
    principal = caller.principal
    announce_changes(uow, caller, outcome.changes, tenant=(principal.organization_id, principal.environment.value))


class Estimates(EstimatesHandlers):
    """Estimates over the use cases of :mod:`server_impl.services.estimates`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_estimates(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.EstimateStatus | None,
        customer_id: str | None,
        job_id: str | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.EstimateList:
        """List estimates newest first (``status`` as of now: stale ``sent`` ones are ``expired``)."""
        filters = EstimateFilter(status.value if status else None, customer_id, job_id, updated_since)
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_estimates(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.EstimateList(
            object="list",
            data=[estimate_dto(item) for item in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def create_estimate(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.EstimateCreate,
    ) -> models.Estimate:
        """Create a draft estimate (201, ``Location``, ``ETag``)."""
        caller = caller_of(context)
        fields = estimate_fields(body)

        def work(uow: UnitOfWork) -> StoredResponse:
            outcome = use_cases.create_estimate(uow, caller, fields)
            _announce(uow, caller, outcome)
            estimate = outcome.estimate
            headers = (("Location", f"{PATH}/{estimate.id}"), ("ETag", etag(estimate)))
            return stored(201, estimate_dto(estimate), headers)

        await write_once(context, self._uow, self._policy, work)

    async def get_estimate(
        self, context: RequestContext, *, estimate_id: str, x_organization_id: str
    ) -> models.Estimate:
        """Get an estimate as it is now, with its ``ETag``."""
        estimate = await read(self._uow, principal_of(context), lambda uow: use_cases.get_estimate(uow, estimate_id))
        context.response.headers["ETag"] = etag(estimate)
        return estimate_dto(estimate)

    async def update_estimate(
        self,
        context: RequestContext,
        *,
        estimate_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.EstimateUpdate,
    ) -> models.Estimate:
        """Update a draft; ``If-Match`` guards against lost updates (412)."""
        caller = caller_of(context)
        changes = estimate_fields(body)

        def precondition(current: Estimate) -> None:
            check_if_match(if_match, etag(current))

        def work(uow: UnitOfWork) -> Estimate:
            outcome = use_cases.update_estimate(uow, caller, estimate_id, changes, precondition=precondition)
            _announce(uow, caller, outcome)
            return outcome.estimate

        estimate = await write(self._uow, caller.principal, work)
        context.response.headers["ETag"] = etag(estimate)
        return estimate_dto(estimate)

    async def send_estimate(
        self,
        context: RequestContext,
        *,
        estimate_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.EstimateSend | None,
    ) -> models.Estimate:
        """Send or resend an estimate (``estimate.sent``)."""
        channel = body.channel.value if body is not None else "email"
        to = body.to if body is not None and isinstance(body.to, str) else None
        await self._act(
            context, lambda uow, caller: use_cases.send_estimate(uow, caller, estimate_id, channel=channel, to=to)
        )

    async def approve_estimate(
        self,
        context: RequestContext,
        *,
        estimate_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.EstimateApprove,
    ) -> models.Estimate:
        """Record the customer's approval of some options (``estimate.approved``)."""
        given = use_cases.ApprovalInput(
            option_ids=tuple(option.root for option in body.option_ids),
            approved_by=body.approved_by,
            signature_name=body.signature_name if isinstance(body.signature_name, str) else None,
            signature_file_id=body.signature_file_id if isinstance(body.signature_file_id, str) else None,
        )
        await self._act(context, lambda uow, caller: use_cases.approve_estimate(uow, caller, estimate_id, given))

    async def decline_estimate(
        self,
        context: RequestContext,
        *,
        estimate_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.EstimateDecline | None,
    ) -> models.Estimate:
        """Record that the customer declined every option (``estimate.declined``)."""
        reason = body.reason if body is not None and isinstance(body.reason, str) else None
        await self._act(context, lambda uow, caller: use_cases.decline_estimate(uow, caller, estimate_id, reason))

    async def revise_estimate(
        self, context: RequestContext, *, estimate_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Estimate:
        """Move a declined or expired estimate back to draft (``estimate.revised``)."""
        await self._act(context, lambda uow, caller: use_cases.revise_estimate(uow, caller, estimate_id))

    async def void_estimate(
        self, context: RequestContext, *, estimate_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Estimate:
        """Void an estimate (``estimate.voided``)."""
        await self._act(context, lambda uow, caller: use_cases.void_estimate(uow, caller, estimate_id))

    async def convert_estimate(
        self,
        context: RequestContext,
        *,
        estimate_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.EstimateConvert | None,
    ) -> models.EstimateConversion:
        """Convert an approved estimate into a job (and a draft invoice when asked; that needs ``write:invoices``)."""
        caller = caller_of(context)
        create_invoice = body is not None and body.create_invoice
        schedule = (
            schedule_window(body.schedule)
            if body is not None and isinstance(body.schedule, models.JobSchedule)
            else None
        )
        if create_invoice and caller.principal.missing_scopes(("write:invoices",)):
            detail = "Creating the invoice needs the write:invoices scope, which this credential lacks."
            raise ProblemError(403, "missing_scope", detail, extra={"required_scopes": list(_CONVERT_WITH_INVOICE)})

        def work(uow: UnitOfWork) -> StoredResponse:
            conversion = use_cases.convert_estimate(
                uow, caller, estimate_id, schedule=schedule, create_invoice=create_invoice
            )
            job = publish_created(uow, caller, conversion.job)
            invoice = None
            if conversion.invoice is not None:
                announce_invoice(uow, caller, InvoiceChange("invoice.created", None, conversion.invoice))
                invoice = invoice_dto(conversion.invoice)
            _announce(uow, caller, conversion.outcome)
            result = models.EstimateConversion.model_validate(
                {
                    "object": "estimate_conversion",
                    "estimate": estimate_dto(conversion.outcome.estimate),
                    "job": job,
                    "invoice": invoice,
                }
            )
            return stored(200, result)

        await write_once(context, self._uow, self._policy, work)

    async def _act(
        self, context: RequestContext, action: Callable[[UnitOfWork, CallContext], use_cases.Outcome]
    ) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> StoredResponse:
            outcome = action(uow, caller)
            _announce(uow, caller, outcome)
            estimate = outcome.estimate
            return stored(200, estimate_dto(estimate), (("ETag", etag(estimate)),))

        await write_once(context, self._uow, self._policy, work)


def expire_due_estimates(
    uow_factory: UnitOfWorkFactory, now: datetime.datetime | None = None, *, batch: int = 100
) -> int:
    """Persist and announce the expiry of every ``sent`` estimate past its ``valid_until`` (worker task).

    Each estimate expires in its own tenant's unit of work: the row, its audit event (actor
    ``system``) and its ``estimate.expired`` event (no request id) commit together. Several
    workers may run it at once: the versioned update lets one of them expire an estimate and the
    others skip it, so the event is announced once.

    Args:
        uow_factory: Opens units of work (a system one finds the due estimates across tenants).
        now: The current time (tests inject it; nothing sleeps).
        batch: How many estimates to look up at a time.

    Returns:
        How many estimates expired.
    """
    moment = now or utc_now()
    expired = 0
    while True:
        with uow_factory(None, read_only=True) as uow:
            due = list(uow.estimates.due_for_expiry(moment.date(), limit=batch))
        progress = 0
        for tenant, estimate_id in due:
            principal = Principal(tenant.organization_id, tenant.environment, ActorType.SYSTEM, None, frozenset())
            system = CallContext(principal, request_id="worker")
            try:
                with uow_factory(tenant) as uow:
                    outcome = use_cases.expire_estimate(uow, system, estimate_id, now=moment)
                    owner = (tenant.organization_id, tenant.environment.value)
                    announce_changes(uow, None, outcome.changes, tenant=owner)
                    uow.commit()
            except Conflict:  # another worker (or a request) wrote it first; it is no longer due
                continue
            progress += len(outcome.changes)
        expired += progress
        if len(due) < batch or progress == 0:
            return expired
