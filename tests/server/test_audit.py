"""Audit events commit with their write; a failed write leaves nothing; ETag / If-Match."""

from sqlalchemy import func, select

from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.ports import AuditFilter
from tests.server.conftest import Harness
from tests.server.things import ThingRow

THINGS = "/api/public/v1/_test/things"


def _events(harness: Harness, org: str, resource_id: str | None = None):
    with harness.context.uow_factory(Tenant(org, Environment.LIVE)) as uow:
        return list(uow.audit_events.list(AuditFilter(resource_id=resource_id, resource_type="thing"), limit=50).items)


def test_a_write_records_who_what_and_from_where(harness: Harness) -> None:
    org = harness.organization()
    key_id, secret = harness.key(org)
    headers = harness.headers(org, secret, **{"x-request-id": "req-audit-1", "user-agent": "erp-sync/1.2"})
    thing = harness.client.post(THINGS, json={"name": "a"}, headers=headers).json()
    [event] = _events(harness, org, thing["id"])
    assert (event.action, event.resource_type, event.resource_id) == ("thing.created", "thing", thing["id"])
    assert (event.actor_type, event.actor_id, event.credential_id) == ("api_key", key_id, key_id)
    assert event.request_id == "req-audit-1"
    assert event.user_agent == "erp-sync/1.2"
    assert event.ip
    assert event.changes["name"].before is None
    assert event.changes["name"].after == "a"


def test_a_failed_write_leaves_no_row_and_no_audit_event(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    assert (
        harness.client.post(f"{THINGS}/explode", json={"name": "x"}, headers=harness.headers(org, secret)).status_code
        == 500
    )
    with harness.context.uow_factory(Tenant(org, Environment.LIVE)) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        assert uow.session.scalar(select(func.count()).select_from(ThingRow)) == 0
    assert _events(harness, org) == []


def test_if_match_guards_updates(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret)
    created = harness.client.post(THINGS, json={"name": "a"}, headers=headers)
    url, etag = f"{THINGS}/{created.json()['id']}", created.headers["etag"]
    assert harness.client.get(url, headers=headers).headers["etag"] == etag
    updated = harness.client.patch(url, json={"name": "b"}, headers=headers | {"if-match": etag})
    assert updated.status_code == 200
    assert updated.headers["etag"] != etag
    stale = harness.client.patch(url, json={"name": "c"}, headers=headers | {"if-match": etag})
    assert stale.status_code == 412
    assert stale.json()["code"] == "precondition_failed"
    assert (
        harness.client.patch(
            url, json={"name": "c"}, headers=headers | {"if-match": f"W/{updated.headers['etag']}"}
        ).status_code
        == 412
    )
    assert harness.client.get(url, headers=headers).json()["name"] == "b"
    actions = [(event.action, event.changes["name"].after) for event in _events(harness, org, created.json()["id"])]
    assert actions == [("thing.updated", "b"), ("thing.created", "a")]
    assert harness.client.patch(url, json={"name": "d"}, headers=headers | {"if-match": "*"}).status_code == 200


def test_audit_reads_filter_and_stay_in_the_tenant(harness: Harness) -> None:
    from datetime import timedelta

    import pytest

    from server_impl.domain.clock import utc_now
    from server_impl.domain.errors import NotFound
    from server_impl.services import audit

    org, other = harness.organization(), harness.organization()
    key_id, secret = harness.key(org)
    created = harness.client.post(THINGS, json={"name": "a"}, headers=harness.headers(org, secret)).json()
    mine = Tenant(org, Environment.LIVE)
    with harness.context.uow_factory(mine) as uow:
        page = audit.list_events(uow, AuditFilter(actor_id=key_id, action="thing.created"), limit=10, before_id=None)
        [event] = page.items
        assert event.resource_id == created["id"]
        assert audit.get_event(uow, event.id) == event
        later = AuditFilter(since=utc_now() + timedelta(minutes=1))
        assert audit.list_events(uow, later, limit=10, before_id=None).items == []
    with harness.context.uow_factory(Tenant(other, Environment.LIVE)) as uow, pytest.raises(NotFound):
        audit.get_event(uow, event.id)
