"""The issue's attacker checklist, against the real customers, services, API keys and audit events routes.

Operations are enumerated from the served contract, so a new operation on these resources is covered
(or fails here for want of an id to attack with) without anyone remembering to add it.
"""

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server_impl.domain.clock import utc_now
from server_impl.domain.tenancy import Environment
from tests.server.conftest import Harness

CONTRACT = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text(encoding="utf-8"))
BASE = "/api/public/v1"
RESOURCES = ("/customers", "/services", "/api-keys", "/audit-events")
CUSTOMERS = f"{BASE}/customers"


def _operations() -> Iterator[tuple[str, str]]:
    for path, item in CONTRACT["paths"].items():
        if path.startswith(tuple(BASE + prefix for prefix in RESOURCES)):
            for method in item:
                if method in {"get", "post", "patch", "put", "delete"}:
                    yield method.upper(), path


ID_OPERATIONS = sorted((m, p) for m, p in _operations() if "{" in p)
LIST_OPERATIONS = sorted(p for m, p in _operations() if m == "GET" and "{" not in p)


@dataclass
class Tenant:
    """An organization's live key, test key, and one object of each resource, made through the API."""

    org: str
    secret: str
    test_secret: str
    ids: dict[str, str]

    def headers(self, **extra: str) -> dict[str, str]:
        return {"x-organization-id": self.org, "x-api-key": self.secret, **extra}


def _tenant(harness: Harness) -> Tenant:
    org = harness.organization()
    key_id, secret = harness.key(org)
    _, test_secret = harness.key(org, environment=Environment.TEST)
    headers = {"x-organization-id": org, "x-api-key": secret}
    client = harness.client
    customer = client.post(CUSTOMERS, headers=headers, json={"display_name": "Victim"}).json()["id"]
    service = client.post(
        f"{BASE}/services", headers=headers, json={"name": "Secret service", "unit_price": 100, "currency": "USD"}
    ).json()["id"]
    event = client.get(f"{BASE}/audit-events", headers=headers).json()["data"][0]["id"]
    ids = {"customer_id": customer, "service_id": service, "api_key_id": key_id, "audit_event_id": event}
    return Tenant(org, secret, test_secret, ids)


@pytest.fixture
def victim_and_attacker(harness: Harness) -> tuple[Tenant, Tenant]:
    return _tenant(harness), _tenant(harness)


def _call(harness: Harness, method: str, path: str, headers: dict[str, str]) -> Any:
    body: dict[str, Any] | None = {} if method == "PATCH" else None
    return harness.client.request(method, path, headers=headers, json=body)


def test_the_contract_has_id_operations_to_attack() -> None:
    assert len(ID_OPERATIONS) >= 12
    assert len(LIST_OPERATIONS) == 4


@pytest.mark.parametrize(("method", "template"), ID_OPERATIONS)
def test_another_tenants_id_is_404_on_every_id_operation(
    harness: Harness, victim_and_attacker: tuple[Tenant, Tenant], method: str, template: str
) -> None:
    victim, attacker = victim_and_attacker
    names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
    unknown = [name for name in names if name not in victim.ids]
    assert not unknown, f"no victim object for {unknown}: extend _tenant() so the new operation is attacked"
    path = template
    for name in names:
        path = path.replace("{" + name + "}", victim.ids[name])
    for headers in (
        attacker.headers(),  # another organization, with its own valid key
        {"x-organization-id": victim.org, "x-api-key": victim.test_secret},  # the victim's own test key
    ):
        response = _call(harness, method, path, headers)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["code"] == "not_found"
    owner = _call(harness, method, path, victim.headers())
    assert owner.status_code < 400 or owner.json()["code"] in {"invalid_state_transition", "conflict"}, owner.text


@pytest.mark.parametrize("path", LIST_OPERATIONS)
def test_a_list_never_shows_another_tenants_rows(
    harness: Harness, victim_and_attacker: tuple[Tenant, Tenant], path: str
) -> None:
    victim, attacker = victim_and_attacker
    theirs = set(victim.ids.values())
    mine = harness.client.get(BASE + path.removeprefix(BASE), headers=attacker.headers(), params={"limit": 100})
    assert mine.status_code == 200
    listed = {item["id"] for item in mine.json()["data"]}
    assert listed, "the attacker's own rows are listed"
    assert not listed & theirs
    test_view = harness.client.get(
        path, headers={"x-organization-id": victim.org, "x-api-key": victim.test_secret}, params={"limit": 100}
    )
    assert not {item["id"] for item in test_view.json()["data"]} & theirs, "a test key never sees live rows"


