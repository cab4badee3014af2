"""Tenant isolation of invoices, payments and refunds, on every operation the contract declares for them.

The attacker's suite (``tests/server/attacks``) builds its objects from the contract's examples, which
cannot make a payment (its example pays a draft invoice); here the victim owns a real open invoice, a
payment and a refund, and every id operation of ``/invoices`` and ``/payments`` is tried on them from
another organization and from the victim's own test environment.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from server_impl.domain.tenancy import Environment
from tests.server.billing import INVOICES, PAYMENTS, Billing, billing, idem
from tests.server.conftest import Harness

CONTRACT = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text(encoding="utf-8"))
BASE = "/api/public/v1"
ID_OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in CONTRACT["paths"].items()
    if path.startswith((f"{BASE}/invoices/", f"{BASE}/payments/"))
    for method in item
    if method in {"get", "post", "patch", "delete"}
)
BODIES: dict[str, Any] = {
    "mark-failed": {"failure_reason": "Declined"},
    "refunds": {"amount": 1, "reason": "other"},
    "accounting-sync": {"status": "synced", "external_id": "X-1"},
}


def test_every_id_operation_of_invoices_and_payments_is_covered() -> None:
    assert len(ID_OPERATIONS) == 15
    assert {path.split("{")[1].split("}")[0] for _, path in ID_OPERATIONS} == {"invoice_id", "payment_id"}


def _victim(harness: Harness) -> tuple[Billing, dict[str, str]]:
    victim = billing(harness)
    invoice = victim.invoice(unit_price=10000)
    payment = victim.pay([(invoice["id"], 4000)]).json()
    refund = victim.post(f"{PAYMENTS}/{payment['id']}/refunds", {"amount": 1000, "reason": "other"}, key=idem())
    assert refund.status_code == 201, refund.text
    ids = {"invoice_id": invoice["id"], "payment_id": payment["id"], "refund_id": refund.json()["id"]}
    return victim, ids


def _state(tenant: Billing, ids: dict[str, str]) -> tuple[Any, Any]:
    invoice = tenant.client.get(f"{INVOICES}/{ids['invoice_id']}", headers=tenant.headers()).json()
    payment = tenant.client.get(f"{PAYMENTS}/{ids['payment_id']}", headers=tenant.headers()).json()
    return invoice, payment


@pytest.mark.parametrize(("method", "template"), ID_OPERATIONS)
def test_another_tenants_invoice_payment_or_refund_is_404(harness: Harness, method: str, template: str) -> None:
    victim, ids = _victim(harness)
    attacker = billing(harness)
    path = template
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    body = BODIES.get(path.rsplit("/", 1)[-1], {} if method == "PATCH" else None)
    before = _state(victim, ids)
    response = harness.client.request(method, path, headers=attacker.headers(**{"Idempotency-Key": idem()}), json=body)
    assert response.status_code == 404, ("another organization", method, path, response.text)
    assert response.json()["code"] == "not_found"
    _, own_test_secret = harness.key(victim.org, environment=Environment.TEST)
    own_test = {"x-organization-id": victim.org, "x-api-key": own_test_secret, "Idempotency-Key": idem()}
    response = harness.client.request(method, path, headers=own_test, json=body)
    assert response.status_code == 404, ("the victim's own test key", method, path, response.text)
    assert _state(victim, ids) == before, "nothing of the victim changed"


def test_lists_never_show_another_tenants_invoices_or_payments(harness: Harness) -> None:
    victim, ids = _victim(harness)
    attacker, _ = _victim(harness)
    for path in (INVOICES, PAYMENTS, f"{PAYMENTS}/{ids['payment_id']}/refunds"):
        response = harness.client.get(path, headers=attacker.headers(), params={"limit": 100})
        if path.endswith("/refunds"):
            assert response.status_code == 404
            continue
        listed = {item["id"] for item in response.json()["data"]}
        assert listed, "the attacker's own rows are listed"
        assert not listed & set(ids.values())
    for path, params in (
        (INVOICES, {"customer_id": victim.customer_id}),
        (PAYMENTS, {"invoice_id": ids["invoice_id"]}),
        (INVOICES, {"accounting_sync_status": "pending"}),
    ):
        response = harness.client.get(path, headers=attacker.headers(), params=params)
        assert not {item["id"] for item in response.json()["data"]} & set(ids.values())
