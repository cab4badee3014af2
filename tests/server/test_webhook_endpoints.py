"""Webhook endpoints over HTTP: secrets shown once and sealed at rest, updates, status, URL rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from server_impl.adapters.sqlalchemy.tables import WebhookEndpointRow
from server_impl.domain.tenancy import Environment
from tests.server.conftest import Harness

BASE = "/api/public/v1/webhook-endpoints"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


def _tenant(harness: Harness, environment: Environment = Environment.TEST) -> dict[str, str]:
    org = harness.organization()
    _, secret = harness.key(org, environment=environment)
    return harness.headers(org, secret)


def _create(harness: Harness, headers: dict[str, str], url: str = "https://hooks.example.com/a", **extra: object):
    body = {"url": url, "event_types": ["invoice.*", "customer.created"], **extra}
    return harness.client.post(BASE, json=body, headers=headers)


def test_create_returns_the_secret_once_and_stores_it_sealed(harness: Harness) -> None:
    headers = _tenant(harness)
    created = _create(harness, headers, description="Accounting")
    assert created.status_code == 201, created.text
    body = created.json()
    assert SECRET.fullmatch(body["secret"])
    assert body["secret_last_four"] == body["secret"][-4:]
    assert body["status"] == "enabled"
    assert body["environment"] == "test"
    assert created.headers["Location"] == f"{BASE}/{body['id']}"
    fetched = harness.client.get(f"{BASE}/{body['id']}", headers=headers).json()
    assert "secret" not in fetched
    assert fetched["event_types"] == ["invoice.*", "customer.created"]
    with harness.context.uow_factory(None) as uow:
        query = select(WebhookEndpointRow.secret).where(WebhookEndpointRow.id == body["id"])
        stored = uow.session.scalars(query).one()  # type: ignore[attr-defined]
    assert stored.startswith("sealed:v1:")
    assert body["secret"] not in stored


def test_idempotent_create_replays_the_same_secret(harness: Harness) -> None:
    headers = {**_tenant(harness), "Idempotency-Key": "create-hook-1"}
    first = _create(harness, headers)
    again = _create(harness, headers)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["secret"] == first.json()["secret"]
    assert again.json()["id"] == first.json()["id"]


def test_update_list_disable_enable_delete(harness: Harness) -> None:
    headers = _tenant(harness)
    endpoint = _create(harness, headers).json()
    path = f"{BASE}/{endpoint['id']}"
    etag = harness.client.get(path, headers=headers).headers["ETag"]
    stale = harness.client.patch(path, json={"description": "x"}, headers={**headers, "If-Match": '"nope"'})
    assert stale.status_code == 412
    internal = harness.client.patch(path, json={"url": "https://10.0.0.1/x"}, headers=headers)
    assert internal.status_code == 422
    updated = harness.client.patch(path, json={"event_types": ["job.*"]}, headers={**headers, "If-Match": etag})
    assert updated.status_code == 200
    assert updated.json()["event_types"] == ["job.*"]
    disabled = harness.client.post(f"{path}/disable", headers=headers)
    assert disabled.json()["status"] == "disabled"
    assert disabled.json()["disabled_reason"] == "manual"
    again = harness.client.post(f"{path}/disable", headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state_transition"
    listed = harness.client.get(BASE, params={"status": "disabled"}, headers=headers).json()
    assert [item["id"] for item in listed["data"]] == [endpoint["id"]]
    assert harness.client.post(f"{path}/enable", headers=headers).json()["disabled_reason"] is None
    assert harness.client.delete(path, headers=headers).status_code == 204
    assert harness.client.get(path, headers=headers).status_code == 404
    audit = harness.client.get("/api/public/v1/audit-events", params={"resource_id": endpoint["id"]}, headers=headers)
    actions = [item["action"] for item in audit.json()["data"]][::-1]
    assert actions == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.disabled",
        "webhook_endpoint.enabled",
        "webhook_endpoint.deleted",
    ]
    assert endpoint["secret"] not in audit.text


def test_another_tenant_or_environment_sees_nothing(harness: Harness) -> None:
    headers = _tenant(harness)
    endpoint = _create(harness, headers).json()
    other = _tenant(harness)
    assert harness.client.get(f"{BASE}/{endpoint['id']}", headers=other).status_code == 404
    live = harness.headers(headers["x-organization-id"], harness.key(headers["x-organization-id"])[1])  # same org, live
    assert harness.client.get(f"{BASE}/{endpoint['id']}", headers=live).status_code == 404
    assert harness.client.get(BASE, headers=live).json()["data"] == []
    assert harness.client.post(f"{BASE}/{endpoint['id']}/rotate-secret", headers=other).status_code == 404
    assert harness.client.get(BASE, headers=other).json()["data"] == []


def test_rotation_returns_a_new_secret_and_the_overlap_end(harness: Harness) -> None:
    headers = _tenant(harness)
    endpoint = _create(harness, headers).json()
    rotated = harness.client.post(
        f"{BASE}/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 3600}, headers=headers
    )
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"] != endpoint["secret"]
    assert rotated.json()["previous_secret_expires_at"] is not None
    fetched = harness.client.get(f"{BASE}/{endpoint['id']}", headers=headers).json()
    assert fetched["secret_last_four"] == rotated.json()["secret"][-4:]
    immediate = harness.client.post(
        f"{BASE}/{endpoint['id']}/rotate-secret", json={"overlap_seconds": 0}, headers=headers
    )
    assert immediate.json()["previous_secret_expires_at"] is None


def test_the_optional_rotation_body_may_be_left_out_but_not_sent_as_null(harness: Harness) -> None:
    headers = _tenant(harness)
    endpoint = _create(harness, headers).json()
    url = f"{BASE}/{endpoint['id']}/rotate-secret"
    null = harness.client.post(url, content=b"null", headers={**headers, "content-type": "application/json"})
    assert null.status_code == 422, null.text
    assert null.headers["content-type"] == "application/problem+json"
    [error] = null.json()["errors"]
    assert error["field"] == "", "a JSON pointer to the whole body"
    assert "not null" in error["message"]
    fetched = harness.client.get(f"{BASE}/{endpoint['id']}", headers=headers).json()
    assert fetched["secret_last_four"] == endpoint["secret"][-4:], "a refused rotation changes nothing"
    left_out = harness.client.post(url, headers=headers)
    assert left_out.status_code == 200, left_out.text
    assert left_out.json()["secret"] != endpoint["secret"]


@pytest.mark.parametrize(
    ("url", "environment", "message"),
    [
        ("http://hooks.example.com/a", Environment.LIVE, "https"),
        ("https://10.1.2.3/hook", Environment.LIVE, "private"),
        ("https://127.0.0.1:8443/hook", Environment.LIVE, "private"),
        ("https://[::1]/hook", Environment.LIVE, "private"),
        ("https://169.254.169.254/latest/meta-data", Environment.LIVE, "private"),
        ("http://[::ffff:192.168.0.1]/hook", Environment.TEST, "private"),
        ("https://localhost/hook", Environment.LIVE, "local name"),
        ("https://user:pw@hooks.example.com/", Environment.LIVE, "Credentials"),
        ("ftp://hooks.example.com/", Environment.TEST, "https://"),
    ],
)
def test_refused_urls(harness: Harness, url: str, environment: Environment, message: str) -> None:
    headers = _tenant(harness, environment)
    refused = _create(harness, headers, url=url)
    assert refused.status_code == 422, refused.text
    (error,) = refused.json()["errors"]
    assert error["field"] == "/url"
    assert message in error["message"]


def test_test_endpoints_may_use_http_to_public_addresses(harness: Harness) -> None:
    headers = _tenant(harness, Environment.TEST)
    assert _create(harness, headers, url="http://93.184.216.34/hook").status_code == 201


def test_private_targets_need_the_setting(make_harness) -> None:
    allowed = make_harness(webhooks_allow_private=True)
    headers = _tenant(allowed, Environment.TEST)
    assert _create(allowed, headers, url="http://127.0.0.1:9/hook").status_code == 201
    live = _tenant(allowed, Environment.LIVE)
    assert _create(allowed, live, url="http://127.0.0.1:9/hook").status_code == 422  # live still needs https