def _flip(secret: str, index: int) -> str:
    char = secret[index]
    return secret[:index] + ("A" if char != "A" else "B") + secret[index + 1 :]


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("missing", 401, "invalid_credentials"),
        ("garbled", 401, "invalid_credentials"),
        ("flipped checksum", 401, "invalid_credentials"),
        ("expired", 401, "invalid_credentials"),
        ("revoked", 401, "invalid_credentials"),
        ("another organization", 403, "organization_access_denied"),
    ],
)
def test_bad_credentials_never_reach_customers(harness: Harness, case: str, status: int, code: str) -> None:
    org, other = harness.organization(), harness.organization()
    key_id, secret = harness.key(org)
    headers: dict[str, str] = {"x-organization-id": org, "x-api-key": secret}
    if case == "missing":
        headers.pop("x-api-key")
    elif case == "garbled":
        headers["x-api-key"] = "ast_live_" + "x" * 12
    elif case == "flipped checksum":
        headers["x-api-key"] = _flip(secret, len(secret) - 1)
    elif case == "expired":
        with harness.context.uow_factory(None) as uow:
            key = uow.api_keys.get(key_id)
            assert key is not None
            key.expires_at = utc_now() - timedelta(seconds=1)
            uow.api_keys.save(key)
            uow.commit()
    elif case == "revoked":
        assert harness.client.get(CUSTOMERS, headers=headers).status_code == 200  # cached from now on
        revoked = harness.client.post(f"{BASE}/api-keys/{key_id}/revoke", headers=headers)
        assert revoked.status_code == 200
    else:
        headers["x-organization-id"] = other
    response = harness.client.get(CUSTOMERS, headers=headers)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code
    if case in {"expired", "revoked"}:
        assert case in response.json()["detail"]


def test_a_key_cannot_create_or_rotate_into_more_scopes(harness: Harness) -> None:
    org = harness.organization()
    _, limited = harness.key(org, ("write:api_keys", "read:api_keys", "read:customers"))
    strong_id, _ = harness.key(org, ("write:customers", "read:customers"))
    headers = {"x-organization-id": org, "x-api-key": limited}
    wider = harness.client.post(
        f"{BASE}/api-keys",
        headers=headers,
        json={"name": "escalate", "scopes": ["read:customers", "write:customers"], "environment": "live"},
    )
    assert wider.status_code == 403
    assert wider.json()["code"] == "missing_scope"
    assert wider.json()["required_scopes"] == ["write:customers"]
    rotated = harness.client.post(f"{BASE}/api-keys/{strong_id}/rotate", headers=headers)
    assert rotated.status_code == 403
    assert rotated.json()["code"] == "missing_scope"
    same = harness.client.post(
        f"{BASE}/api-keys", headers=headers, json={"name": "ok", "scopes": ["read:customers"], "environment": "live"}
    )
    assert same.status_code == 201


def test_an_idempotency_key_reused_with_another_body_is_422(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = {"x-organization-id": org, "x-api-key": secret, "Idempotency-Key": "order-1"}
    first = harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "One"})
    assert first.status_code == 201
    reused = harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "Two"})
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    listed = harness.client.get(CUSTOMERS, headers={"x-organization-id": org, "x-api-key": secret}).json()["data"]
    assert [item["display_name"] for item in listed] == ["One"]


def test_concurrent_retries_of_one_key_create_exactly_one_customer(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = {"x-organization-id": org, "x-api-key": secret, "Idempotency-Key": "retry-storm"}
    start = threading.Barrier(8)

    def attempt(_: int) -> Any:
        start.wait()
        return harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "Once"})

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(attempt, range(8)))
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1
    assert all(r.status_code == 201 or r.json()["code"] == "idempotency_key_in_use" for r in responses)
    listed = harness.client.get(CUSTOMERS, headers={"x-organization-id": org, "x-api-key": secret}).json()["data"]
    assert [item["id"] for item in listed] == list(created)
