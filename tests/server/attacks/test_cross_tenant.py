"""Another organization's key, the other environment's key, and ids of another tenant, on every operation.

The design's answers: another tenant's (or environment's) object is 404 exactly as if it did not
exist; an organization the caller cannot act in is 403 ``organization_access_denied`` whether it
exists or not; an id of another tenant in a body is treated as unknown. "Exactly" is checked by
comparing each answer with the answer for an id (or organization) that never existed: same status,
code, title, header names and detail (with the id swapped), no ETag. Nothing is ever written.
"""

from __future__ import annotations

from typing import Any

import pytest

from server_impl.domain.ids import new_id
from tests.server.attacks.conftest import World
from tests.server.attacks.contract import Operation, operations
from tests.server.attacks.world import ID_TEXT, Tenant, changed_tables, example_body, fabricated_id, recipe, snapshot

OPERATIONS = operations()
WITH_IDS = [op for op in OPERATIONS if op.path_parameters]
LISTS = [op for op in OPERATIONS if op.is_list]
VARYING_HEADERS = {"x-request-id", "content-length", "ratelimit", "ratelimit-policy", "date"}


def _shape(response: Any, swap: dict[str, str] | None = None) -> dict[str, Any]:
    """What an observer can compare between two answers (request ids and swapped ids normalized)."""
    body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
    detail = str(body.get("detail", ""))
    for old, new in (swap or {}).items():
        detail = detail.replace(old, new)
    return {
        "status": response.status_code,
        "code": body.get("code"),
        "title": body.get("title"),
        "detail": detail,
        "members": sorted(set(body) - {"request_id", "instance"}),
        "headers": sorted(set(response.headers) - VARYING_HEADERS),
    }


def _ids_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_ids_in(item) for item in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ids_in(item) for item in value)) if value else set()
    return {value} if isinstance(value, str) and ID_TEXT.match(value) else set()


def _fields(response: Any) -> list[str]:
    return sorted(error["field"] for error in response.json()["errors"])


def _victim_ids(victim: Tenant) -> set[str]:
    return {value for values in victim.seen.values() for value in values if not value.startswith(("org_", "req_"))}


@pytest.mark.parametrize("operation", WITH_IDS, ids=str)
def test_another_tenants_ids_are_404_as_if_they_never_existed(world: World, operation: Operation) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    before = snapshot(harness.context.engine, [victim.org, attacker.org])
    theirs = recipe(operation, victim)
    never = {p.name: fabricated_id(p) for p in operation.path_parameters}
    unknown = recipe(operation, victim, ids=never)
    swap = {victim.ids.get(name, ""): value for name, value in never.items() if name in victim.ids}
    # Ids of objects the server cannot create yet (placeholder handlers) are fabricated: for those
    # only the equality with a never-existing id is checked, since both name no object.
    real = all(p.name in victim.real for p in operation.path_parameters)
    for label, headers in (
        ("another organization's key", attacker.headers()),
        ("the victim's own test key", victim.headers(victim.test_secret)),
    ):
        response = theirs.send(harness, headers)
        assert response.status_code < 500, (label, response.text)
        if real:
            assert response.status_code == 404, (label, response.text)
            assert response.json()["code"] == "not_found"
        assert "etag" not in response.headers
        baseline = unknown.send(harness, headers)
        assert _shape(response, swap) == _shape(baseline), label
    assert changed_tables(before, snapshot(harness.context.engine, [victim.org, attacker.org])) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_another_organization_is_403_whether_or_not_it_exists(world: World, operation: Operation) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    before = snapshot(harness.context.engine, [victim.org, attacker.org])
    request = recipe(operation, attacker)
    denied = request.send(harness, {**attacker.headers(), "x-organization-id": victim.org})
    missing = request.send(harness, {**attacker.headers(), "x-organization-id": new_id("org")})
    assert denied.status_code == 403, denied.text
    assert denied.json()["code"] == "organization_access_denied"
    assert _shape(denied) == _shape(missing)
    assert changed_tables(before, snapshot(harness.context.engine, [victim.org, attacker.org])) == []


@pytest.mark.parametrize("operation", LISTS, ids=str)
def test_a_list_never_names_another_tenants_objects(world: World, operation: Operation) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    for label, tenant, headers in (
        ("another organization", attacker, attacker.headers()),
        ("the victim's test environment", victim, victim.headers(victim.test_secret)),
    ):
        response = recipe(operation, tenant).send(harness, {**headers})
        if operation.path_parameters and response.status_code == 404:  # a sub-list of the other environment
            continue
        assert response.status_code == 200, (label, response.text)
        leaked = _ids_in(response.json()) & _victim_ids(victim)
        if tenant is victim:  # the test key's own view: live ids are the leak
            leaked = _ids_in(response.json()) & set(victim.ids.values())
        assert not leaked, (label, leaked)


@pytest.mark.parametrize(
    "operation", [op for op in OPERATIONS if _ids_in(example_body(op, Tenant("", "", "")))], ids=str
)
def test_an_id_of_another_tenant_in_a_body_is_an_unknown_id(world: World, operation: Operation) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    before = snapshot(harness.context.engine, [victim.org, attacker.org])
    before_victim = snapshot(harness.context.engine, [victim.org])
    with_theirs = recipe(operation, attacker, body=example_body(operation, victim))
    with_unknown = recipe(operation, attacker, body=example_body(operation, Tenant("", "", "")))
    response = with_theirs.send(harness, attacker.headers())
    baseline = with_unknown.send(harness, attacker.headers())
    assert response.status_code == baseline.status_code, (response.text, baseline.text)
    if response.status_code >= 400:
        assert response.json()["code"] == baseline.json()["code"]
        if response.status_code == 422:
            assert _fields(response) == _fields(baseline)
        assert changed_tables(before, snapshot(harness.context.engine, [victim.org, attacker.org])) == []
    else:  # a no-op on an unknown id (unassigning a technician nobody assigned) must not echo the victim's
        assert not _ids_in(response.json()) & _victim_ids(victim), response.text
    assert changed_tables(before_victim, snapshot(harness.context.engine, [victim.org])) == []
