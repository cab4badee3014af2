"""Tenant isolation: another organization's or environment's rows do not exist for the caller."""

import pytest
from sqlalchemy import select, update

from server_impl.adapters.sqlalchemy.tenancy import TenantViolation
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.domain.clock import utc_now
from server_impl.domain.tenancy import Environment, Tenant
from tests.server.conftest import Harness
from tests.server.things import ThingRow

THINGS = "/api/public/v1/_test/things"


def _create(harness: Harness, org: str, secret: str, name: str) -> str:
    response = harness.client.post(THINGS, json={"name": name}, headers=harness.headers(org, secret))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_another_tenants_object_is_404_on_every_id_operation(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    _, my_secret = harness.key(mine)
    _, their_secret = harness.key(theirs)
    their_thing = _create(harness, theirs, their_secret, "theirs")
    headers = harness.headers(mine, my_secret)
    got = harness.client.get(f"{THINGS}/{their_thing}", headers=headers)
    assert got.status_code == 404
    assert got.json()["code"] == "not_found"
    patched = harness.client.patch(f"{THINGS}/{their_thing}", json={"name": "mine now"}, headers=headers)
    assert patched.status_code == 404
    assert (
        harness.client.get(f"{THINGS}/{their_thing}", headers=harness.headers(theirs, their_secret)).json()["name"]
        == "theirs"
    )


def test_a_list_never_shows_another_tenants_rows(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    _, my_secret = harness.key(mine)
    _, their_secret = harness.key(theirs)
    _create(harness, theirs, their_secret, "theirs")
    own = _create(harness, mine, my_secret, "mine")
    listed = harness.client.get(THINGS, headers=harness.headers(mine, my_secret)).json()["data"]
    assert [thing["id"] for thing in listed] == [own]


def test_a_test_key_never_sees_live_rows(harness: Harness) -> None:
    org = harness.organization()
    _, live = harness.key(org)
    _, test = harness.key(org, environment=Environment.TEST)
    assert test.startswith("ast_test_")
    live_thing = _create(harness, org, live, "live")
    test_thing = _create(harness, org, test, "test")
    test_view = harness.client.get(THINGS, headers=harness.headers(org, test)).json()["data"]
    assert [(t["id"], t["environment"]) for t in test_view] == [(test_thing, "test")]
    assert harness.client.get(f"{THINGS}/{live_thing}", headers=harness.headers(org, test)).status_code == 404
    live_view = harness.client.get(THINGS, headers=harness.headers(org, live)).json()["data"]
    assert [t["id"] for t in live_view] == [live_thing]


def test_the_data_layer_filters_updates_and_refuses_foreign_inserts(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    _, their_secret = harness.key(theirs)
    their_thing = _create(harness, theirs, their_secret, "theirs")
    with harness.context.uow_factory(Tenant(mine, Environment.LIVE)) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        result = uow.session.execute(update(ThingRow).where(ThingRow.id == their_thing).values(name="hacked"))
        assert result.rowcount == 0  # type: ignore[attr-defined]
        uow.session.add(
            ThingRow(id="cus_x", name="n", version=1, created_at=utc_now(), organization_id=theirs, environment="live")
        )
        with pytest.raises(TenantViolation):
            uow.session.flush()


def test_a_session_without_tenant_sees_no_tenant_rows(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    _create(harness, org, secret, "x")
    from server_impl.adapters.sqlalchemy.tenancy import SCOPE_KEY

    with harness.context.uow_factory(Tenant(org, Environment.LIVE)) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        assert len(uow.session.scalars(select(ThingRow)).all()) == 1
        uow.session.info[SCOPE_KEY] = None
        assert uow.session.scalars(select(ThingRow)).all() == []
