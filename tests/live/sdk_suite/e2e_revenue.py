"""The revenue path end to end through the SDK, and the events it records, one per transition.

customer -> service -> estimate with two options -> approve one -> convert to a job (and a draft
invoice) -> schedule -> assign -> dispatch -> start -> complete -> finalize the invoice -> partial
payment -> payment of the rest -> partial refund -> accounting handoff (pending, then synced).
"""

from __future__ import annotations

import datetime
from collections import defaultdict

import asteri
from asteri import models


def _events_by_object(client: asteri.Asteri, since: datetime.datetime) -> dict[str, list[str]]:
    """Every event since ``since``, oldest first, grouped by the id of the object it carries."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for event in reversed(list(client.events.list(since=since, limit=100))):
        grouped[str(event.data.object["id"])].append(event.type)
    return grouped


def test_the_revenue_path(client: asteri.Asteri, env, unique, new_customer) -> None:
    since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=1)
    customer = new_customer(client)
    service = client.services.create(
        models.ServiceCreate(name=unique("Water heater install"), unit_price=150_000, currency="USD", taxable=False)
    )
    estimate = client.estimates.create(
        models.EstimateCreate(
            customer_id=customer.id,
            title="Water heater",
            options=[
                models.EstimateOptionInput(name="Repair", line_items=[models.LineItemInput(service_id=service.id)]),
                models.EstimateOptionInput(
                    name="Replace",
                    is_recommended=True,
                    line_items=[models.LineItemInput(service_id=service.id, quantity=2)],
                ),
            ],
        )
    )
    chosen = estimate.options[1]
    assert chosen.total == 300_000
    client.estimates.send(estimate.id)
    approved = client.estimates.approve(
        estimate.id, models.EstimateApprove(option_ids=[chosen.id], approved_by="Dana Whitfield")
    )
    assert approved.status == "approved"
    conversion = client.estimates.convert(estimate.id, body=models.EstimateConvert(create_invoice=True))
    job, invoice = conversion.job, conversion.invoice
    assert conversion.estimate.status == "converted"
    assert invoice is not None
    assert job.customer_id == customer.id
    assert [item.name for item in job.line_items] == [service.name]

    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=1)
    schedule = models.JobSchedule(window_start=start, window_end=start + datetime.timedelta(hours=3), timezone="UTC")
    client.jobs.schedule(job.id, schedule)
    technician = env("ASTERI_E2E_TECHNICIAN_ID")
    client.jobs.assign_technicians(job.id, models.JobAssignTechnicians(technician_ids=[technician]))
    client.jobs.dispatch(job.id)
    client.jobs.start(job.id)
    assert client.jobs.complete(job.id).status == "completed"

    invoice = client.invoices.finalize(invoice.id)
    assert (invoice.status, invoice.total, invoice.amount_due) == ("open", 300_000, 300_000)
    first = client.payments.create(
        models.PaymentCreate(
            customer_id=customer.id,
            amount=100_000,
            currency="USD",
            method="check",
            applications=[models.PaymentApplicationInput(invoice_id=invoice.id, amount=100_000)],
        ),
        idempotency_key=unique("deposit").replace(" ", "-"),
    )
    invoice = client.invoices.get(invoice.id)
    assert (invoice.status, invoice.partially_paid, invoice.amount_due) == ("open", True, 200_000)
    second = client.payments.create(
        models.PaymentCreate(
            customer_id=customer.id,
            amount=200_000,
            currency="USD",
            method="card",
            applications=[models.PaymentApplicationInput(invoice_id=invoice.id, amount=200_000)],
        ),
        idempotency_key=unique("balance").replace(" ", "-"),
    )
    if second.status == "pending":
        second = client.payments.mark_succeeded(second.id)
    invoice = client.invoices.get(invoice.id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("paid", 300_000, 0)
    refund = client.payments.refunds.create(
        second.id,
        models.RefundCreate(amount=50_000, reason="requested_by_customer"),
        idempotency_key=unique("refund").replace(" ", "-"),
    )
    assert client.payments.get(second.id).status == "partially_refunded"
    invoice = client.invoices.get(invoice.id)
    assert (invoice.status, invoice.amount_paid, invoice.amount_due) == ("open", 250_000, 50_000)
    client.invoices.accounting_sync.update(invoice.id, models.AccountingSyncUpdate(status="pending"))
    synced = client.invoices.accounting_sync.update(
        invoice.id, models.AccountingSyncUpdate(status="synced", provider="quickbooks", external_id="QB-1042")
    )
    assert synced.status == "synced"

    recorded = _events_by_object(client, since)
    assert recorded[customer.id] == ["customer.created"]
    assert recorded[service.id] == ["service.created"]
    assert recorded[estimate.id] == ["estimate.created", "estimate.sent", "estimate.approved", "estimate.converted"]
    assert recorded[job.id] == [
        "job.created",
        "job.scheduled",
        "job.technicians_changed",
        "job.dispatched",
        "job.started",
        "job.completed",
    ]
    # Offline and card payments recorded as collected: created, then succeeded, in that order.
    assert recorded[first.id] == ["payment.created", "payment.succeeded"]
    assert recorded[second.id] == ["payment.created", "payment.succeeded"]
    assert recorded[refund.id] == ["refund.created"]
    assert recorded[invoice.id] == [
        "invoice.created",  # the draft made by the conversion
        "invoice.finalized",
        "invoice.updated",  # partly paid
        "invoice.paid",
        "invoice.updated",  # the refund reopened it
        "invoice.accounting_synced",  # marking it pending is audited, not announced
    ]
