"""Helpers of the invoice and payment tests: a tenant with a customer and a catalog item, and calls."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from server_impl.domain.tenancy import Environment
from tests.server.conftest import Harness

BASE = "/api/public/v1"
INVOICES = f"{BASE}/invoices"
PAYMENTS = f"{BASE}/payments"
_keys = itertools.count()


def idem() -> str:
    """Return a fresh Idempotency-Key."""
    return f"k-{next(_keys)}-{id(_keys)}"


@dataclass
class Billing:
    """A tenant (live key) with a customer, and helpers to drive invoices and payments over HTTP."""

    client: TestClient
    org: str
    secret: str
    customer_id: str
    service_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"x-organization-id": self.org, "x-api-key": self.secret, **extra}

    def post(self, path: str, body: Any = None, *, key: str | None = None) -> Any:
        headers = self.headers(**({"Idempotency-Key": key} if key else {}))
        return self.client.post(path, headers=headers, json=body)

    def customer(self, **fields: Any) -> str:
        body = {"display_name": "Payer", "emails": [{"address": "payer@example.com"}], **fields}
        response = self.post(f"{BASE}/customers", body)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def invoice(self, *, unit_price: int = 10000, finalize: bool = True, **fields: Any) -> dict[str, Any]:
        body = {
            "customer_id": self.customer_id,
            "line_items": [{"name": "Labor", "unit_price": unit_price, "quantity": 1}],
            **fields,
        }
        created = self.post(INVOICES, body)
        assert created.status_code == 201, created.text
        if not finalize:
            return dict(created.json())
        finalized = self.post(f"{INVOICES}/{created.json()['id']}/finalize")
        assert finalized.status_code == 200, finalized.text
        return dict(finalized.json())

    def pay(self, applications: list[tuple[str, int]], *, amount: int | None = None, **fields: Any) -> Any:
        body = {
            "customer_id": self.customer_id,
            "amount": amount if amount is not None else sum(part for _, part in applications),
            "currency": "USD",
            "method": "cash",
            "applications": [{"invoice_id": invoice_id, "amount": part} for invoice_id, part in applications],
            **fields,
        }
        return self.post(PAYMENTS, body, key=idem())

    def get_invoice(self, invoice_id: str) -> dict[str, Any]:
        response = self.client.get(f"{INVOICES}/{invoice_id}", headers=self.headers())
        assert response.status_code == 200, response.text
        return dict(response.json())


def billing(harness: Harness, environment: Environment = Environment.LIVE) -> Billing:
    """Return a new tenant with a customer (with an email) and a taxable catalog item."""
    org = harness.organization()
    _, secret = harness.key(org, environment=environment)
    tenant = Billing(harness.client, org, secret, "", "")
    tenant.customer_id = tenant.customer()
    service = tenant.post(f"{BASE}/services", {"name": "Tune-up", "unit_price": 12900, "currency": "USD"})
    assert service.status_code == 201, service.text
    tenant.service_id = service.json()["id"]
    return tenant
