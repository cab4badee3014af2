"""Invoices through their real routes: drafts, totals, finalize, send, void, write-off, accounting handoff."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from server_impl.domain.clock import utc_now
from tests.server.billing import BASE, INVOICES, Billing, billing, idem
from tests.server.conftest import Harness


def _events(tenant: Billing, resource_id: str) -> list[dict[str, Any]]:
    response = tenant.client.get(f"{BASE}/events", headers=tenant.headers(), params={"limit": 100})
    assert response.status_code == 200, response.text
    return [event for event in response.json()["data"] if event["data"]["object"]["id"] == resource_id]


def _audit(tenant: Billing, resource_id: str) -> list[dict[str, Any]]:
    response = tenant.client.get(
        f"{BASE}/audit-events", headers=tenant.headers(), params={"resource_id": resource_id, "limit": 100}
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_a_draft_is_priced_by_the_server_and_editable_until_finalized(harness: Harness) -> None:
    tenant = billing(harness)
    created = tenant.post(
        INVOICES,
        {
            "customer_id": tenant.customer_id,
            "line_items": [
                {"service_id": tenant.service_id, "quantity": 2, "tax_rate_bps": 825},
                {"name": "Trip charge", "unit_price": 4999, "quantity": 1.5, "taxable": False},
            ],
            "discount_amount": 1000,
            "terms": "net_15",
            "tags": ["hvac", "hvac"],
        },
    )
    assert created.status_code == 201, created.text
    invoice = created.json()
    assert created.headers["location"] == f"{INVOICES}/{invoice['id']}"
    assert invoice["status"] == "draft"
    assert invoice["number"] is None
    assert invoice["tags"] == ["hvac"]
    assert invoice["line_items"][0]["name"] == "Tune-up", "name snapshotted from the catalog"
    # 2 x 12900 = 25800, tax 8.25% = 2128.5 -> 2129; 1.5 x 4999 = 7498.5 -> 7499 (half up), untaxed
    assert (invoice["subtotal"], invoice["tax_total"], invoice["discount_amount"]) == (33299, 2129, 1000)
    assert invoice["total"] == 33299 - 1000 + 2129
    assert (invoice["amount_paid"], invoice["amount_due"]) == (0, invoice["total"])
    assert invoice["accounting_sync"]["status"] == "not_synced"

    location = created.headers["location"]
    stale = created.headers["etag"]
    updated = tenant.client.patch(location, headers=tenant.headers(**{"If-Match": stale}), json={"memo": "Thanks"})
    assert updated.status_code == 200, updated.text
    assert updated.json()["memo"] == "Thanks"
    lost = tenant.client.patch(location, headers=tenant.headers(**{"If-Match": stale}), json={"memo": "Lost"})
    assert lost.status_code == 412
    repriced = tenant.client.patch(
        location, headers=tenant.headers(), json={"line_items": [{"name": "Flat fee", "unit_price": 5000}]}
    )
    assert repriced.json()["total"] == 5000 - 1000

    finalized = tenant.post(f"{location}/finalize")
    assert finalized.status_code == 200, finalized.text
    body = finalized.json()
    assert body["status"] == "open"
    assert body["number"].startswith("INV-")
    assert body["accounting_sync"]["status"] == "pending"
    issue = body["issue_date"]
    assert body["due_date"] > issue, "net_15 puts the due date 15 days after the issue date"
    after = tenant.client.patch(location, headers=tenant.headers(), json={"memo": "Too late"})
    assert after.status_code == 409
    assert after.json()["code"] == "invalid_state_transition"
    assert after.json()["current_status"] == "open"
    assert "send" in after.json()["allowed_actions"]


def test_numbers_are_sequential_per_tenant_and_environment(harness: Harness) -> None:
    first, second = billing(harness), billing(harness)
    numbers = [first.invoice()["number"], first.invoice()["number"], second.invoice()["number"]]
    assert numbers == ["INV-0001", "INV-0002", "INV-0001"]
    empty = first.invoice(finalize=False, line_items=[])
    refused = first.post(f"{INVOICES}/{empty['id']}/finalize")
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert first.invoice()["number"] == "INV-0003", "a refused finalize uses no number"


@pytest.mark.parametrize(
    ("action", "from_status", "code"),
    [
        ("send", "draft", "invalid_state_transition"),
        ("void", "draft", "invalid_state_transition"),
        ("mark-uncollectible", "draft", "invalid_state_transition"),
        ("finalize", "open", "invalid_state_transition"),
        ("mark-uncollectible", "paid", "invalid_state_transition"),
        ("void", "paid", "invalid_state_transition"),
        ("finalize", "void", "invalid_state_transition"),
        ("send", "void", "invalid_state_transition"),
        ("mark-uncollectible", "uncollectible", "invalid_state_transition"),
    ],
)
def test_invalid_transitions_are_409_with_the_current_status(
    harness: Harness, action: str, from_status: str, code: str
) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(finalize=from_status != "draft")
    path = f"{INVOICES}/{invoice['id']}"
    if from_status == "paid":
        assert tenant.pay([(invoice["id"], invoice["total"])]).status_code == 201
    elif from_status == "void":
        assert tenant.post(f"{path}/void").status_code == 200
    elif from_status == "uncollectible":
        assert tenant.post(f"{path}/mark-uncollectible").status_code == 200
    response = tenant.post(f"{path}/{action}")
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["code"] == code
    assert problem["current_status"] == from_status
    assert action.replace("-", "_") not in problem["allowed_actions"]
    assert tenant.get_invoice(invoice["id"])["status"] == from_status, "a refused action changes nothing"


def test_void_needs_no_net_payments_and_uncollectible_can_still_be_paid(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=10000)
    path = f"{INVOICES}/{invoice['id']}"
    payment = tenant.pay([(invoice["id"], 3000)]).json()
    refused = tenant.post(f"{path}/void")
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    assert "refund" in refused.json()["detail"]
    written_off = tenant.post(f"{path}/mark-uncollectible").json()
    assert written_off["status"] == "uncollectible"
    assert written_off["marked_uncollectible_at"] is not None
    paid = tenant.pay([(invoice["id"], 7000)])
    assert paid.status_code == 201, paid.text
    assert tenant.get_invoice(invoice["id"])["status"] == "paid"
    for pay_id in (payment["id"], paid.json()["id"]):
        refunded = tenant.post(f"{BASE}/payments/{pay_id}/refunds", {"reason": "duplicate"}, key=idem())
        assert refunded.status_code == 201, refunded.text
    reopened = tenant.get_invoice(invoice["id"])
    assert (reopened["status"], reopened["amount_paid"], reopened["amount_due"]) == ("open", 0, 10000)
    voided = tenant.post(f"{path}/void").json()
    assert (voided["status"], voided["amount_due"]) == ("void", 0)


def test_send_needs_an_address_and_records_sent_at(harness: Harness) -> None:
    tenant = billing(harness)
    silent = tenant.customer(emails=[], display_name="No email")
    invoice = tenant.invoice(customer_id=silent)
    path = f"{INVOICES}/{invoice['id']}/send"
    refused = tenant.post(path)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["/to"]
    assert [error["field"] for error in tenant.post(path, {"to": "not an address"}).json()["errors"]] == ["/to"]
    by_sms = tenant.post(path, {"channel": "sms", "to": "ap@example.com"})
    assert [error["field"] for error in by_sms.json()["errors"]] == ["/to"]
    assert tenant.post(path, {"channel": "sms", "to": "+15125550100"}).status_code == 200
    sent = tenant.post(path, {"to": "ap@example.com", "message": "May visit"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent_at"] is not None


def test_overdue_and_partially_paid_are_derived(harness: Harness) -> None:
    tenant = billing(harness)
    past = (utc_now() - timedelta(days=40)).date()
    late = tenant.invoice(unit_price=5000, terms="net_30", issue_date=past.isoformat())
    assert late["overdue"] is True
    assert late["partially_paid"] is False
    current = tenant.invoice(unit_price=5000, terms="net_30")
    assert current["overdue"] is False
    tenant.pay([(late["id"], 2000)])
    fetched = tenant.get_invoice(late["id"])
    assert (fetched["overdue"], fetched["partially_paid"], fetched["amount_due"]) == (True, True, 3000)
    listed = tenant.client.get(INVOICES, headers=tenant.headers(), params={"overdue": "true"}).json()
    assert [item["id"] for item in listed["data"]] == [late["id"]]
    not_overdue = tenant.client.get(INVOICES, headers=tenant.headers(), params={"overdue": "false"}).json()
    assert late["id"] not in {item["id"] for item in not_overdue["data"]}
    assert current["id"] in {item["id"] for item in not_overdue["data"]}


def test_custom_terms_need_a_due_date(harness: Harness) -> None:
    tenant = billing(harness)
    response = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "terms": "custom"})
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["/due_date"]
    due = (utc_now() + timedelta(days=3)).date().isoformat()
    invoice = tenant.invoice(terms="custom", due_date=due)
    assert invoice["due_date"] == due


def test_references_outside_the_tenant_are_422_naming_the_field(harness: Harness) -> None:
    tenant, other = billing(harness), billing(harness)
    foreign_customer = tenant.post(INVOICES, {"customer_id": other.customer_id})
    assert foreign_customer.status_code == 422
    assert [error["field"] for error in foreign_customer.json()["errors"]] == ["/customer_id"]
    foreign_service = tenant.post(
        INVOICES, {"customer_id": tenant.customer_id, "line_items": [{"service_id": other.service_id}]}
    )
    assert foreign_service.status_code == 422
    assert [error["field"] for error in foreign_service.json()["errors"]] == ["/line_items/0/service_id"]
    missing_job = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "job_id": "job_" + "0" * 26})
    assert missing_job.status_code == 422
    assert [error["field"] for error in missing_job.json()["errors"]] == ["/job_id"]
    missing_estimate = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "estimate_id": "est_" + "0" * 26})
    assert missing_estimate.status_code == 422
    assert [error["field"] for error in missing_estimate.json()["errors"]] == ["/estimate_id"]
    theirs = other.invoice()
    assert tenant.client.get(f"{INVOICES}/{theirs['id']}", headers=tenant.headers()).status_code == 404
    assert tenant.post(f"{INVOICES}/{theirs['id']}/void").status_code == 404
    assert other.get_invoice(theirs["id"])["status"] == "open"


def test_the_accounting_handoff_pending_synced_failed_each_audited_and_announced(harness: Harness) -> None:
    tenant = billing(harness)
    draft = tenant.invoice(finalize=False)
    sync_path = f"{INVOICES}/{draft['id']}/accounting-sync"
    too_early = tenant.client.patch(sync_path, headers=tenant.headers(), json={"status": "synced", "external_id": "1"})
    assert too_early.status_code == 409
    assert too_early.json()["code"] == "invalid_state_transition"
    invoice = tenant.post(f"{INVOICES}/{draft['id']}/finalize").json()
    assert invoice["accounting_sync"]["status"] == "pending"
    other = tenant.invoice()
    work = tenant.client.get(INVOICES, headers=tenant.headers(), params={"accounting_sync_status": "pending"}).json()
    assert {item["id"] for item in work["data"]} == {invoice["id"], other["id"]}

    no_id = tenant.client.patch(sync_path, headers=tenant.headers(), json={"status": "synced"})
    assert no_id.status_code == 422
    assert [error["field"] for error in no_id.json()["errors"]] == ["/external_id"]
    no_error = tenant.client.patch(sync_path, headers=tenant.headers(), json={"status": "failed"})
    assert [error["field"] for error in no_error.json()["errors"]] == ["/error"]

    failed = tenant.client.patch(
        sync_path, headers=tenant.headers(), json={"status": "failed", "provider": "xero", "error": "Customer missing"}
    )
    assert failed.status_code == 200, failed.text
    assert (failed.json()["status"], failed.json()["error"]) == ("failed", "Customer missing")
    retry = tenant.client.patch(sync_path, headers=tenant.headers(), json={"status": "pending"})
    assert retry.json()["status"] == "pending"
    etag = tenant.client.get(sync_path, headers=tenant.headers()).headers["etag"]
    synced = tenant.client.patch(
        sync_path, headers=tenant.headers(**{"If-Match": etag}), json={"status": "synced", "external_id": "1874"}
    )
    assert synced.status_code == 200, synced.text
    handoff = synced.json()
    assert (handoff["status"], handoff["provider"], handoff["external_id"]) == ("synced", "xero", "1874")
    assert handoff["error"] is None
    assert handoff["synced_at"] is not None
    stale = tenant.client.patch(sync_path, headers=tenant.headers(**{"If-Match": etag}), json={"status": "pending"})
    assert stale.status_code == 412
    remaining = tenant.client.get(INVOICES, headers=tenant.headers(), params={"accounting_sync_status": "pending"})
    assert [item["id"] for item in remaining.json()["data"]] == [other["id"]]

    types = Counter(event["type"] for event in _events(tenant, invoice["id"]))
    assert types == Counter(
        {
            "invoice.created": 1,
            "invoice.finalized": 1,
            "invoice.accounting_sync_failed": 1,
            "invoice.updated": 1,  # back to pending
            "invoice.accounting_synced": 1,
        }
    )
    synced_event = next(e for e in _events(tenant, invoice["id"]) if e["type"] == "invoice.accounting_synced")
    assert synced_event["data"]["previous_attributes"]["accounting_sync"]["status"] == "pending"
    actions = Counter(event["action"] for event in _audit(tenant, invoice["id"]))
    assert actions == types, "one audit event per announced change"


def test_every_invoice_write_is_announced_once_and_audited_once(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(finalize=False)
    path = f"{INVOICES}/{invoice['id']}"
    tenant.client.patch(path, headers=tenant.headers(), json={"memo": "m"})
    tenant.post(f"{path}/finalize")
    tenant.post(f"{path}/send")
    tenant.post(f"{path}/mark-uncollectible")
    tenant.post(f"{path}/void")
    types = [event["type"] for event in _events(tenant, invoice["id"])]
    assert Counter(types) == Counter(
        [
            "invoice.created",
            "invoice.updated",
            "invoice.finalized",
            "invoice.sent",
            "invoice.marked_uncollectible",
            "invoice.voided",
        ]
    )
    assert Counter(event["action"] for event in _audit(tenant, invoice["id"])) == Counter(types)
    voided = next(e for e in _events(tenant, invoice["id"]) if e["type"] == "invoice.voided")
    assert voided["data"]["object"]["status"] == "void"
    assert voided["data"]["previous_attributes"]["status"] == "uncollectible"


def test_an_idempotent_finalize_replays_without_a_second_number(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(finalize=False)
    key = idem()
    first = tenant.post(f"{INVOICES}/{invoice['id']}/finalize", key=key)
    again = tenant.post(f"{INVOICES}/{invoice['id']}/finalize", key=key)
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["number"] == first.json()["number"]
    assert tenant.invoice()["number"] == "INV-0002"


def test_list_filters_and_pages(harness: Harness) -> None:
    tenant = billing(harness)
    other_customer = tenant.customer(display_name="Other")
    drafts = [tenant.invoice(finalize=False) for _ in range(3)]
    mine = tenant.invoice(customer_id=other_customer)
    first = tenant.client.get(INVOICES, headers=tenant.headers(), params={"limit": 2}).json()
    assert first["has_more"] is True
    second = tenant.client.get(
        INVOICES, headers=tenant.headers(), params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    listed = [item["id"] for item in first["data"] + second["data"]]
    assert listed == [mine["id"], *[draft["id"] for draft in reversed(drafts)]]
    by_status = tenant.client.get(INVOICES, headers=tenant.headers(), params={"status": "draft"}).json()
    assert {item["id"] for item in by_status["data"]} == {draft["id"] for draft in drafts}
    by_customer = tenant.client.get(INVOICES, headers=tenant.headers(), params={"customer_id": other_customer})
    assert [item["id"] for item in by_customer.json()["data"]] == [mine["id"]]


def test_an_invoice_from_a_job_copies_its_lines_and_links_back(harness: Harness) -> None:
    tenant = billing(harness)
    job = tenant.post(
        f"{BASE}/jobs",
        {
            "customer_id": tenant.customer_id,
            "summary": "No cooling",
            "line_items": [
                {"service_id": tenant.service_id, "tax_rate_bps": 825},
                {"name": "Part", "unit_price": 2500},
            ],
        },
    )
    assert job.status_code == 201, job.text
    created = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "job_id": job.json()["id"]})
    assert created.status_code == 201, created.text
    invoice = created.json()
    assert invoice["job_id"] == job.json()["id"]
    assert [line["name"] for line in invoice["line_items"]] == ["Tune-up", "Part"]
    assert {line["id"] for line in invoice["line_items"]}.isdisjoint({line["id"] for line in job.json()["line_items"]})
    assert invoice["total"] == job.json()["total"]
    linked = tenant.client.get(f"{BASE}/jobs/{job.json()['id']}", headers=tenant.headers()).json()
    assert linked["invoice_ids"] == [invoice["id"]]
    other = tenant.customer(display_name="Someone else")
    wrong = tenant.post(INVOICES, {"customer_id": other, "job_id": job.json()["id"]})
    assert wrong.status_code == 422
    assert [error["field"] for error in wrong.json()["errors"]] == ["/job_id"]


def test_an_invoice_from_an_approved_estimate_copies_the_approved_options(harness: Harness) -> None:
    tenant = billing(harness)
    estimate = tenant.post(
        f"{BASE}/estimates",
        {
            "customer_id": tenant.customer_id,
            "title": "Heater",
            "options": [
                {"name": "Good", "line_items": [{"name": "Small", "unit_price": 1000}]},
                {
                    "name": "Better",
                    "line_items": [{"service_id": tenant.service_id}, {"name": "Haul", "unit_price": 700}],
                },
            ],
        },
    )
    assert estimate.status_code == 201, estimate.text
    path = f"{BASE}/estimates/{estimate.json()['id']}"
    assert tenant.post(f"{path}/send").status_code == 200
    better = estimate.json()["options"][1]["id"]
    approved = tenant.post(f"{path}/approve", {"option_ids": [better], "approved_by": "Dana"})
    assert approved.status_code == 200, approved.text
    created = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "estimate_id": estimate.json()["id"]})
    assert created.status_code == 201, created.text
    assert [line["name"] for line in created.json()["line_items"]] == ["Tune-up", "Haul"]
    assert created.json()["total"] == 12900 + 700
    someone = tenant.customer(display_name="Someone")
    wrong = tenant.post(INVOICES, {"customer_id": someone, "estimate_id": estimate.json()["id"]})
    assert [error["field"] for error in wrong.json()["errors"]] == ["/estimate_id"]


def test_a_total_beyond_what_an_invoice_holds_is_422(harness: Harness) -> None:
    tenant = billing(harness)
    line = {"name": "Gold", "unit_price": 100_000_000_000, "quantity": 1_000_000}
    response = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "line_items": [line] * 3})
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["/line_items"]


def test_dates_beyond_the_calendar_are_422_not_500(harness: Harness) -> None:
    tenant = billing(harness)
    late = tenant.post(INVOICES, {"customer_id": tenant.customer_id, "issue_date": "9999-12-31", "terms": "net_60"})
    assert late.status_code == 422, late.text
    assert [error["field"] for error in late.json()["errors"]] == ["/issue_date"]
    invoice = tenant.invoice()
    ancient = tenant.pay([(invoice["id"], 100)], received_at="0001-01-01T00:00:00+05:00")
    assert ancient.status_code == 422, ancient.text
    assert [error["field"] for error in ancient.json()["errors"]] == ["/received_at"]
