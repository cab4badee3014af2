"""``PaymentsHandlers``: record, settle, fail, cancel and refund payments."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NoReturn

from generated import models
from generated.server.payments import PaymentsHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.errors import FieldError, ValidationFailed
from server_impl.domain.payments import Payment, Refund
from server_impl.domain.principal import CallContext
from server_impl.handlers.common import caller_of, decode_cursor, page_cursor, principal_of, read, stored, write_once
from server_impl.handlers.invoices import announce_all
from server_impl.services import events
from server_impl.services import payments as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.payments import PaymentOutcome
from server_impl.services.ports import PaymentFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import etag_for

PATH = "/api/public/v1/payments"


def refund_dto(refund: Refund) -> models.Refund:
    """Map a refund to its contract representation."""
    return models.Refund.model_validate(
        {
            "id": refund.id,
            "object": "refund",
            "payment_id": refund.payment_id,
            "amount": refund.amount,
            "currency": refund.currency,
            "status": refund.status,
            "reason": refund.reason,
            "note": refund.note,
            "created_at": refund.created_at,
            "updated_at": refund.updated_at,
        }
    )


def payment_dto(payment: Payment) -> models.Payment:
    """Map a payment to its contract representation (refunds newest first)."""
    refunds = sorted(payment.refunds, key=lambda refund: refund.id, reverse=True)
    return models.Payment.model_validate(
        {
            "id": payment.id,
            "object": "payment",
            "status": payment.status,
            "customer_id": payment.customer_id,
            "amount": payment.amount,
            "currency": payment.currency,
            "method": payment.method,
            "applications": [
                {"invoice_id": application.invoice_id, "amount": application.amount}
                for application in payment.applications
            ],
            "unapplied_amount": payment.unapplied_amount,
            "amount_refunded": payment.amount_refunded,
            "refunds": [refund_dto(refund).model_dump(mode="json") for refund in refunds],
            "reference": payment.reference,
            "memo": payment.memo,
            "failure_reason": payment.failure_reason,
            "metadata": payment.metadata,
            "received_at": payment.received_at,
            "succeeded_at": payment.succeeded_at,
            "failed_at": payment.failed_at,
            "canceled_at": payment.canceled_at,
            "created_at": payment.created_at,
            "updated_at": payment.updated_at,
        }
    )


def announce_outcome(uow: UnitOfWork, caller: CallContext, outcome: PaymentOutcome) -> None:
    """Stage the events of a payment write: the payment's (a refund's is ``refund.created``), then each invoice's."""
    for change in outcome.changes:
        if change.event_type == "refund.created" and outcome.refund is not None:
            events.publish(uow, caller, change.event_type, refund_dto(outcome.refund).model_dump(mode="json"))
            continue
        previous = None if change.before is None else payment_dto(change.before).model_dump(mode="json")
        after = payment_dto(change.after).model_dump(mode="json")
        events.publish(uow, caller, change.event_type, after, previous=previous)
    announce_all(uow, caller, outcome.invoices)


def _etag(payment: Payment) -> str:
    return etag_for(payment.id, payment.version)


def _refund_etag(refund: Refund) -> str:
    return etag_for(refund.id, refund.updated_at.isoformat())  # a refund's own fields never change


