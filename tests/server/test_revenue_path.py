"""The whole revenue path through the SDK, in one test, and the events it leaves in the outbox.

Customer, service, an estimate with two options, one approved, converted into a job and a draft
invoice; the job scheduled, dispatched, started and completed; the invoice finalized, paid in part
then in full, refunded in part, and synced to accounting. The SDK runs against the in-process app
(the test client is an ``httpx.Client``), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

import asteri
from asteri import models
from server_impl.domain.scopes import Role
from server_impl.services import identity
from tests.server.conftest import Harness


class _InProcess(httpx.BaseTransport):
    """Hands the SDK's requests to the app through the test client (which speaks another httpx)."""

    def __init__(self, client: TestClient) -> None:
        self._client = client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method, str(request.url), headers=dict(request.headers), content=request.read()
        )
        return httpx.Response(answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content)


@pytest.fixture
def sdk(harness: Harness) -> Iterator[tuple[asteri.Asteri, str]]:
    org = harness.organization("Revenue Co")
    _, secret = harness.key(org)
    technician = identity.create_user(harness.context.uow_factory, "tech@example.com", "Terry Tech")
    identity.add_member(harness.context.uow_factory, org, technician.id, Role.MEMBER)
    transport = _InProcess(harness.client)
    with asteri.Asteri(secret, organization_id=org, base_url="http://testserver", transport=transport) as client:
        yield client, technician.id


def _types(client: asteri.Asteri, object_id: str) -> Counter[str]:
    return Counter(event.type for event in client.events.list(limit=100) if event.data.object["id"] == object_id)


def test_the_revenue_path_end_to_end(sdk: tuple[asteri.Asteri, str]) -> None:
    client, technician = sdk
    customer = client.customers.create(
        models.CustomerCreate(
            display_name="Dana Whitfield", emails=[models.EmailAddressInput(address="dana@example.com")]
        )
    )
    service = client.services.create(models.ServiceCreate(name="Water heater", unit_price=120_000, currency="USD"))
    estimate = client.estimates.create(
        models.EstimateCreate(
            customer_id=customer.id,
            title="Water heater",
            options=[
                models.EstimateOptionInput(name="Good", line_items=[models.LineItemInput(service_id=service.id)]),
                models.EstimateOptionInput(
                    name="Better",
                    is_recommended=True,
                    line_items=[
                        models.LineItemInput(service_id=service.id, tax_rate_bps=825),
                        models.LineItemInput(name="Haul away", unit_price=5_000),
                    ],
                ),
            ],
        )
    )
    client.estimates.send(estimate.id)
    better = estimate.options[1]
    client.estimates.approve(estimate.id, models.EstimateApprove(option_ids=[better.id], approved_by="Dana Whitfield"))
    conversion = client.estimates.convert(estimate.id, body=models.EstimateConvert(create_invoice=True))
    job, draft = conversion.job, conversion.invoice
    assert draft is not None
    assert (draft.status, draft.job_id, draft.estimate_id) == ("draft", job.id, estimate.id)
    assert draft.total == better.total == 120_000 + 9_900 + 5_000

    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=1)
    window = models.JobSchedule(window_start=start, window_end=start + datetime.timedelta(hours=2), timezone="UTC")
    client.jobs.schedule(job.id, window)
    client.jobs.assign_technicians(job.id, models.JobAssignTechnicians(technician_ids=[technician]))
    client.jobs.dispatch(job.id)
    client.jobs.start(job.id)
    assert client.jobs.complete(job.id).status == "completed"

    invoice = client.invoices.finalize(draft.id)
    assert (invoice.status, invoice.number, invoice.amount_due) == ("open", "INV-0001", draft.total)
    partial = client.payments.create(
        models.PaymentCreate(
            customer_id=customer.id,
            amount=50_000,
            currency="USD",
            method="check",
            reference="4471",
            applications=[models.PaymentApplicationInput(invoice_id=invoice.id, amount=50_000)],
        ),
        idempotency_key="revenue-partial",
    )
    after_partial = client.invoices.get(invoice.id)
    assert (after_partial.status, after_partial.partially_paid, after_partial.amount_due) == (
        "open",
        True,
        draft.total - 50_000,
    )
    rest = draft.total - 50_000
    full = client.payments.create(
        models.PaymentCreate(
            customer_id=customer.id,
            amount=rest,
            currency="USD",
            method="card",
            applications=[models.PaymentApplicationInput(invoice_id=invoice.id, amount=rest)],
        ),
        idempotency_key="revenue-full",
    )
    assert full.status == "pending"
    assert client.payments.mark_succeeded(full.id).status == "succeeded"
    assert client.invoices.get(invoice.id).status == "paid"
    refund = client.payments.refunds.create(
        full.id, models.RefundCreate(amount=5_000, reason="service_issue"), idempotency_key="revenue-refund"
    )
    reopened = client.invoices.get(invoice.id)
    assert (reopened.status, reopened.amount_paid, reopened.amount_due) == ("open", draft.total - 5_000, 5_000)
    pending = [item.id for item in client.invoices.list(accounting_sync_status=models.AccountingSyncStatus.PENDING)]
    assert pending == [invoice.id]
    synced = client.invoices.accounting_sync.update(
        invoice.id, models.AccountingSyncUpdate(status="synced", provider="quickbooks_online", external_id="1874")
    )
    assert (synced.status, synced.external_id) == ("synced", "1874")

    assert _types(client, estimate.id) == Counter(
        ["estimate.created", "estimate.sent", "estimate.approved", "estimate.converted"]
    )
    job_types = _types(client, job.id)
    assert job_types["job.created"] == 1
    for event_type in ("job.scheduled", "job.technicians_changed", "job.dispatched", "job.started", "job.completed"):
        assert job_types[event_type] == 1, (event_type, job_types)
    assert _types(client, invoice.id) == Counter(
        {
            "invoice.created": 1,
            "invoice.finalized": 1,
            "invoice.updated": 2,  # the partial payment, then the refund that reopened it
            "invoice.paid": 1,
            "invoice.accounting_synced": 1,
        }
    )
    assert _types(client, partial.id) == Counter(["payment.created", "payment.succeeded"])
    assert _types(client, full.id) == Counter(["payment.created", "payment.succeeded"])
    assert _types(client, refund.id) == Counter(["refund.created"])
