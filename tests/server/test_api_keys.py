"""API key use cases: format, storage, scope ceilings, environments, revoke and rotate."""

from datetime import timedelta
from typing import Any

import pytest

from server_impl.domain.api_keys import KEY_REGEX, hash_secret
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict, InvalidCredentials, NotFound, ScopeEscalation, ValidationFailed
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services import api_key_rotation, api_keys
from server_impl.services.authentication import authenticate_key
from tests.server.conftest import Harness


def system_context(org: str, environment: Environment = Environment.LIVE) -> CallContext:
    return CallContext(Principal(org, environment, ActorType.SYSTEM, None, ALL_SCOPES), request_id="test")


def key_context(org: str, scopes: set[str], environment: Environment = Environment.LIVE) -> CallContext:
    principal = Principal(org, environment, ActorType.API_KEY, "key_x", frozenset(scopes), key_id="key_x")
    return CallContext(principal, request_id="req_test")


def _request(scopes: tuple[str, ...], environment: Environment = Environment.LIVE, **kw) -> api_keys.NewKey:
    values = {"expires_at": None, "per_minute": 60, "per_day": 1000} | kw
    return api_keys.NewKey("k", scopes, environment, **values)


def test_the_secret_is_never_stored(harness: Harness) -> None:
    org = harness.organization()
    key_id, secret = harness.key(org)
    with harness.context.uow_factory(None) as uow:
        key = uow.api_keys.get(key_id)
    assert key is not None
    assert key.key_hash == hash_secret(secret, harness.settings.api_key_pepper)
    assert secret not in repr(key)
    assert key.prefix == secret[:13]
    assert key.last_four == secret[-4:]
    assert KEY_REGEX.startswith("ast_")


def test_a_key_cannot_grant_scopes_it_does_not_hold(harness: Harness) -> None:
    org = harness.organization()
    issuer = key_context(org, {"write:api_keys", "read:customers"})
    with pytest.raises(ScopeEscalation) as caught:
        api_keys.create_key(
            harness.context.uow_factory,
            issuer,
            org,
            _request(("read:customers", "write:customers")),
            pepper=harness.settings.api_key_pepper,
        )
    assert caught.value.missing == ("write:customers",)
    key, _ = api_keys.create_key(
        harness.context.uow_factory, issuer, org, _request(("read:customers",)), pepper=harness.settings.api_key_pepper
    )
    assert key.scopes == ("read:customers",)


def test_a_key_cannot_create_keys_of_the_other_environment(harness: Harness) -> None:
    org = harness.organization()
    issuer = key_context(org, {"write:api_keys", "read:customers"}, Environment.TEST)
    with pytest.raises(ValidationFailed) as caught:
        api_keys.create_key(
            harness.context.uow_factory,
            issuer,
            org,
            _request(("read:customers",), Environment.LIVE),
            pepper=harness.settings.api_key_pepper,
        )
    assert caught.value.errors[0].field == "/environment"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"expires_at": "past"}, "/expires_at"),
        ({"expires_at": "too_far"}, "/expires_at"),
        ({"per_minute": 0}, "/rate_limit/per_minute"),
        ({"per_day": 0}, "/rate_limit/per_day"),
    ],
)
def test_expiry_and_limits_are_bounded(harness: Harness, change: dict[str, Any], field: str) -> None:
    org = harness.organization()
    now = utc_now()
    if "expires_at" in change:
        change = {
            "expires_at": now - timedelta(seconds=1) if change["expires_at"] == "past" else now + timedelta(days=366)
        }
    with pytest.raises(ValidationFailed) as caught:
        api_keys.create_key(
            harness.context.uow_factory,
            system_context(org),
            org,
            _request(("read:customers",), **change),
            pepper=harness.settings.api_key_pepper,
            now=now,
        )
    assert [error.field for error in caught.value.errors] == [field]


def test_unknown_scopes_are_refused(harness: Harness) -> None:
    org = harness.organization()
    with pytest.raises(ValidationFailed):
        api_keys.create_key(
            harness.context.uow_factory,
            system_context(org),
            org,
            _request(("read:everything",)),
            pepper=harness.settings.api_key_pepper,
        )


def test_default_expiry_is_90_days(harness: Harness) -> None:
    org = harness.organization()
    now = utc_now()
    key, _ = api_keys.create_key(
        harness.context.uow_factory,
        system_context(org),
        org,
        _request(("read:customers",)),
        pepper=harness.settings.api_key_pepper,
        now=now,
    )
    assert key.expires_at == now + timedelta(days=90)


def test_rotation_keeps_the_old_key_for_the_overlap(harness: Harness) -> None:
    org = harness.organization()
    key_id, old_secret = harness.key(org, scopes=("read:customers",))
    now = utc_now()
    pepper = harness.settings.api_key_pepper
    new, new_secret = api_key_rotation.rotate_key(
        harness.context.uow_factory, system_context(org), key_id, pepper=pepper, overlap=timedelta(hours=1), now=now
    )
    assert new.scopes == ("read:customers",)
    assert new.id != key_id
    assert authenticate_key(harness.context.uow_factory, new_secret, pepper).id == new.id
    assert authenticate_key(harness.context.uow_factory, old_secret, pepper, now + timedelta(minutes=59)).id == key_id
    with pytest.raises(InvalidCredentials) as caught:
        authenticate_key(harness.context.uow_factory, old_secret, pepper, now + timedelta(hours=1, seconds=1))
    assert caught.value.reason == "expired"
    with pytest.raises(Conflict):
        api_key_rotation.rotate_key(harness.context.uow_factory, system_context(org), key_id, pepper=pepper)


def test_rotation_needs_every_scope_of_the_key(harness: Harness) -> None:
    org = harness.organization()
    key_id, _ = harness.key(org, scopes=("read:customers", "write:customers"))
    with pytest.raises(ScopeEscalation):
        api_key_rotation.rotate_key(
            harness.context.uow_factory,
            key_context(org, {"write:api_keys", "read:customers"}),
            key_id,
            pepper=harness.settings.api_key_pepper,
        )


def test_key_management_is_confined_to_the_tenant(harness: Harness) -> None:
    mine, other = harness.organization(), harness.organization()
    key_id, _ = harness.key(other)
    test_key_id, _ = harness.key(mine, environment=Environment.TEST)
    for missing in (key_id, test_key_id):
        with pytest.raises(NotFound):
            api_keys.revoke_key(harness.context.uow_factory, system_context(mine), missing)
        with pytest.raises(NotFound):
            api_keys.get_key(harness.context.uow_factory, system_context(mine).principal.tenant, missing)
    listed = api_keys.list_keys(harness.context.uow_factory, system_context(mine).principal.tenant, 100, None)
    assert listed.items == []


def test_key_lifecycle_is_audited(harness: Harness) -> None:
    from server_impl.services.ports import AuditFilter

    org = harness.organization()
    key_id, _ = harness.key(org)
    api_keys.revoke_key(harness.context.uow_factory, system_context(org), key_id)
    with harness.context.uow_factory(system_context(org).principal.tenant) as uow:
        events = uow.audit_events.list(AuditFilter(resource_id=key_id), limit=10).items
    assert [event.action for event in events] == ["api_key.revoked", "api_key.created"]
    assert "key_hash" not in events[1].changes
    assert events[0].changes["revoked_at"].before is None
