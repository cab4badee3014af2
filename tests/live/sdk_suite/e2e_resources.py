"""Every resource through the sync client: create, read, list, update and the actions."""

from __future__ import annotations

import datetime
import time

import pytest

import asteri
from asteri import models

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _window(days: int = 1) -> models.JobSchedule:
    start = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=days)
    return models.JobSchedule(
        window_start=start, window_end=start + datetime.timedelta(hours=2), timezone="America/Chicago"
    )


def test_customers(client: asteri.Asteri, unique) -> None:
    created = client.customers.create(
        models.CustomerCreate(display_name=unique("Dana"), tags=["vip"], notes="Gate code 4417.")
    )
    assert created.id.startswith("cus_")
    assert client.customers.get(created.id).display_name == created.display_name
    raw = client.customers.with_raw_response.get(created.id)
    updated = client.customers.update(created.id, models.CustomerUpdate(notes=None), if_match=raw.headers["etag"])
    assert updated.notes is None
    assert client.customers.archive(created.id).status == "archived"
    assert client.customers.restore(created.id).status == "active"
    assert created.id in [customer.id for customer in client.customers.list(tag="vip", limit=100)]
    activity = list(client.customers.list_activity(created.id))
    assert isinstance(activity, list)


def test_services(client: asteri.Asteri, new_service) -> None:
    service = new_service(client, price=9_900)
    assert service.id.startswith("svc_")
    assert client.services.update(service.id, models.ServiceUpdate(unit_price=10_900)).unit_price == 10_900
    assert client.services.archive(service.id).status == "archived"
    assert client.services.restore(service.id).status == "active"
    assert client.services.get(service.id).name == service.name


def test_jobs_lifecycle(client: asteri.Asteri, env, new_customer, new_service) -> None:
    customer = new_customer(client)
    service = new_service(client)
    job = client.jobs.create(
        models.JobCreate(
            customer_id=customer.id,
            summary="Replace the water heater",
            line_items=[models.LineItemInput(service_id=service.id, quantity=2)],
        )
    )
    assert job.status == "unscheduled"
    assert job.line_items[0].unit_price == service.unit_price
    assert client.jobs.schedule(job.id, _window()).status == "scheduled"
    assert client.jobs.schedule(job.id, _window(days=2)).status == "scheduled"
    assert client.jobs.unschedule(job.id).status == "unscheduled"
    client.jobs.schedule(job.id, _window())
    technician = env("ASTERI_E2E_TECHNICIAN_ID")
    assigned = client.jobs.assign_technicians(job.id, models.JobAssignTechnicians(technician_ids=[technician]))
    assert [item.root for item in assigned.assigned_technician_ids] == [technician]
    assert client.jobs.dispatch(job.id).status == "dispatched"
    assert client.jobs.start(job.id).status == "in_progress"
    assert client.jobs.hold(job.id, models.JobHold(reason="Waiting for a part")).status == "on_hold"
    assert client.jobs.resume(job.id).status == "in_progress"
    assert client.jobs.complete(job.id).status == "completed"
    assert client.jobs.reopen(job.id, models.JobReopen(reason="Leak came back")).status != "completed"
    other = client.jobs.create(models.JobCreate(customer_id=customer.id, summary="Second visit"))
    assert client.jobs.cancel(other.id, models.JobCancel(reason="Customer called off")).status == "canceled"
    assert {job.id, other.id} <= {item.id for item in client.jobs.list(customer_id=customer.id)}
    assert client.jobs.update(job.id, models.JobUpdate(summary="Water heater")).summary == "Water heater"


