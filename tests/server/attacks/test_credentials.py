"""Every operation refuses bad credentials, missing scopes and foreign tokens, and writes nothing when it does.

Each operation is called with: no credential, a garbled key, a key with a flipped checksum, an
expired, a revoked and a rotated-out key (overlap 0), a key holding every scope except the
operation's, bearer tokens with a bad signature, expired, with ``alg: none``, for a user who is no
member, and for a viewer on writes. A key holding exactly the operation's scopes (and nothing
else) gets through the pipeline: extra scopes are never needed, missing ones are never excused.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from server_impl.adapters.tokens import issue_token
from server_impl.domain.clock import utc_now
from server_impl.domain.scopes import ALL_SCOPES, ROLE_SCOPES, Role
from server_impl.services import identity
from tests.server.attacks.conftest import World
from tests.server.attacks.contract import Operation, operations
from tests.server.attacks.world import Request, Tenant, changed_tables, fabricated_id, recipe, scoped_key, snapshot
from tests.server.conftest import Harness

OPERATIONS = operations()
BASE = "/api/public/v1"


@dataclass(frozen=True)
class BadCredentials:
    """Named headers that must never get through, each with the answer it must get."""

    rejected: dict[str, tuple[dict[str, str], int, str]]
    viewer: dict[str, str]


def _unsigned(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _member(harness: Harness, org: str, role: Role) -> str:
    user = identity.create_user(harness.context.uow_factory, f"{uuid.uuid4().hex}@example.com", "Member")
    identity.add_member(harness.context.uow_factory, org, user.id, role)
    return user.id


def _flip(secret: str) -> str:
    return secret[:-1] + ("A" if secret[-1] != "A" else "B")


@pytest.fixture(scope="module")
def bad(world: World) -> BadCredentials:
    harness, victim = world.harness, world.victim
    client, org = harness.client, victim.org
    expired_id, expired = scoped_key(harness, victim, ALL_SCOPES)
    with harness.context.uow_factory(None) as uow:
        stored = uow.api_keys.get(expired_id)
        assert stored is not None
        stored.expires_at = utc_now() - timedelta(seconds=1)
        uow.api_keys.save(stored)
        uow.commit()
    revoked_id, revoked = scoped_key(harness, victim, ALL_SCOPES)
    assert client.post(f"{BASE}/api-keys/{revoked_id}/revoke", headers=victim.headers()).status_code == 200
    rotated_id, rotated = scoped_key(harness, victim, ALL_SCOPES)
    rotation = client.post(
        f"{BASE}/api-keys/{rotated_id}/rotate", headers=victim.headers(), json={"overlap_seconds": 0}
    )
    assert rotation.status_code in {200, 201}, rotation.text
    secret = harness.settings.token_secret
    owner = _member(harness, org, Role.OWNER)
    outsider = _member(harness, world.attacker.org, Role.OWNER)
    viewer = _member(harness, org, Role.VIEWER)
    hour = timedelta(hours=1)
    exp = int((utc_now() + hour).timestamp())

    def key(value: str) -> dict[str, str]:
        return {"x-organization-id": org, "x-api-key": value}

    def bearer(token: str) -> dict[str, str]:
        return {"x-organization-id": org, "authorization": f"Bearer {token}"}

    invalid = (401, "invalid_credentials")
    rejected = {
        "no credential": ({"x-organization-id": org}, *invalid),
        "garbled key": (key("ast_live_" + "x" * 20), *invalid),
        "flipped checksum": (key(_flip(victim.secret)), *invalid),
        "expired key": (key(expired), *invalid),
        "revoked key": (key(revoked), *invalid),
        "rotated-out key": (key(rotated), *invalid),
        "both credentials": ({**key(victim.secret), "authorization": "Bearer x"}, 400, "ambiguous_credentials"),
        "token with a bad signature": (bearer(issue_token(owner, "not-the-secret-" * 4, hour, utc_now())), *invalid),
        "expired token": (bearer(issue_token(owner, secret, -hour, utc_now())), *invalid),
        "token with alg none": (bearer(_unsigned({"sub": owner, "exp": exp})), *invalid),
        "token of a non-member": (
            bearer(issue_token(outsider, secret, hour, utc_now())),
            403,
            "organization_access_denied",
        ),
    }
    return BadCredentials(rejected, bearer(issue_token(viewer, secret, hour, utc_now())))


def _through_the_pipeline(operation: Operation) -> Request:
    """A request that the operation refuses only after authorization: unknown ids, or an unknown body field."""
    ids = {p.name: fabricated_id(p) for p in operation.path_parameters}
    tenant = Tenant("", "", "")
    if operation.body_media_type == "application/json":
        return recipe(operation, tenant, ids=ids, body={"x_attack_unknown_field": 1})
    return recipe(operation, tenant, ids=ids)


def _passed(response: Any) -> bool:
    if response.status_code in {400, 401} or response.status_code >= 500:
        return False
    code = response.json().get("code") if response.headers["content-type"].endswith("json") else None
    return not (response.status_code == 403 and code in {"missing_scope", "organization_access_denied"})


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_bad_credentials_are_refused_before_anything_else(
    world: World, bad: BadCredentials, operation: Operation
) -> None:
    harness = world.harness
    request = recipe(operation, world.victim)
    before = snapshot(harness.context.engine, [world.victim.org])
    for label, (headers, status, code) in bad.rejected.items():
        response = request.send(harness, headers)
        assert (response.status_code, response.json().get("code")) == (status, code), (label, response.text)
        if status == 401:
            assert "www-authenticate" in response.headers, label
    needs_more_than_a_viewer = set(operation.scopes) - ROLE_SCOPES[Role.VIEWER]
    viewer = request.send(harness, bad.viewer)
    if needs_more_than_a_viewer:
        assert viewer.status_code == 403, viewer.text
        assert viewer.json()["code"] == "missing_scope"
    else:
        assert _passed(viewer) or viewer.status_code == 415, viewer.text
    assert changed_tables(before, snapshot(harness.context.engine, [world.victim.org])) == []


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_missing_scopes_are_refused_and_exact_scopes_suffice(world: World, operation: Operation) -> None:
    harness, victim = world.harness, world.victim
    _, without = scoped_key(harness, victim, ALL_SCOPES - set(operation.scopes))
    _, exact = scoped_key(harness, victim, operation.scopes)
    almost = [  # every required scope but one, for operations needing several
        scoped_key(harness, victim, set(operation.scopes) - {scope})[1]
        for scope in operation.scopes
        if len(operation.scopes) > 1
    ]
    before = snapshot(harness.context.engine, [victim.org])
    for secret in (without, *almost):
        refused = recipe(operation, victim).send(harness, victim.headers(secret))
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "missing_scope"
        assert sorted(refused.json()["required_scopes"]) == sorted(operation.scopes)
    assert changed_tables(before, snapshot(harness.context.engine, [victim.org])) == []
    passed = _through_the_pipeline(operation).send(harness, victim.headers(exact))
    assert _passed(passed) or passed.status_code == 415, passed.text
    assert changed_tables(before, snapshot(harness.context.engine, [victim.org])) == []
