"""The Core read path of the tenant guard: same isolation as the ORM hook, and it refuses what it cannot filter."""

from typing import Any, cast

import pytest
from sqlalchemy import Select, Table, bindparam, select

from server_impl.adapters.sqlalchemy.tables import CustomerRow
from server_impl.adapters.sqlalchemy.tenancy import (
    SCOPE_KEY,
    SYSTEM,
    TenantViolation,
    insert_row,
    read_rows,
    tenant_filtered,
)
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services import customers
from tests.server.conftest import Harness

CUSTOMERS = cast(Table, CustomerRow.__table__)
IDS = select(CUSTOMERS.c.id).order_by(CUSTOMERS.c.id)


def _customer(harness: Harness, org: str, environment: Environment, name: str) -> str:
    system = CallContext(Principal(org, environment, ActorType.SYSTEM, None, ALL_SCOPES), request_id="test")
    with harness.context.uow_factory(system.principal.tenant) as uow:
        made = customers.create_customer(uow, system, {"display_name": name})
        uow.commit()
    return made.id


def _ids(harness: Harness, tenant: Tenant, scope: object = None, *, read_only: bool = True) -> list[str]:
    with harness.context.uow_factory(tenant, read_only=read_only) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        if scope is not None:
            uow.session.info[SCOPE_KEY] = scope
        return [row.id for row in read_rows(uow.session, IDS)]


def test_core_reads_see_only_the_sessions_tenant(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    own = _customer(harness, mine, Environment.LIVE, "mine")
    test_row = _customer(harness, mine, Environment.TEST, "mine, test")
    other = _customer(harness, theirs, Environment.LIVE, "theirs")
    assert _ids(harness, Tenant(mine, Environment.LIVE)) == [own]
    assert _ids(harness, Tenant(mine, Environment.TEST), read_only=False) == [test_row]
    assert _ids(harness, Tenant(theirs, Environment.LIVE)) == [other]
    assert set(_ids(harness, Tenant(mine, Environment.LIVE), SYSTEM)) >= {own, test_row, other}


def test_a_session_without_tenant_reads_no_rows_through_core(harness: Harness) -> None:
    org = harness.organization()
    _customer(harness, org, Environment.LIVE, "x")
    assert _ids(harness, Tenant(org, Environment.LIVE), scope="nobody") == []


def test_the_repository_get_is_confined_like_before(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    other = _customer(harness, theirs, Environment.LIVE, "theirs")
    with harness.context.uow_factory(Tenant(mine, Environment.LIVE), read_only=True) as uow:
        assert uow.customers.get(other) is None
    with harness.context.uow_factory(Tenant(theirs, Environment.LIVE), read_only=True) as uow:
        found = uow.customers.get(other)
        assert found is not None
        assert found.display_name == "theirs"


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param(select(CUSTOMERS.alias("c").c.id), id="alias"),
        pytest.param(
            select(CUSTOMERS.c.id).where(CUSTOMERS.c.id.in_(select(CUSTOMERS.c.id).scalar_subquery())), id="subquery"
        ),
        pytest.param(select(select(CUSTOMERS.c.id).subquery().c.id), id="from-subquery"),
        pytest.param(
            select(CUSTOMERS.c.id).join_from(CUSTOMERS, CUSTOMERS.alias("o"), bindparam("x", True)), id="join"
        ),
    ],
)
def test_the_core_filter_refuses_statements_it_cannot_vouch_for(statement: Select[Any]) -> None:
    with pytest.raises(TenantViolation):
        tenant_filtered(statement)


def test_the_core_filter_adds_the_tenant_criteria() -> None:
    sql = str(tenant_filtered(IDS))
    assert "customers.organization_id = :_tenant_organization_id" in sql
    assert "customers.environment = :_tenant_environment" in sql


def _row(org: str | None, environment: str | None, name: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    from server_impl.domain.ids import new_id

    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "id": new_id("cus"),
        "type": "residential",
        "display_name": name,
        "emails": [],
        "phones": [],
        "service_locations": [],
        "tags": [],
        "tags_text": ",",
        "search_text": name,
        "notifications_enabled": True,
        "do_not_service": False,
        "balance_due": 0,
        "currency": "USD",
        "metadata": {},
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    if org is not None:
        values.update(organization_id=org, environment=environment)
    return values


def test_core_inserts_are_stamped_with_the_tenant_and_refuse_another(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    tenant = Tenant(mine, Environment.LIVE)
    stamped = _row(None, None, "stamped")
    with harness.context.uow_factory(tenant) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        insert_row(uow.session, CUSTOMERS, stamped)
        uow.commit()
    assert _ids(harness, tenant) == [stamped["id"]]
    for foreign in (_row(theirs, "live", "theirs"), _row(mine, "test", "other environment")):
        with harness.context.uow_factory(tenant) as uow:
            assert isinstance(uow, SqlAlchemyUnitOfWork)
            with pytest.raises(TenantViolation):
                insert_row(uow.session, CUSTOMERS, foreign)
    with harness.context.uow_factory(tenant) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        uow.session.info[SCOPE_KEY] = None
        with pytest.raises(TenantViolation):
            insert_row(uow.session, CUSTOMERS, _row(None, None, "no tenant"))
    assert _ids(harness, Tenant(theirs, Environment.LIVE)) == []
    assert _ids(harness, Tenant(mine, Environment.TEST), read_only=False) == []


def test_a_read_only_unit_reads_on_its_connection_and_builds_a_session_only_for_the_orm(harness: Harness) -> None:
    mine, theirs = harness.organization(), harness.organization()
    own = _customer(harness, mine, Environment.LIVE, "mine")
    _customer(harness, theirs, Environment.LIVE, "theirs")
    with harness.context.uow_factory(Tenant(mine, Environment.LIVE), read_only=True) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        assert [row.id for row in read_rows(uow, IDS)] == [own]
        assert uow.customers.get(own) is not None
        assert uow._session is None  # Core reads built no session
        orm_ids = [row.id for row in uow.session.scalars(select(CustomerRow))]  # the ORM: a session, same tenant
        assert orm_ids == [own]
        assert uow.session.connection() is uow.connection()
    assert uow._session is None  # both closed on exit
    assert uow._connection is None


def test_a_read_only_unit_that_cannot_connect_leaves_its_read_only_block(tmp_path: Any) -> None:
    from server_impl.adapters.sqlalchemy.engine import _READING, build_engine, build_session_factory

    engine = build_engine(f"sqlite:///{tmp_path / 'missing' / 'folder' / 'x.db'}")
    uow = SqlAlchemyUnitOfWork(build_session_factory(engine), None, read_only=True)
    with pytest.raises(Exception, match="unable to open database file"):
        uow.__enter__()
    assert _READING.get() is False  # the next transaction of this task begins as a writer again
    engine.dispose()
