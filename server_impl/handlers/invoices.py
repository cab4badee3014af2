"""``InvoicesHandlers``: drafts, finalize, send, void, write-off and the accounting handoff."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from generated import models
from generated.server.invoices import InvoicesHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.clock import utc_now
from server_impl.domain.invoices import Invoice
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
from server_impl.handlers.line_items import line_inputs, line_item_dto
from server_impl.services import events
from server_impl.services import invoices as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.invoices import InvoiceChange
from server_impl.services.ports import InvoiceFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import check_if_match, etag_for

PATH = "/api/public/v1/invoices"


def _stamp(moment: datetime.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def accounting_sync_dto(invoice: Invoice) -> models.AccountingSync:
    """Map an invoice's handoff to its contract representation."""
    sync = invoice.accounting_sync
    return models.AccountingSync.model_validate(
        {
            "object": "accounting_sync",
            "invoice_id": invoice.id,
            "status": sync.status,
            "provider": sync.provider,
            "external_id": sync.external_id,
            "error": sync.error,
            "synced_at": _stamp(sync.synced_at),
            "updated_at": _stamp(sync.updated_at),
        }
    )


def invoice_dto(invoice: Invoice, today: datetime.date | None = None) -> models.Invoice:
    """Map a domain invoice to its contract representation (``overdue`` as of ``today``, UTC)."""
    sums = invoice.totals
    return models.Invoice.model_validate(
        {
            "id": invoice.id,
            "object": "invoice",
            "number": invoice.number,
            "status": invoice.status,
            "overdue": invoice.overdue(today or utc_now().date()),
            "partially_paid": invoice.partially_paid,
            "customer_id": invoice.customer_id,
            "job_id": invoice.job_id,
            "estimate_id": invoice.estimate_id,
            "currency": invoice.currency,
            "line_items": [line_item_dto(line) for line in invoice.line_items],
            "subtotal": sums.subtotal,
            "discount_amount": sums.discount,
            "tax_total": sums.tax,
            "total": sums.total,
            "amount_paid": invoice.amount_paid,
            "amount_due": invoice.amount_due,
            "terms": invoice.terms,
            "issue_date": invoice.issue_date,
            "due_date": invoice.due_date,
            "memo": invoice.memo,
            "accounting_sync": accounting_sync_dto(invoice).model_dump(mode="json"),
            "tags": list(invoice.tags),
            "metadata": invoice.metadata,
            "finalized_at": invoice.finalized_at,
            "sent_at": invoice.sent_at,
            "paid_at": invoice.paid_at,
            "voided_at": invoice.voided_at,
            "marked_uncollectible_at": invoice.marked_uncollectible_at,
            "created_at": invoice.created_at,
            "updated_at": invoice.updated_at,
        }
    )


def announce_invoice(uow: UnitOfWork, caller: CallContext, change: InvoiceChange) -> None:
    """Stage the outbox event of an invoice change (``invoice.created`` from another use case, ...).

    The estimate conversion calls ``services.invoices.create_invoice`` and then this with
    ``InvoiceChange("invoice.created", None, invoice)``.
    """
    previous = None if change.before is None else invoice_dto(change.before).model_dump(mode="json")
    events.publish(uow, caller, change.event_type, invoice_dto(change.after).model_dump(mode="json"), previous=previous)


def announce_all(uow: UnitOfWork, caller: CallContext, changes: Sequence[InvoiceChange]) -> None:
    """Stage the events of several invoice changes, in order."""
    for change in changes:
        announce_invoice(uow, caller, change)


def _etag(invoice: Invoice) -> str:
    return etag_for(invoice.id, invoice.version)


def _sync_etag(invoice: Invoice) -> str:
    return etag_for(invoice.id + "/accounting-sync", invoice.version)


def invoice_fields(body: models.InvoiceCreate | models.InvoiceUpdate) -> dict[str, Any]:
    """Map the fields a request sent to use-case values (absent fields stay absent)."""
    fields = body.model_dump()
    if "line_items" in fields:
        fields["line_items"] = line_inputs(getattr(body, "line_items", None))
    if "terms" in fields:
        fields["terms"] = str(fields["terms"])
    if "metadata" in fields:
        fields["metadata"] = dict(fields["metadata"] or {})
    return fields


