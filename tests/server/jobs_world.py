"""A tenant ready for jobs (customer with locations, catalog services, technicians) and outbox/audit readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server_impl.domain.audit import AuditEvent
from server_impl.domain.events import DomainEvent
from server_impl.domain.scopes import Role
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services import identity
from server_impl.services.ports import AuditFilter, EventFilter
from tests.server.conftest import Harness

BASE = "/api/public/v1"
JOBS = f"{BASE}/jobs"
WINDOW = {
    "window_start": "2030-05-21T14:00:00Z",
    "window_end": "2030-05-21T16:00:00Z",
    "arrival_window_start": "2030-05-21T14:00:00Z",
    "arrival_window_end": "2030-05-21T15:00:00Z",
    "timezone": "America/Chicago",
}
LATER_WINDOW = {"window_start": "2030-05-22T09:00:00Z", "window_end": "2030-05-22T11:00:00Z", "timezone": "UTC"}


@dataclass
class JobWorld:
    """One organization's live key and the objects a job refers to, made through the API."""

    harness: Harness
    org: str
    secret: str
    customer_id: str
    location_ids: list[str]
    service_id: str
    technicians: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, **extra: str) -> dict[str, str]:
        """Return the live key's headers plus ``extra``."""
        return {"x-organization-id": self.org, "x-api-key": self.secret, **extra}

    @property
    def tenant(self) -> Tenant:
        """The live tenant."""
        return Tenant(self.org, Environment.LIVE)

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        """POST to a path under the base path."""
        return self.harness.client.post(BASE + path, headers=self.headers(**headers), json=body)

    def create_job(self, **fields: Any) -> dict[str, Any]:
        """Create a job (``customer_id`` and ``summary`` defaulted) and return it."""
        body = {"customer_id": self.customer_id, "summary": "AC tune-up", **fields}
        response = self.post("/jobs", body)
        assert response.status_code == 201, response.text
        job: dict[str, Any] = response.json()
        return job

    def events(self, job_id: str | None = None) -> list[DomainEvent]:
        """Return the tenant's job events oldest first (of one job when given)."""
        with self.harness.context.uow_factory(self.tenant, read_only=True) as uow:
            items = uow.events.list(EventFilter(resource_types=("job",)), limit=1000).items
        return [event for event in reversed(items) if job_id is None or event.resource_id == job_id]

    def audits(self, job_id: str | None = None) -> list[AuditEvent]:
        """Return the tenant's job audit events oldest first (of one job when given)."""
        with self.harness.context.uow_factory(self.tenant, read_only=True) as uow:
            filters = AuditFilter(resource_type="job", resource_id=job_id)
            items = uow.audit_events.list(filters, limit=1000).items
        return list(reversed(items))


def make_world(harness: Harness, *, technicians: int = 2, currency: str = "USD") -> JobWorld:
    """Create an organization with a key, a customer with two locations, a service and technicians."""
    org = harness.organization()
    _, secret = harness.key(org)
    headers = {"x-organization-id": org, "x-api-key": secret}
    client = harness.client
    customer = client.post(
        f"{BASE}/customers",
        headers=headers,
        json={
            "display_name": "Dana Whitfield",
            "service_locations": [
                {"address": {"line1": "1 Main St", "city": "Austin", "country": "US"}},
                {"address": {"line1": "9 Lake Rd", "city": "Austin", "country": "US"}, "is_primary": True},
            ],
        },
    )
    assert customer.status_code == 201, customer.text
    service = client.post(
        f"{BASE}/services",
        headers=headers,
        json={"name": "AC tune-up", "unit_price": 12900, "unit_cost": 4500, "currency": currency, "taxable": True},
    )
    assert service.status_code == 201, service.text
    uow_factory = harness.context.uow_factory
    users = []
    for index in range(technicians):
        user = identity.create_user(uow_factory, f"tech{index}-{org.lower()}@example.com", f"Tech {index}").id
        identity.add_member(uow_factory, org, user, Role.MEMBER)
        users.append(user)
    body = customer.json()
    return JobWorld(
        harness,
        org,
        secret,
        body["id"],
        [location["id"] for location in body["service_locations"]],
        service.json()["id"],
        users,
    )
