"""Helpers of the estimate tests: a tenant with a customer and a service, estimates made over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest

from server_impl.domain.clock import utc_now
from server_impl.services.ports import AuditFilter, EventFilter
from tests.server.conftest import Harness

BASE = "/api/public/v1"
ESTIMATES = f"{BASE}/estimates"


@dataclass
class Shop:
    """An organization's key, one customer and one catalog service, made through the API."""

    harness: Harness
    org: str
    secret: str
    customer_id: str
    service_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"x-organization-id": self.org, "x-api-key": self.secret, **extra}

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.harness.client.post(BASE + path, headers=self.headers(**headers), json=body)

    def get(self, path: str, **params: Any) -> Any:
        return self.harness.client.get(BASE + path, headers=self.headers(), params=params)

    def patch(self, path: str, body: dict[str, Any], **headers: str) -> Any:
        return self.harness.client.patch(BASE + path, headers=self.headers(**headers), json=body)

    def estimate_body(self, **overrides: Any) -> dict[str, Any]:
        """Two options (a catalog line with tax; two custom lines), the second recommended."""
        return {
            "customer_id": self.customer_id,
            "title": "Condenser replacement",
            "options": [
                {
                    "name": "Repair",
                    "line_items": [{"service_id": self.service_id, "quantity": 1, "tax_rate_bps": 825}],
                },
                {
                    "name": "Replace",
                    "is_recommended": True,
                    "line_items": [
                        {"kind": "equipment", "name": "Condenser", "unit_price": 420000, "tax_rate_bps": 825},
                        {"kind": "labor", "name": "Labor", "quantity": 6.5, "unit_price": 11000, "taxable": False},
                    ],
                },
            ],
            **overrides,
        }

    def create(self, **overrides: Any) -> dict[str, Any]:
        response = self.post("/estimates", self.estimate_body(**overrides))
        assert response.status_code == 201, response.text
        return dict(response.json())

    def event_types(self, estimate_id: str) -> list[str]:
        """The outbox events of an estimate, oldest first."""
        with self.harness.context.uow_factory(_tenant(self)) as uow:
            page = uow.events.list(EventFilter(resource_types=("estimate",)), limit=100)
            mine = [event for event in page.items if event.resource_id == estimate_id]
            return [event.type for event in sorted(mine, key=lambda event: (event.created_at, event.id))]

    def audit_actions(self, estimate_id: str) -> list[str]:
        """The audit events of an estimate, oldest first."""
        with self.harness.context.uow_factory(_tenant(self)) as uow:
            page = uow.audit_events.list(AuditFilter(resource_id=estimate_id), limit=100)
            return [event.action for event in sorted(page.items, key=lambda event: (event.created_at, event.id))]


def _tenant(shop: Shop) -> Any:
    from server_impl.domain.tenancy import Environment, Tenant

    return Tenant(shop.org, Environment.LIVE)


def make_shop(harness: Harness, scopes: tuple[str, ...] | None = None) -> Shop:
    """Return a new organization with a key (all scopes unless given), a customer and a service."""
    org = harness.organization()
    _, secret = harness.key(org) if scopes is None else harness.key(org, scopes)
    _, admin = harness.key(org)
    headers = harness.headers(org, admin)
    client = harness.client
    customer = client.post(
        f"{BASE}/customers",
        headers=headers,
        json={"display_name": "Dana Whitfield", "emails": [{"address": "dana.whitfield@example.com"}]},
    )
    service = client.post(
        f"{BASE}/services", headers=headers, json={"name": "Fan motor", "unit_price": 38500, "currency": "USD"}
    )
    return Shop(harness, org, secret, customer.json()["id"], service.json()["id"])


class Clock:
    """The time the estimate use cases see (``None``: the real time)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now: datetime | None = None
        monkeypatch.setattr("server_impl.services.estimates.utc_now", self.read)

    def read(self) -> datetime:
        """Return the set time, or the real one."""
        return self.now if self.now is not None else utc_now()