def test_estimates_and_conversion(client: asteri.Asteri, new_customer, new_service) -> None:
    customer = new_customer(client)
    service = new_service(client)
    estimate = client.estimates.create(
        models.EstimateCreate(
            customer_id=customer.id,
            title="Water heater",
            options=[
                models.EstimateOptionInput(name="Good", line_items=[models.LineItemInput(service_id=service.id)]),
                models.EstimateOptionInput(
                    name="Better",
                    is_recommended=True,
                    line_items=[models.LineItemInput(service_id=service.id, quantity=2)],
                ),
            ],
        )
    )
    assert estimate.status == "draft"
    assert client.estimates.update(estimate.id, models.EstimateUpdate(title="Heater")).title == "Heater"
    assert client.estimates.send(estimate.id).status == "sent"
    option = estimate.options[1]
    approved = client.estimates.approve(
        estimate.id, models.EstimateApprove(option_ids=[option.id], approved_by="Dana Whitfield")
    )
    assert approved.status == "approved"
    conversion = client.estimates.convert(estimate.id, body=models.EstimateConvert(create_invoice=True))
    assert conversion.estimate.status == "converted"
    assert conversion.job.customer_id == customer.id
    assert conversion.invoice is not None
    declined = client.estimates.create(
        models.EstimateCreate(
            customer_id=customer.id,
            title="Maybe",
            options=[models.EstimateOptionInput(name="Only", line_items=[models.LineItemInput(service_id=service.id)])],
        )
    )
    client.estimates.send(declined.id)
    assert client.estimates.decline(declined.id).status == "declined"
    assert client.estimates.revise(declined.id).status == "draft"
    voided = client.estimates.create(
        models.EstimateCreate(
            customer_id=customer.id,
            title="Void me",
            options=[models.EstimateOptionInput(name="Only", line_items=[models.LineItemInput(service_id=service.id)])],
        )
    )
    assert client.estimates.void(voided.id).status == "void"
    assert estimate.id in {item.id for item in client.estimates.list(customer_id=customer.id)}


def test_invoices_payments_refunds_and_the_accounting_handoff(
    client: asteri.Asteri, unique, new_customer, new_service
) -> None:
    customer = new_customer(client)
    service = new_service(client, price=10_000)
    invoice = client.invoices.create(
        models.InvoiceCreate(customer_id=customer.id, line_items=[models.LineItemInput(service_id=service.id)])
    )
    assert invoice.status == "draft"
    invoice = client.invoices.update(invoice.id, models.InvoiceUpdate(memo="Thank you"))
    invoice = client.invoices.finalize(invoice.id)
    assert invoice.status == "open"
    assert invoice.number
    assert client.invoices.send(invoice.id).status == "open"
    payment = client.payments.create(
        models.PaymentCreate(
            customer_id=customer.id,
            amount=invoice.total,
            currency="USD",
            method="check",
            applications=[models.PaymentApplicationInput(invoice_id=invoice.id, amount=invoice.total)],
        ),
        idempotency_key=unique("pay").replace(" ", "-"),
    )
    assert payment.status == "succeeded"
    assert client.invoices.get(invoice.id).status == "paid"
    refund = client.payments.refunds.create(
        payment.id,
        models.RefundCreate(amount=1_000, reason="requested_by_customer"),
        idempotency_key=unique("r").replace(" ", "-"),
    )
    assert client.payments.refunds.get(payment.id, refund.id).amount == 1_000
    assert [item.id for item in client.payments.refunds.list(payment.id)] == [refund.id]
    assert client.invoices.get(invoice.id).amount_due == 1_000
    assert payment.id in {item.id for item in client.payments.list(customer_id=customer.id)}
    sync = client.invoices.accounting_sync.update(invoice.id, models.AccountingSyncUpdate(status="pending"))
    assert sync.status == "pending"
    sync = client.invoices.accounting_sync.update(
        invoice.id, models.AccountingSyncUpdate(status="synced", provider="quickbooks", external_id="QB-1")
    )
    assert client.invoices.accounting_sync.get(invoice.id).status == "synced"
    pending = client.payments.create(
        models.PaymentCreate(customer_id=customer.id, amount=500, currency="USD", method="card"),
        idempotency_key=unique("card").replace(" ", "-"),
    )
    if pending.status == "pending":
        assert client.payments.mark_succeeded(pending.id).status == "succeeded"
    draft = client.invoices.create(
        models.InvoiceCreate(customer_id=customer.id, line_items=[models.LineItemInput(service_id=service.id)])
    )
    client.invoices.finalize(draft.id)
    assert client.invoices.mark_uncollectible(draft.id).status == "uncollectible"
    spare = client.invoices.create(
        models.InvoiceCreate(customer_id=customer.id, line_items=[models.LineItemInput(service_id=service.id)])
    )
    client.invoices.finalize(spare.id)
    assert client.invoices.void(spare.id).status == "void"


