"""Customers, services, API keys and audit events through their real routes: the HTTP conventions of the contract."""

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from server_impl.adapters.sqlalchemy.tables import IdempotencyKeyRow
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.adapters.tokens import issue_token
from server_impl.domain.clock import utc_now
from server_impl.domain.scopes import Role
from server_impl.domain.tenancy import Environment
from server_impl.services import identity
from tests.server.conftest import Harness

BASE = "/api/public/v1"
CUSTOMERS = f"{BASE}/customers"


def _setup(harness: Harness) -> tuple[str, dict[str, str]]:
    org = harness.organization()
    _, secret = harness.key(org)
    return org, {"x-organization-id": org, "x-api-key": secret}


def test_customer_lifecycle_etags_and_activity(harness: Harness) -> None:
    _, headers = _setup(harness)
    client = harness.client
    created = client.post(
        CUSTOMERS,
        headers=headers,
        json={
            "display_name": "Dana Whitfield",
            "emails": [{"address": "dana@example.com"}, {"address": "billing@example.com", "label": "billing"}],
            "phones": [{"number": "+15125550100"}],
            "service_locations": [{"address": {"line1": "1 Main St", "city": "Austin", "country": "US"}}],
            "tags": ["vip", "vip", "hvac"],
            "metadata": {"erp_id": "C-1"},
        },
    )
    assert created.status_code == 201, created.text
    customer = created.json()
    assert created.headers["location"] == f"{CUSTOMERS}/{customer['id']}"
    assert customer["object"] == "customer"
    assert customer["tags"] == ["vip", "hvac"]
    assert [e["is_primary"] for e in customer["emails"]] == [True, False]
    assert customer["service_locations"][0]["id"].startswith("loc_")
    fetched = client.get(created.headers["location"], headers=headers)
    assert fetched.json() == customer
    assert fetched.headers["etag"] == created.headers["etag"]

    stale = created.headers["etag"]
    updated = client.patch(created.headers["location"], headers={**headers, "If-Match": stale}, json={"notes": "Gate"})
    assert updated.status_code == 200
    assert updated.json()["notes"] == "Gate"
    assert updated.json()["emails"] == customer["emails"], "fields not sent stay as they were"
    assert updated.headers["etag"] != stale
    lost = client.patch(created.headers["location"], headers={**headers, "If-Match": stale}, json={"notes": "Lost"})
    assert lost.status_code == 412
    assert lost.json()["code"] == "precondition_failed"

    archived = client.post(f"{created.headers['location']}/archive", headers=headers)
    assert archived.json()["status"] == "archived"
    again = client.post(f"{created.headers['location']}/archive", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state_transition"
    assert client.post(f"{created.headers['location']}/restore", headers=headers).json()["status"] == "active"

    activity = client.get(f"{created.headers['location']}/activity", headers=headers).json()
    assert [entry["type"] for entry in activity["data"]] == [
        "customer.restored",
        "customer.archived",
        "customer.updated",
        "customer.created",
    ]
    assert all(entry["id"].startswith("evt_") for entry in activity["data"])
    assert activity["data"][2]["summary"] == "Customer updated (notes)"
    jobs_only = client.get(f"{created.headers['location']}/activity?resource_type=job", headers=headers).json()
    assert jobs_only["data"] == []


def test_lists_page_newest_first_with_opaque_cursors_and_link_headers(harness: Harness) -> None:
    _, headers = _setup(harness)
    ids = [
        harness.client.post(CUSTOMERS, headers=headers, json={"display_name": f"C{i}"}).json()["id"] for i in range(5)
    ]
    first = harness.client.get(f"{CUSTOMERS}?limit=2&status=active", headers=headers)
    page = first.json()
    assert [item["id"] for item in page["data"]] == ids[::-1][:2]
    assert page["has_more"] is True
    assert page["data"][-1]["id"] not in page["next_cursor"], "cursors are opaque"
    link = first.headers["link"]
    assert link.startswith(f"<{CUSTOMERS}?")
    assert link.endswith('>; rel="next"')
    assert "status=active" in link
    assert "limit=2" in link
    seen = [item["id"] for item in page["data"]]
    cursor: str | None = page["next_cursor"]
    while cursor is not None:
        response = harness.client.get(CUSTOMERS, headers=headers, params={"limit": 2, "cursor": cursor})
        page = response.json()
        seen += [item["id"] for item in page["data"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]
    assert page["next_cursor"] is None
    assert "link" not in response.headers
    bad = harness.client.get(CUSTOMERS, headers=headers, params={"cursor": "c1.bm90IGFuIGlk"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_services_catalog(harness: Harness) -> None:
    _, headers = _setup(harness)
    body = {"name": "Drain cleaning", "unit_price": 12550, "currency": "USD", "sku": "DRN-1"}
    created = harness.client.post(f"{BASE}/services", headers=headers, json=body)
    assert created.status_code == 201
    assert created.json()["unit_of_measure"] == "each"
    duplicate = harness.client.post(f"{BASE}/services", headers=headers, json=body)
    assert duplicate.status_code == 409
    location = created.headers["location"]
    patched = harness.client.patch(
        location, headers={**headers, "If-Match": created.headers["etag"]}, json={"unit_price": 13000}
    )
    assert patched.json()["unit_price"] == 13000
    assert harness.client.post(f"{location}/archive", headers=headers).json()["status"] == "archived"
    active = harness.client.get(f"{BASE}/services?status=active", headers=headers).json()["data"]
    assert active == []


def _stored_bodies(harness: Harness) -> list[bytes]:
    with harness.context.uow_factory(None) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        return [row.response_body or b"" for row in uow.session.scalars(select(IdempotencyKeyRow))]


def test_api_key_secret_is_shown_once_and_sealed_for_replays(harness: Harness) -> None:
    org, headers = _setup(harness)
    body = {"name": "ci", "scopes": ["read:customers"], "environment": "live", "expires_in_days": 30}
    created = harness.client.post(f"{BASE}/api-keys", headers={**headers, "Idempotency-Key": "mk-1"}, json=body)
    assert created.status_code == 201, created.text
    key = created.json()
    secret = key["secret"]
    assert secret.startswith("ast_live_")
    replay = harness.client.post(f"{BASE}/api-keys", headers={**headers, "Idempotency-Key": "mk-1"}, json=body)
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json()["secret"] == secret
    assert all(secret.encode() not in stored for stored in _stored_bodies(harness))
    fetched = harness.client.get(created.headers["location"], headers=headers).json()
    listed = harness.client.get(f"{BASE}/api-keys", headers=headers).json()["data"]
    assert "secret" not in fetched
    assert all("secret" not in item for item in listed)
    assert fetched["last_four"] == secret[-4:]
    new_headers = {"x-organization-id": org, "x-api-key": secret}
    assert harness.client.get(CUSTOMERS, headers=new_headers).status_code == 200

    rotated = harness.client.post(
        f"{created.headers['location']}/rotate", headers=headers, json={"overlap_seconds": 60}
    )
    assert rotated.status_code == 200
    assert rotated.json()["previous_key_expires_at"] is not None
    newest = {"x-organization-id": org, "x-api-key": rotated.json()["secret"]}
    assert harness.client.get(CUSTOMERS, headers=newest).status_code == 200
    assert harness.client.get(CUSTOMERS, headers=new_headers).status_code == 200, "the old secret works for the overlap"

    revoked = harness.client.post(f"{BASE}/api-keys/{rotated.json()['id']}/revoke", headers=headers)
    assert revoked.json()["status"] == "revoked"
    assert harness.client.get(CUSTOMERS, headers=newest).status_code == 401
    revoked_list = harness.client.get(f"{BASE}/api-keys?status=revoked", headers=headers).json()["data"]
    assert [item["id"] for item in revoked_list] == [rotated.json()["id"]]


def _session(harness: Harness, org: str, role: Role) -> dict[str, str]:
    user = identity.create_user(harness.context.uow_factory, f"{role.value}@example.com", role.value).id
    identity.add_member(harness.context.uow_factory, org, user, role)
    token = issue_token(user, harness.settings.token_secret, timedelta(hours=1), utc_now())
    return {"x-organization-id": org, "authorization": f"Bearer {token}"}


def test_key_management_needs_an_owner_or_admin_session_or_a_write_key(harness: Harness) -> None:
    org = harness.organization()
    body: dict[str, Any] = {"name": "from the app", "scopes": ["read:customers"], "environment": "test"}
    member = harness.client.post(f"{BASE}/api-keys", headers=_session(harness, org, Role.MEMBER), json=body)
    assert member.status_code == 403
    assert member.json()["code"] == "missing_scope"
    admin = harness.client.post(f"{BASE}/api-keys", headers=_session(harness, org, Role.ADMIN), json=body)
    assert admin.status_code == 201, admin.text
    assert admin.json()["environment"] == "test"
    assert admin.json()["created_by"]["id"].startswith("usr_")
    _, test_key_secret = harness.key(org, environment=Environment.TEST)
    live_by_test_key = harness.client.post(
        f"{BASE}/api-keys",
        headers={"x-organization-id": org, "x-api-key": test_key_secret},
        json={**body, "environment": "live"},
    )
    assert live_by_test_key.status_code == 422
    assert live_by_test_key.json()["errors"][0]["field"] == "/environment"


def test_audit_events_filter_by_actor_action_resource_and_time(harness: Harness) -> None:
    org, headers = _setup(harness)
    before = utc_now() - timedelta(seconds=1)
    customer = harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "A"}).json()
    harness.client.patch(f"{CUSTOMERS}/{customer['id']}", headers=headers, json={"notes": "n"})
    harness.client.post(f"{BASE}/services", headers=headers, json={"name": "S", "unit_price": 1, "currency": "USD"})
    events = f"{BASE}/audit-events"

    def actions(**params: str) -> list[str]:
        response = harness.client.get(events, headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [item["action"] for item in response.json()["data"]]

    assert actions(resource_id=customer["id"]) == ["customer.updated", "customer.created"]
    assert actions(action="service.created") == ["service.created"]
    assert actions(resource_type="customer") == ["customer.updated", "customer.created"]
    listed = harness.client.get(events, headers=headers).json()["data"]
    actor = listed[0]["actor"]
    assert actor["type"] == "api_key"
    assert len(actions(actor_id=actor["id"])) == 3
    assert actions(since=before.isoformat()) == actions()
    assert actions(until=before.isoformat()) == []
    (created,) = [item for item in listed if item["action"] == "customer.created"]
    one = harness.client.get(f"{events}/{created['id']}", headers=headers)
    assert one.json()["changes"]["display_name"] == {"before": None, "after": "A"}
    assert one.json()["organization_id"] == org
    assert one.headers["etag"]