class Invoices(InvoicesHandlers):
    """Invoices over the use cases of :mod:`server_impl.services.invoices`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_invoices(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.InvoiceStatus | None,
        customer_id: str | None,
        job_id: str | None,
        overdue: bool | None,
        accounting_sync_status: models.AccountingSyncStatus | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.InvoiceList:
        """List invoices newest first (a connector filters ``accounting_sync_status=pending``)."""
        today = utc_now().date()
        filters = InvoiceFilter(
            status=status.value if status else None,
            customer_id=customer_id,
            job_id=job_id,
            overdue=overdue,
            accounting_sync_status=accounting_sync_status.value if accounting_sync_status else None,
            updated_since=updated_since,
            today=today,
        )
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_invoices(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.InvoiceList(
            object="list",
            data=[invoice_dto(item, today) for item in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def create_invoice(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.InvoiceCreate,
    ) -> models.Invoice:
        """Create a draft invoice (201, ``Location``, ``ETag``); emits ``invoice.created``."""
        caller = caller_of(context)
        fields = invoice_fields(body)

        def work(uow: UnitOfWork) -> Any:
            invoice = use_cases.create_invoice(uow, caller, fields)
            announce_invoice(uow, caller, InvoiceChange("invoice.created", None, invoice))
            headers = (("Location", f"{PATH}/{invoice.id}"), ("ETag", _etag(invoice)))
            return stored(201, invoice_dto(invoice), headers)

        await write_once(context, self._uow, self._policy, work)

    async def get_invoice(self, context: RequestContext, *, invoice_id: str, x_organization_id: str) -> models.Invoice:
        """Get an invoice with its ``ETag``."""
        invoice = await read(self._uow, principal_of(context), lambda uow: use_cases.get_invoice(uow, invoice_id))
        context.response.headers["ETag"] = _etag(invoice)
        return invoice_dto(invoice)

    async def update_invoice(
        self,
        context: RequestContext,
        *,
        invoice_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.InvoiceUpdate,
    ) -> models.Invoice:
        """Update a draft; ``If-Match`` guards against lost updates (412); 409 once finalized."""
        caller = caller_of(context)
        changes = invoice_fields(body)

        def precondition(current: Invoice) -> None:
            check_if_match(if_match, _etag(current))

        def work(uow: UnitOfWork) -> Invoice:
            change = use_cases.update_invoice(uow, caller, invoice_id, changes, precondition=precondition)
            if change is None:
                return use_cases.get_invoice(uow, invoice_id)
            announce_invoice(uow, caller, change)
            return change.after

        invoice = await write(self._uow, principal_of(context), work)
        context.response.headers["ETag"] = _etag(invoice)
        return invoice_dto(invoice)

    async def finalize_invoice(
        self, context: RequestContext, *, invoice_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Invoice:
        """Finalize a draft: number, dates, locked totals (409 otherwise)."""
        caller = caller_of(context)
        await self._transition(context, lambda uow: use_cases.finalize_invoice(uow, caller, invoice_id))

    async def send_invoice(
        self,
        context: RequestContext,
        *,
        invoice_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.InvoiceSend | None,
    ) -> models.Invoice:
        """Send (or resend) a finalized invoice."""
        caller = caller_of(context)
        channel = str(body.channel) if body is not None else "email"
        to = body.model_dump().get("to") if body is not None else None
        await self._transition(
            context, lambda uow: use_cases.send_invoice(uow, caller, invoice_id, channel=channel, to=to)
        )

    async def void_invoice(
        self, context: RequestContext, *, invoice_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Invoice:
        """Void an invoice without net payments."""
        caller = caller_of(context)
        await self._transition(context, lambda uow: use_cases.void_invoice(uow, caller, invoice_id))

    async def mark_invoice_uncollectible(
        self, context: RequestContext, *, invoice_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Invoice:
        """Write an open invoice off."""
        caller = caller_of(context)
        await self._transition(context, lambda uow: use_cases.mark_uncollectible(uow, caller, invoice_id))

    async def _transition(
        self, context: RequestContext, action: Callable[[UnitOfWork], list[InvoiceChange]]
    ) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> Any:
            changes = action(uow)
            announce_all(uow, caller, changes)
            invoice = changes[-1].after
            return stored(200, invoice_dto(invoice), (("ETag", _etag(invoice)),))

        await write_once(context, self._uow, self._policy, work)

    async def get_invoice_accounting_sync(
        self, context: RequestContext, *, invoice_id: str, x_organization_id: str
    ) -> models.AccountingSync:
        """Get an invoice's accounting handoff with its ``ETag``."""
        invoice = await read(self._uow, principal_of(context), lambda uow: use_cases.get_invoice(uow, invoice_id))
        context.response.headers["ETag"] = _sync_etag(invoice)
        return accounting_sync_dto(invoice)

    async def update_invoice_accounting_sync(
        self,
        context: RequestContext,
        *,
        invoice_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.AccountingSyncUpdate,
    ) -> models.AccountingSync:
        """Report the outcome of an export (``synced``, ``failed``, ``pending`` or ``excluded``)."""
        caller = caller_of(context)
        changes = body.model_dump()
        if "status" in changes:
            changes["status"] = str(changes["status"])

        def precondition(current: Invoice) -> None:
            check_if_match(if_match, _sync_etag(current))

        def work(uow: UnitOfWork) -> Invoice:
            change = use_cases.report_accounting_sync(uow, caller, invoice_id, changes, precondition=precondition)
            if change is None:
                return use_cases.get_invoice(uow, invoice_id)
            announce_invoice(uow, caller, change)
            return change.after

        invoice = await write(self._uow, principal_of(context), work)
        context.response.headers["ETag"] = _sync_etag(invoice)
        return accounting_sync_dto(invoice)