def test_api_keys(client: asteri.Asteri, env, unique) -> None:
    created = client.api_keys.create(
        models.ApiKeyCreate(name=unique("key"), scopes=["read:customers"], environment="live", expires_in_days=1)
    )
    assert created.secret.startswith("ast_live_")
    with asteri.Asteri(
        api_key=created.secret, organization_id=env("ASTERI_ORGANIZATION_ID"), base_url=env("ASTERI_BASE_URL")
    ) as scoped:
        assert isinstance(list(scoped.customers.list(limit=1)), list)
    rotated = client.api_keys.rotate(created.id, body=models.ApiKeyRotate(overlap_seconds=0))
    assert rotated.secret != created.secret
    assert client.api_keys.revoke(rotated.id).status == "revoked"
    assert created.id in {key.id for key in client.api_keys.list(limit=100)}
    assert client.api_keys.get(created.id).id == created.id


def test_events_and_audit_events(client: asteri.Asteri, new_customer) -> None:
    customer = new_customer(client)
    events = [event for event in client.events.list(type_="customer.*", limit=100) if event.type == "customer.created"]
    mine = [event for event in events if event.data.object["id"] == customer.id]
    assert len(mine) == 1
    assert client.events.get(mine[0].id).id == mine[0].id
    audit = list(client.audit_events.list(resource_id=customer.id))
    assert [entry.action for entry in audit] == ["customer.created"]
    assert client.audit_events.get(audit[0].id).resource_id == customer.id


def test_files(client: asteri.Asteri, new_customer) -> None:
    customer = new_customer(client)
    uploaded = client.files.upload(
        models.FileUpload(file=PNG, purpose="photo", customer_id=customer.id), filename="pixel.png"
    )
    assert uploaded.id.startswith("file_")
    deadline = time.monotonic() + 30
    current = uploaded
    while current.status in ("pending", "processing") and time.monotonic() < deadline:
        time.sleep(0.2)
        current = client.files.get(uploaded.id)
    assert current.status == "ready", current
    assert client.files.get_content(uploaded.id) == PNG
    assert uploaded.id in {item.id for item in client.files.list(attached_to=customer.id)}
    client.files.delete(uploaded.id)
    with pytest.raises(asteri.NotFoundError):
        client.files.get(uploaded.id)


def test_webhook_endpoints(client: asteri.Asteri) -> None:
    endpoint = client.webhook_endpoints.create(
        models.WebhookEndpointCreate(url="https://hooks.example.com/asteri", event_types=["invoice.*"])
    )
    assert endpoint.secret.startswith("whsec_")
    assert (
        client.webhook_endpoints.update(endpoint.id, models.WebhookEndpointUpdate(description="Accounting")).description
        == "Accounting"
    )
    assert client.webhook_endpoints.disable(endpoint.id).status == "disabled"
    assert client.webhook_endpoints.enable(endpoint.id).status == "enabled"
    rotated = client.webhook_endpoints.rotate_secret(endpoint.id)
    assert rotated.secret != endpoint.secret
    assert list(client.webhook_endpoints.deliveries.list(endpoint.id)) == []
    replay = client.webhook_endpoints.replay(
        endpoint.id, models.WebhookReplayCreate(since=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1))
    )
    assert replay is not None
    assert endpoint.id in {item.id for item in client.webhook_endpoints.list()}
    client.webhook_endpoints.delete(endpoint.id)
    with pytest.raises(asteri.NotFoundError):
        client.webhook_endpoints.get(endpoint.id)
