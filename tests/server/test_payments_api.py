"""Payments through their real routes: applications, settlement, refunds, and the money invariants."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.server.billing import BASE, PAYMENTS, Billing, billing, idem
from tests.server.conftest import Harness


def _fields(response: Any) -> list[str]:
    assert response.status_code == 422, response.text
    return [error["field"] for error in response.json()["errors"]]


def _balance(tenant: Billing, invoice_id: str) -> tuple[str, int, int]:
    invoice = tenant.get_invoice(invoice_id)
    assert invoice["amount_paid"] + invoice["amount_due"] == invoice["total"] or invoice["status"] == "void"
    return invoice["status"], invoice["amount_paid"], invoice["amount_due"]


def test_idempotency_key_is_required_on_payments_and_refunds(harness: Harness) -> None:
    tenant = billing(harness)
    body = {"customer_id": tenant.customer_id, "amount": 100, "currency": "USD", "method": "cash"}
    missing = tenant.post(PAYMENTS, body)
    assert missing.status_code == 422
    assert missing.json()["code"] == "validation_failed"
    assert "Idempotency-Key" in missing.text
    payment = tenant.post(PAYMENTS, body, key=idem())
    assert payment.status_code == 201, payment.text
    assert payment.headers["location"] == f"{PAYMENTS}/{payment.json()['id']}"
    refund = tenant.post(f"{PAYMENTS}/{payment.json()['id']}/refunds", {"reason": "duplicate"})
    assert refund.status_code == 422
    assert "Idempotency-Key" in refund.text
    listed = tenant.client.get(PAYMENTS, headers=tenant.headers()).json()["data"]
    assert [item["id"] for item in listed] == [payment.json()["id"]], "the refused requests wrote nothing"


def test_a_retried_payment_is_recorded_once(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=5000)
    body = {
        "customer_id": tenant.customer_id,
        "amount": 5000,
        "currency": "USD",
        "method": "check",
        "applications": [{"invoice_id": invoice["id"], "amount": 5000}],
    }
    key = idem()
    first = tenant.post(PAYMENTS, body, key=key)
    second = tenant.post(PAYMENTS, body, key=key)
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert _balance(tenant, invoice["id"]) == ("paid", 5000, 0)
    reused = tenant.post(PAYMENTS, {**body, "amount": 4000}, key=key)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


def test_one_payment_over_several_invoices_with_credit_left(harness: Harness) -> None:
    tenant = billing(harness)
    first, second = tenant.invoice(unit_price=3000), tenant.invoice(unit_price=5000)
    response = tenant.pay([(first["id"], 3000), (second["id"], 2000)], amount=6000, reference="4471")
    assert response.status_code == 201, response.text
    payment = response.json()
    assert (payment["status"], payment["unapplied_amount"], payment["amount_refunded"]) == ("succeeded", 1000, 0)
    assert payment["succeeded_at"] is not None
    assert _balance(tenant, first["id"]) == ("paid", 3000, 0)
    assert _balance(tenant, second["id"]) == ("open", 2000, 3000)
    assert tenant.get_invoice(second["id"])["partially_paid"] is True
    by_invoice = tenant.client.get(PAYMENTS, headers=tenant.headers(), params={"invoice_id": second["id"]}).json()
    assert [item["id"] for item in by_invoice["data"]] == [payment["id"]]

    # Refunds take the unapplied credit first, then the newest invoice first.
    credit = tenant.post(f"{PAYMENTS}/{payment['id']}/refunds", {"amount": 1000, "reason": "other"}, key=idem())
    assert credit.status_code == 201, credit.text
    assert _balance(tenant, second["id"]) == ("open", 2000, 3000)
    assert _balance(tenant, first["id"]) == ("paid", 3000, 0)
    newest = tenant.post(f"{PAYMENTS}/{payment['id']}/refunds", {"amount": 2500, "reason": "other"}, key=idem())
    assert newest.status_code == 201, newest.text
    assert _balance(tenant, second["id"]) == ("open", 0, 5000)
    assert _balance(tenant, first["id"]) == ("open", 2500, 500), "the rest came off the older invoice: reopened"
    after = tenant.client.get(f"{PAYMENTS}/{payment['id']}", headers=tenant.headers()).json()
    assert (after["status"], after["amount_refunded"]) == ("partially_refunded", 3500)
    assert [refund["id"] for refund in after["refunds"]] == [newest.json()["id"], credit.json()["id"]]


def test_refunds_never_exceed_what_was_paid(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=8000)
    payment = tenant.pay([(invoice["id"], 8000)]).json()
    refunds = f"{PAYMENTS}/{payment['id']}/refunds"
    assert _fields(tenant.post(refunds, {"amount": 8001, "reason": "duplicate"}, key=idem())) == ["/amount"]
    part = tenant.post(refunds, {"amount": 3000, "reason": "service_issue", "note": "Late"}, key=idem())
    assert part.status_code == 201, part.text
    assert part.headers["location"] == f"{refunds}/{part.json()['id']}"
    assert _balance(tenant, invoice["id"]) == ("open", 5000, 3000)
    assert _fields(tenant.post(refunds, {"amount": 5001, "reason": "duplicate"}, key=idem())) == ["/amount"]
    rest = tenant.post(refunds, {"reason": "duplicate"}, key=idem())
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount"] == 5000, "the default refunds what is left"
    assert _balance(tenant, invoice["id"]) == ("open", 0, 8000)
    done = tenant.client.get(f"{PAYMENTS}/{payment['id']}", headers=tenant.headers()).json()
    assert (done["status"], done["amount_refunded"]) == ("refunded", 8000)
    again = tenant.post(refunds, {"amount": 1, "reason": "duplicate"}, key=idem())
    assert again.status_code == 409
    assert (again.json()["code"], again.json()["current_status"]) == ("invalid_state_transition", "refunded")
    listed = tenant.client.get(refunds, headers=tenant.headers()).json()
    assert [item["id"] for item in listed["data"]] == [rest.json()["id"], part.json()["id"]]
    one = tenant.client.get(f"{refunds}/{part.json()['id']}", headers=tenant.headers()).json()
    assert (one["amount"], one["reason"], one["note"], one["status"]) == (3000, "service_issue", "Late", "succeeded")
    assert tenant.client.get(f"{refunds}/re_{'0' * 26}", headers=tenant.headers()).status_code == 404


def test_pending_card_payments_apply_only_when_they_succeed(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=9000)
    card = tenant.pay([(invoice["id"], 9000)], method="card").json()
    assert card["status"] == "pending"
    assert _balance(tenant, invoice["id"]) == ("open", 0, 9000)
    refund = tenant.post(f"{PAYMENTS}/{card['id']}/refunds", {"reason": "duplicate"}, key=idem())
    assert refund.status_code == 409
    assert refund.json()["current_status"] == "pending"
    settled = tenant.post(f"{PAYMENTS}/{card['id']}/mark-succeeded")
    assert settled.status_code == 200, settled.text
    assert settled.json()["status"] == "succeeded"
    assert _balance(tenant, invoice["id"]) == ("paid", 9000, 0)
    twice = tenant.post(f"{PAYMENTS}/{card['id']}/mark-succeeded")
    assert (twice.status_code, twice.json()["current_status"]) == (409, "succeeded")

    other = tenant.invoice(unit_price=1000)
    ach = tenant.pay([(other["id"], 1000)], method="ach").json()
    failed = tenant.post(f"{PAYMENTS}/{ach['id']}/mark-failed", {"failure_reason": "R01 insufficient funds"})
    assert (failed.json()["status"], failed.json()["failure_reason"]) == ("failed", "R01 insufficient funds")
    financing = tenant.pay([(other["id"], 1000)], method="financing").json()
    canceled = tenant.post(f"{PAYMENTS}/{financing['id']}/cancel")
    assert (canceled.json()["status"], canceled.json()["canceled_at"] is not None) == ("canceled", True)
    assert _balance(tenant, other["id"]) == ("open", 0, 1000)
    assert tenant.post(f"{PAYMENTS}/{ach['id']}/cancel").json()["code"] == "invalid_state_transition"


def test_a_pending_payment_that_would_overpay_cannot_succeed(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=4000)
    card = tenant.pay([(invoice["id"], 4000)], method="card").json()
    assert tenant.pay([(invoice["id"], 3000)]).status_code == 201
    refused = tenant.post(f"{PAYMENTS}/{card['id']}/mark-succeeded")
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "conflict"
    assert invoice["id"] in refused.json()["detail"]
    assert _balance(tenant, invoice["id"]) == ("open", 3000, 1000)
    still = tenant.client.get(f"{PAYMENTS}/{card['id']}", headers=tenant.headers()).json()
    assert still["status"] == "pending"


def test_bad_applications_are_422_naming_the_field(harness: Harness) -> None:
    tenant, other = billing(harness), billing(harness)
    invoice = tenant.invoice(unit_price=5000)
    draft = tenant.invoice(finalize=False)
    euros = tenant.invoice(unit_price=5000, currency="EUR")
    someone_else = tenant.invoice(unit_price=5000, customer_id=tenant.customer(display_name="Neighbour"))
    foreign = other.invoice()
    assert _fields(tenant.pay([(invoice["id"], 5001)])) == ["/applications/0/amount"]
    assert _fields(tenant.pay([(invoice["id"], 100), (euros["id"], 100)])) == ["/applications/1/invoice_id"]
    assert _fields(tenant.pay([(someone_else["id"], 100)])) == ["/applications/0/invoice_id"]
    assert _fields(tenant.pay([(draft["id"], 100)])) == ["/applications/0/invoice_id"]
    assert _fields(tenant.pay([(foreign["id"], 100)])) == ["/applications/0/invoice_id"]
    assert _fields(tenant.pay([(invoice["id"], 100), (invoice["id"], 100)])) == ["/applications/1/invoice_id"]
    assert _fields(tenant.pay([(invoice["id"], 3000)], amount=2000)) == ["/applications"]
    assert _fields(tenant.pay([], amount=100, customer_id=other.customer_id)) == ["/customer_id"]
    future = tenant.pay([(invoice["id"], 100)], received_at="2999-01-01T00:00:00Z")
    assert _fields(future) == ["/received_at"]
    assert _balance(tenant, invoice["id"]) == ("open", 0, 5000)
    assert _balance(other, foreign["id"]) == ("open", 0, foreign["total"])
    assert tenant.client.get(PAYMENTS, headers=tenant.headers()).json()["data"] == []


def test_payment_events_and_audit_match_the_transitions(harness: Harness) -> None:
    tenant = billing(harness)
    invoice = tenant.invoice(unit_price=6000)
    partial = tenant.pay([(invoice["id"], 2000)]).json()
    full = tenant.pay([(invoice["id"], 4000)], method="card").json()
    tenant.post(f"{PAYMENTS}/{full['id']}/mark-succeeded")
    refund = tenant.post(f"{PAYMENTS}/{full['id']}/refunds", {"amount": 1000, "reason": "other"}, key=idem()).json()
    events = tenant.client.get(f"{BASE}/events", headers=tenant.headers(), params={"limit": 100}).json()["data"]
    by_object: dict[str, Counter[str]] = {}
    for event in events:
        by_object.setdefault(event["data"]["object"]["id"], Counter())[event["type"]] += 1
    assert by_object[partial["id"]] == Counter({"payment.created": 1, "payment.succeeded": 1})
    assert by_object[full["id"]] == Counter({"payment.created": 1, "payment.succeeded": 1})
    assert by_object[refund["id"]] == Counter({"refund.created": 1})
    assert by_object[invoice["id"]] == Counter(
        {"invoice.created": 1, "invoice.finalized": 1, "invoice.updated": 2, "invoice.paid": 1}
    )
    reopen = next(
        e
        for e in events
        if e["data"]["object"]["id"] == invoice["id"]
        and e["data"].get("previous_attributes", {}).get("status") == "paid"
    )
    assert reopen["data"]["object"]["status"] == "open"
    audit = tenant.client.get(f"{BASE}/audit-events", headers=tenant.headers(), params={"limit": 100}).json()["data"]
    actions = Counter(event["action"] for event in audit if event["resource_id"] in {invoice["id"], full["id"]})
    assert actions == Counter(
        {
            "invoice.created": 1,
            "invoice.finalized": 1,
            "invoice.payment_applied": 1,
            "invoice.paid": 1,
            "invoice.reopened": 1,
            "payment.created": 1,
            "payment.succeeded": 1,
            "payment.refunded": 1,
        }
    )


def test_the_customers_balance_due_follows_its_open_invoices(harness: Harness) -> None:
    tenant = billing(harness)

    def balance() -> int:
        response = tenant.client.get(f"{BASE}/customers/{tenant.customer_id}", headers=tenant.headers())
        return int(response.json()["balance_due"])

    draft = tenant.invoice(unit_price=7000, finalize=False)
    assert balance() == 0, "drafts are not due"
    first = tenant.post(f"{BASE}/invoices/{draft['id']}/finalize").json()
    second = tenant.invoice(unit_price=3000)
    tenant.invoice(unit_price=500, currency="EUR")
    assert balance() == 10000, "invoices in another currency are not summed"
    payment = tenant.pay([(first["id"], 7000), (second["id"], 1000)]).json()
    assert balance() == 2000
    renamed = tenant.client.patch(
        f"{BASE}/customers/{tenant.customer_id}", headers=tenant.headers(), json={"notes": "Pays by check"}
    )
    assert renamed.json()["balance_due"] == 2000, "editing the customer keeps its balance"
    tenant.post(f"{PAYMENTS}/{payment['id']}/refunds", {"amount": 4000, "reason": "other"}, key=idem())
    assert balance() == 6000
    tenant.post(f"{BASE}/invoices/{second['id']}/mark-uncollectible")
    assert balance() == 6000, "uncollectible invoices still count"
