"""The attacker's checklist for credentials and organization access."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from server_impl.adapters.tokens import issue_token
from server_impl.domain.api_keys import KEY_PATTERN, has_valid_checksum
from server_impl.domain.clock import utc_now
from server_impl.domain.ids import new_id
from server_impl.domain.scopes import Role
from server_impl.domain.tenancy import Environment
from server_impl.services import api_keys, identity
from tests.server.conftest import Harness

THINGS = "/api/public/v1/_test/things"


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def _flip(secret: str, index: int) -> str:
    char = secret[index]
    replacement = "A" if char != "A" else "B"
    return secret[:index] + replacement + secret[index + 1 :]


def test_a_valid_key_reaches_the_operation(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    assert KEY_PATTERN.fullmatch(secret)
    assert secret.startswith("ast_live_")
    assert harness.client.get(THINGS, headers=harness.headers(org, secret)).status_code == 200


@pytest.mark.parametrize(
    "header", [None, "", "org_123", "cus_01HWRSWVK182VYZ04SXWF6E996", "org_01hwrswvk182vyz04sxwf6e996"]
)
def test_missing_or_malformed_organization_header_is_400(harness: Harness, header: str | None) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = {"x-api-key": secret} if header is None else {"x-api-key": secret, "x-organization-id": header}
    _problem(harness.client.get(THINGS, headers=headers), 400, "organization_required")


def test_no_credentials_is_401_with_both_challenges(harness: Harness) -> None:
    org = harness.organization()
    response = harness.client.get(THINGS, headers={"x-organization-id": org})
    body = _problem(response, 401, "invalid_credentials")
    assert "x-api-key" in body["detail"]
    assert response.headers["www-authenticate"] == 'ApiKey realm="asteri", Bearer realm="asteri"'


@pytest.mark.parametrize(
    "garbled",
    ["nonsense", "ast_live_", "ast_prod_" + "a" * 49, "ast_live_" + "a" * 48, "Bearer xyz", "ast_live_" + "0" * 49],
)
def test_garbled_keys_are_401_malformed(harness: Harness, garbled: str) -> None:
    org = harness.organization()
    body = _problem(harness.client.get(THINGS, headers=harness.headers(org, garbled)), 401, "invalid_credentials")
    assert "malformed" in body["detail"]


@pytest.mark.parametrize("index", [9, 30, -6, -1])
def test_a_key_with_one_flipped_character_is_rejected(harness: Harness, index: int) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    flipped = _flip(secret, index)
    assert not has_valid_checksum(flipped)
    body = _problem(harness.client.get(THINGS, headers=harness.headers(org, flipped)), 401, "invalid_credentials")
    assert "malformed" in body["detail"]


def test_a_well_formed_unknown_key_is_401_unknown(harness: Harness) -> None:
    org = harness.organization()
    from server_impl.domain.api_keys import generate_secret

    body = _problem(
        harness.client.get(THINGS, headers=harness.headers(org, generate_secret(Environment.LIVE))),
        401,
        "invalid_credentials",
    )
    assert "not known" in body["detail"]


def test_an_expired_key_is_401_expired(harness: Harness) -> None:
    org = harness.organization()
    key_id, secret = harness.key(org)
    with harness.context.uow_factory(None) as uow:
        key = uow.api_keys.get(key_id)
        assert key is not None
        key.expires_at = utc_now() - timedelta(seconds=1)
        uow.api_keys.save(key)
        uow.commit()
    body = _problem(harness.client.get(THINGS, headers=harness.headers(org, secret)), 401, "invalid_credentials")
    assert "expired" in body["detail"]


def test_a_revoked_key_is_401_revoked(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(key_cache_seconds=0)  # revoked by another process: no cache to wait for
    org = harness.organization()
    key_id, secret = harness.key(org)
    assert harness.client.get(THINGS, headers=harness.headers(org, secret)).status_code == 200
    from tests.server.test_api_keys import system_context

    api_keys.revoke_key(harness.context.uow_factory, system_context(org), key_id)
    body = _problem(harness.client.get(THINGS, headers=harness.headers(org, secret)), 401, "invalid_credentials")
    assert "revoked" in body["detail"]


def test_a_key_of_another_organization_is_403_whether_or_not_the_organization_exists(harness: Harness) -> None:
    mine, other = harness.organization(), harness.organization()
    _, secret = harness.key(mine)
    existing = _problem(
        harness.client.get(THINGS, headers=harness.headers(other, secret)), 403, "organization_access_denied"
    )
    ghost = _problem(
        harness.client.get(THINGS, headers=harness.headers(new_id("org"), secret)), 403, "organization_access_denied"
    )
    for body in (existing, ghost):
        body.pop("request_id")
    assert existing == ghost


def test_both_credentials_are_ambiguous(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret, authorization="Bearer abc")
    _problem(harness.client.get(THINGS, headers=headers), 400, "ambiguous_credentials")


def test_missing_scope_is_403_with_the_required_scopes(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org, scopes=("read:customers",))
    assert harness.client.get(THINGS, headers=harness.headers(org, secret)).status_code == 200
    response = harness.client.post(THINGS, json={"name": "x"}, headers=harness.headers(org, secret))
    body = _problem(response, 403, "missing_scope")
    assert body["required_scopes"] == ["write:customers"]


def _member(harness: Harness, org: str, role: Role) -> str:
    user = identity.create_user(harness.context.uow_factory, f"{new_id('usr').lower()}@example.com", "Dana")
    identity.add_member(harness.context.uow_factory, org, user.id, role)
    return user.id


def _token(harness: Harness, user_id: str, ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(user_id, harness.settings.token_secret, ttl, utc_now())


def test_a_member_with_a_bearer_token_acts_with_the_role_scopes(harness: Harness) -> None:
    org = harness.organization()
    viewer = _member(harness, org, Role.VIEWER)
    headers = {"x-organization-id": org, "authorization": f"Bearer {_token(harness, viewer)}"}
    assert harness.client.get(THINGS, headers=headers).status_code == 200
    _problem(harness.client.post(THINGS, json={"name": "x"}, headers=headers), 403, "missing_scope")
    admin = _member(harness, org, Role.ADMIN)
    headers = {"x-organization-id": org, "authorization": f"Bearer {_token(harness, admin)}"}
    assert harness.client.post(THINGS, json={"name": "x"}, headers=headers).status_code == 201


def test_a_bearer_token_for_a_non_member_is_403(harness: Harness) -> None:
    org, other = harness.organization(), harness.organization()
    user = _member(harness, other, Role.OWNER)
    headers = {"x-organization-id": org, "authorization": f"Bearer {_token(harness, user)}"}
    _problem(harness.client.get(THINGS, headers=headers), 403, "organization_access_denied")


@pytest.mark.parametrize("kind", ["expired", "bad_signature", "not_bearer", "no_subject"])
def test_invalid_bearer_tokens_are_401(harness: Harness, kind: str) -> None:
    import jwt

    org = harness.organization()
    user = _member(harness, org, Role.OWNER)
    token = {
        "expired": _token(harness, user, ttl=timedelta(seconds=-10)),
        "bad_signature": issue_token(user, "another-secret-of-at-least-32-bytes!", timedelta(hours=1), utc_now()),
        "not_bearer": "x",
        "no_subject": jwt.encode({"exp": int(utc_now().timestamp()) + 60}, harness.settings.token_secret),
    }[kind]
    value = f"Basic {token}" if kind == "not_bearer" else f"Bearer {token}"
    response = harness.client.get(THINGS, headers={"x-organization-id": org, "authorization": value})
    body = _problem(response, 401, "invalid_credentials")
    assert response.headers["www-authenticate"].startswith("Bearer")
    if kind == "expired":
        assert "expired" in body["detail"]


def test_last_used_at_is_recorded(harness: Harness) -> None:
    org = harness.organization()
    key_id, secret = harness.key(org)
    harness.client.get(THINGS, headers=harness.headers(org, secret))
    with harness.context.uow_factory(None) as uow:
        key = uow.api_keys.get(key_id)
    assert key is not None
    assert key.last_used_at is not None


def test_one_satisfied_security_alternative_suffices(harness: Harness) -> None:
    org = harness.organization()
    _, services = harness.key(org, scopes=("read:services", "read:invoices"))
    _, both = harness.key(org, scopes=("read:customers", "read:jobs"))
    _, half = harness.key(org, scopes=("read:customers",))
    for secret in (services, both):
        assert harness.client.get(THINGS + "-any", headers=harness.headers(org, secret)).status_code == 200
    body = _problem(harness.client.get(THINGS + "-any", headers=harness.headers(org, half)), 403, "missing_scope")
    assert body["required_scopes"] == ["read:customers", "read:jobs"]
