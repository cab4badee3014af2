"""Idempotency-Key on POST: replay, reuse with another body, concurrency, failures, per-tenant keys."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.domain.tenancy import Environment, Tenant
from tests.server.conftest import Harness
from tests.server.things import ThingRow

THINGS = "/api/public/v1/_test/things"


def _count(harness: Harness, org: str) -> int:
    with harness.context.uow_factory(Tenant(org, Environment.LIVE)) as uow:
        assert isinstance(uow, SqlAlchemyUnitOfWork)
        return int(uow.session.scalar(select(func.count()).select_from(ThingRow)) or 0)


def test_a_replay_returns_the_stored_response(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret, **{"idempotency-key": "k-1"})
    first = harness.client.post(THINGS, json={"name": "a"}, headers=headers)
    again = harness.client.post(
        THINGS, content=b'{ "name" : "a" }', headers=headers | {"content-type": "application/json"}
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(harness, org) == 1


def test_the_same_key_with_another_body_is_422(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret, **{"idempotency-key": "k-2"})
    assert harness.client.post(THINGS, json={"name": "a"}, headers=headers).status_code == 201
    reused = harness.client.post(THINGS, json={"name": "b"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"
    assert _count(harness, org) == 1


def test_keys_are_per_tenant(harness: Harness) -> None:
    one, two = harness.organization(), harness.organization()
    _, secret_one = harness.key(one)
    _, secret_two = harness.key(two)
    _, secret_test = harness.key(one, environment=Environment.TEST)
    for org, secret in ((one, secret_one), (two, secret_two), (one, secret_test)):
        response = harness.client.post(
            THINGS, json={"name": "a"}, headers=harness.headers(org, secret, **{"idempotency-key": "same"})
        )
        assert response.status_code == 201
        assert "idempotent-replayed" not in response.headers


def test_a_failed_write_releases_the_key(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    calls = []

    def fail_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    harness.hooks.before_write = fail_once
    headers = harness.headers(org, secret, **{"idempotency-key": "k-3"})
    assert harness.client.post(THINGS, json={"name": "a"}, headers=headers).status_code == 500
    retry = harness.client.post(THINGS, json={"name": "a"}, headers=headers)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers
    assert _count(harness, org) == 1


def test_a_retry_while_the_first_runs_is_409_and_exactly_one_object_is_created(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        assert release.wait(10)

    # A first request still running while its retries arrive runs off the event loop: always on
    # PostgreSQL, on SQLite when the writer lock was taken (an inline write would block the loop).
    harness.context.uow_factory.inline = False
    harness.hooks.before_write = hold
    headers = harness.headers(org, secret, **{"idempotency-key": "k-4"})
    with ThreadPoolExecutor(max_workers=4) as pool:
        first = pool.submit(harness.client.post, THINGS, json={"name": "a"}, headers=headers)
        assert entered.wait(10)
        harness.hooks.before_write = None
        retries = [pool.submit(harness.client.post, THINGS, json={"name": "a"}, headers=headers) for _ in range(3)]
        answers = [retry.result() for retry in retries]
        release.set()
        created = first.result()
    assert created.status_code == 201
    for answer in answers:
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "idempotency_key_in_use"
        assert int(answer.headers["retry-after"]) >= 1
    replay = harness.client.post(THINGS, json={"name": "a"}, headers=headers)
    assert replay.json()["id"] == created.json()["id"]
    assert _count(harness, org) == 1


def test_concurrent_first_attempts_create_exactly_one_object(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret, **{"idempotency-key": "k-5"})
    barrier = threading.Barrier(6)

    def post():
        barrier.wait(10)
        return harness.client.post(THINGS, json={"name": "a"}, headers=headers)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = [future.result() for future in [pool.submit(post) for _ in range(6)]]
    statuses = sorted(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}
    assert 201 in statuses
    assert len({answer.json()["id"] for answer in answers if answer.status_code == 201}) == 1
    assert _count(harness, org) == 1


def test_an_invalid_key_is_422(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    response = harness.client.post(
        THINGS, json={"name": "a"}, headers=harness.headers(org, secret, **{"idempotency-key": "x" * 256})
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