class Payments(PaymentsHandlers):
    """Payments over the use cases of :mod:`server_impl.services.payments`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_payments(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.PaymentStatus | None,
        customer_id: str | None,
        invoice_id: str | None,
        method: models.PaymentMethod | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.PaymentList:
        """List payments newest first."""
        filters = PaymentFilter(
            status=status.value if status else None,
            customer_id=customer_id,
            invoice_id=invoice_id,
            method=method.value if method else None,
            updated_since=updated_since,
        )
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_payments(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.PaymentList(
            object="list",
            data=[payment_dto(item) for item in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def create_payment(
        self, context: RequestContext, *, x_organization_id: str, idempotency_key: str, body: models.PaymentCreate
    ) -> models.Payment:
        """Record a payment (201); ``Idempotency-Key`` is required by the contract."""
        caller = caller_of(context)
        fields = body.model_dump()
        fields["method"] = str(fields["method"])
        fields["applications"] = [(item["invoice_id"], item["amount"]) for item in fields.get("applications") or ()]
        if "received_at" in fields:
            try:
                fields["received_at"] = fields["received_at"].astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationFailed((FieldError("/received_at", "Not a representable UTC time."),)) from None
        if "metadata" in fields:
            fields["metadata"] = dict(fields["metadata"] or {})

        def work(uow: UnitOfWork) -> Any:
            outcome = use_cases.create_payment(uow, caller, fields)
            announce_outcome(uow, caller, outcome)
            payment = outcome.payment
            headers = (("Location", f"{PATH}/{payment.id}"), ("ETag", _etag(payment)))
            return stored(201, payment_dto(payment), headers)

        await write_once(context, self._uow, self._policy, work)

    async def get_payment(self, context: RequestContext, *, payment_id: str, x_organization_id: str) -> models.Payment:
        """Get a payment with its ``ETag``."""
        payment = await read(self._uow, principal_of(context), lambda uow: use_cases.get_payment(uow, payment_id))
        context.response.headers["ETag"] = _etag(payment)
        return payment_dto(payment)

    async def cancel_payment(
        self, context: RequestContext, *, payment_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Payment:
        """Cancel a pending payment."""
        caller = caller_of(context)
        await self._settle(context, lambda uow: use_cases.cancel_payment(uow, caller, payment_id))

    async def mark_payment_succeeded(
        self, context: RequestContext, *, payment_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Payment:
        """Settle a pending payment and apply it to its invoices."""
        caller = caller_of(context)
        await self._settle(context, lambda uow: use_cases.mark_succeeded(uow, caller, payment_id))

    async def mark_payment_failed(
        self,
        context: RequestContext,
        *,
        payment_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.PaymentMarkFailed,
    ) -> models.Payment:
        """Record that a pending payment failed."""
        caller = caller_of(context)
        reason = body.failure_reason
        await self._settle(context, lambda uow: use_cases.mark_failed(uow, caller, payment_id, reason))

    async def _settle(self, context: RequestContext, action: Callable[[UnitOfWork], PaymentOutcome]) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> Any:
            outcome = action(uow)
            announce_outcome(uow, caller, outcome)
            return stored(200, payment_dto(outcome.payment), (("ETag", _etag(outcome.payment)),))

        await write_once(context, self._uow, self._policy, work)

    async def list_payment_refunds(
        self, context: RequestContext, *, payment_id: str, limit: int, cursor: str | None, x_organization_id: str
    ) -> models.RefundList:
        """List a payment's refunds newest first."""
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_refunds(uow, payment_id, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.RefundList(
            object="list",
            data=[refund_dto(item) for item in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def create_payment_refund(
        self,
        context: RequestContext,
        *,
        payment_id: str,
        x_organization_id: str,
        idempotency_key: str,
        body: models.RefundCreate,
    ) -> models.Refund:
        """Refund all or part of a payment (201, ``Location``)."""
        caller = caller_of(context)
        sent = body.model_dump()
        amount, reason, note = sent.get("amount"), str(sent["reason"]), sent.get("note")

        def work(uow: UnitOfWork) -> Any:
            outcome = use_cases.refund_payment(uow, caller, payment_id, amount=amount, reason=reason, note=note)
            announce_outcome(uow, caller, outcome)
            refund = outcome.refund
            if refund is None:  # pragma: no cover - refund_payment always makes one
                raise RuntimeError("no refund made")
            location = f"{PATH}/{payment_id}/refunds/{refund.id}"
            return stored(201, refund_dto(refund), (("Location", location), ("ETag", _refund_etag(refund))))

        await write_once(context, self._uow, self._policy, work)

    async def get_payment_refund(
        self, context: RequestContext, *, payment_id: str, refund_id: str, x_organization_id: str
    ) -> models.Refund:
        """Get one refund of a payment with its ``ETag``."""
        refund = await read(
            self._uow, principal_of(context), lambda uow: use_cases.get_refund(uow, payment_id, refund_id)
        )
        context.response.headers["ETag"] = _refund_etag(refund)
        return refund_dto(refund)
