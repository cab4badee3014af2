"""The event outbox through the API: one event per change, in the write's transaction, tenant-confined."""

from __future__ import annotations

from typing import Any

from server_impl.domain.tenancy import Environment
from tests.server.conftest import Harness

BASE = "/api/public/v1"


def _tenant(harness: Harness, scopes: tuple[str, ...] | None = None) -> dict[str, str]:
    org = harness.organization()
    _, secret = harness.key(org) if scopes is None else harness.key(org, scopes)
    return harness.headers(org, secret)


def _events(harness: Harness, headers: dict[str, str], query: str = "") -> list[dict[str, Any]]:
    response = harness.client.get(f"{BASE}/events{query}", headers=headers)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_each_customer_change_is_one_event_with_the_object_after_it(harness: Harness) -> None:
    headers = _tenant(harness)
    client = harness.client
    created = client.post(
        f"{BASE}/customers", headers={**headers, "Idempotency-Key": "create-1"}, json={"display_name": "Ada"}
    )
    assert created.status_code == 201
    location = created.headers["location"]
    updated = client.patch(location, headers=headers, json={"notes": "Side gate", "display_name": "Ada L."})
    assert client.patch(location, headers=headers, json={"notes": "Side gate"}).status_code == 200  # no change
    archived = client.post(f"{location}/archive", headers=headers)

    events = _events(harness, headers)
    assert [event["type"] for event in events] == ["customer.archived", "customer.updated", "customer.created"]
    archived_event, updated_event, created_event = events
    assert created_event["data"]["object"] == created.json()
    assert "previous_attributes" not in created_event["data"]
    assert created_event["idempotency_key"] == "create-1"
    assert created_event["request_id"] == created.headers["x-request-id"]
    assert updated_event["data"]["object"] == updated.json()
    assert updated_event["data"]["previous_attributes"] == {"notes": None, "display_name": "Ada"}
    assert archived_event["data"]["object"] == archived.json()
    assert archived_event["data"]["previous_attributes"]["status"] == "active"
    assert {event["organization_id"] for event in events} == {headers["x-organization-id"]}
    assert {event["environment"] for event in events} == {"live"}

    one = client.get(f"{BASE}/events/{created_event['id']}", headers=headers)
    assert one.status_code == 200
    assert one.json() == created_event
    assert one.headers["etag"]


def test_the_type_filter_takes_a_resource_wildcard(harness: Harness) -> None:
    headers = _tenant(harness)
    harness.client.post(f"{BASE}/customers", headers=headers, json={"display_name": "Ada"})
    service = {"name": "Tune-up", "unit_price": 12900, "currency": "USD"}
    assert harness.client.post(f"{BASE}/services", headers=headers, json=service).status_code == 201
    assert [e["type"] for e in _events(harness, headers, "?type=service.*")] == ["service.created"]
    assert [e["type"] for e in _events(harness, headers, "?type=customer.created")] == ["customer.created"]
    assert _events(harness, headers, "?type=invoice.*") == []


def test_events_pages_follow_the_cursor(harness: Harness) -> None:
    headers = _tenant(harness)
    for index in range(5):
        harness.client.post(f"{BASE}/customers", headers=headers, json={"display_name": f"C{index}"})
    first = harness.client.get(f"{BASE}/events?limit=2", headers=headers).json()
    assert first["has_more"] is True
    seen = [event["id"] for event in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = harness.client.get(f"{BASE}/events?limit=2&cursor={cursor}", headers=headers).json()
        seen += [event["id"] for event in page["data"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5
    assert seen == sorted(seen, reverse=True)


def test_a_failed_write_leaves_no_event(harness: Harness) -> None:
    headers = _tenant(harness)
    client = harness.client
    created = client.post(f"{BASE}/customers", headers=headers, json={"display_name": "Ada"})
    location = created.headers["location"]
    stale = client.patch(location, headers={**headers, "If-Match": '"stale"'}, json={"notes": "x"})
    assert stale.status_code == 412
    client.post(f"{location}/archive", headers=headers)
    assert client.post(f"{location}/archive", headers=headers).status_code == 409
    two_primaries = [{"address": "a@example.com", "is_primary": True}, {"address": "b@example.com", "is_primary": True}]
    assert (
        client.post(
            f"{BASE}/customers", headers=headers, json={"display_name": "B", "emails": two_primaries}
        ).status_code
        == 422
    )
    assert [e["type"] for e in _events(harness, headers)] == ["customer.archived", "customer.created"]


def test_an_idempotent_replay_announces_nothing_new(harness: Harness) -> None:
    headers = {**_tenant(harness), "Idempotency-Key": "same"}
    first = harness.client.post(f"{BASE}/customers", headers=headers, json={"display_name": "Ada"})
    replay = harness.client.post(f"{BASE}/customers", headers=headers, json={"display_name": "Ada"})
    assert replay.json() == first.json()
    assert len(_events(harness, headers)) == 1


def test_events_stay_in_their_tenant_and_environment(harness: Harness) -> None:
    mine = _tenant(harness)
    theirs = _tenant(harness)
    harness.client.post(f"{BASE}/customers", headers=theirs, json={"display_name": "Theirs"})
    their_event = _events(harness, theirs)[0]
    assert _events(harness, mine) == []
    assert harness.client.get(f"{BASE}/events/{their_event['id']}", headers=mine).status_code == 404
    org = theirs["x-organization-id"]
    _, test_secret = harness.key(org, environment=Environment.TEST)
    test_headers = harness.headers(org, test_secret)
    assert _events(harness, test_headers) == []
    assert harness.client.get(f"{BASE}/events/{their_event['id']}", headers=test_headers).status_code == 404


def test_reading_events_needs_the_webhooks_read_scope(harness: Harness) -> None:
    headers = _tenant(harness, ("read:customers",))
    response = harness.client.get(f"{BASE}/events", headers=headers)
    assert response.status_code == 403
    assert response.json()["required_scopes"] == ["read:webhooks"]


def test_api_key_changes_are_announced_without_their_secret(harness: Harness) -> None:
    headers = _tenant(harness)
    client = harness.client
    body = {"name": "sync", "scopes": ["read:customers"], "environment": "live", "expires_in_days": 30}
    created = client.post(f"{BASE}/api-keys", headers=headers, json=body)
    assert created.status_code == 201, created.text
    key_id = created.json()["id"]
    rotated = client.post(f"{BASE}/api-keys/{key_id}/rotate", headers=headers, json={"overlap_seconds": 60})
    assert rotated.status_code == 200, rotated.text
    new_id = rotated.json()["id"]
    assert client.post(f"{BASE}/api-keys/{new_id}/revoke", headers=headers).status_code == 200
    assert client.post(f"{BASE}/api-keys/{new_id}/revoke", headers=headers).status_code == 200  # changes nothing

    events = _events(harness, headers, "?type=api_key.*")
    assert [(e["type"], e["data"]["object"]["id"]) for e in events] == [
        ("api_key.revoked", new_id),
        ("api_key.rotated", key_id),
        ("api_key.created", key_id),
    ]
    secret = created.json()["secret"]
    for event in events:
        assert "secret" not in event["data"]["object"]
        assert secret not in str(event)
    assert events[0]["data"]["previous_attributes"]["status"] == "active"
