"""The database goes away and comes back: 503 with Retry-After, no partial write, recovery without restart.

The app runs on a scratch PostgreSQL database of its own, made unavailable the way an outage or a
failover looks to the server: new connections refused (``ALLOW_CONNECTIONS false``) and the open
ones terminated. Then the database comes back, and the same app (never restarted) serves again.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from server_impl.adapters.sqlalchemy.migrate import upgrade
from tests.server.attacks.conftest import build_harness
from tests.server.conftest import Harness, postgres_base_url

pytestmark = pytest.mark.postgres
CUSTOMERS = "/api/public/v1/customers"


class Scratch:
    """A database of its own that a test can take offline and bring back."""

    def __init__(self, admin: Engine, name: str) -> None:
        self.admin = admin
        self.name = name

    def offline(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": self.name},
            )

    def online(self) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true'))

    def count(self, table: str, org: str) -> int:
        url = make_url(str(self.admin.url)).set(database=self.name)
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                query = text(f"SELECT count(*) FROM {table} WHERE organization_id = :org")
                return int(connection.execute(query, {"org": org}).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[tuple[Scratch, Harness]]:
    base = postgres_base_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"asteri_fault_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Scratch(admin, name)
    client: TestClient | None = None
    try:
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        harness, client = build_harness(url, key_cache_seconds=0, files_dir=str(tmp_path))
        yield database, harness
    finally:
        if client is not None:
            client.__exit__(None, None, None)
        database.online()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _unavailable(response: object) -> None:
    assert getattr(response, "status_code", None) == 503, getattr(response, "text", response)
    headers = getattr(response, "headers", {})
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["Retry-After"]) >= 1
    body = response.json()  # type: ignore[attr-defined]
    assert body["code"] == "service_unavailable"
    assert "nothing was changed" in body["detail"]
    assert "psycopg" not in body["detail"]
    assert "postgres" not in body["detail"].lower()
    declared = _contract()["components"]["responses"]["ServiceUnavailable"]  # every operation's 503
    assert {name.lower() for name in declared["headers"]} <= {name.lower() for name in headers}
    problem = _contract()["components"]["schemas"]["Problem"]
    assert set(problem["required"]) <= set(body) <= set(problem["properties"])


def _contract() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text())
    return document


def test_an_outage_is_503_with_retry_after_and_the_same_app_recovers(scratch: tuple[Scratch, Harness]) -> None:
    database, harness = scratch
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret)
    assert harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "Before"}).status_code == 201
    customers, audits, events = (database.count(t, org) for t in ("customers", "audit_events", "events"))

    database.offline()
    _unavailable(harness.client.get(CUSTOMERS, headers=headers))
    _unavailable(harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "During"}))
    retried = {**headers, "Idempotency-Key": "outage-1"}
    _unavailable(harness.client.post(CUSTOMERS, headers=retried, json={"display_name": "Retried"}))

    database.online()
    listed = harness.client.get(CUSTOMERS, headers=headers)  # the same app, never restarted
    assert listed.status_code == 200, listed.text
    assert [c["display_name"] for c in listed.json()["data"]] == ["Before"], "no partial write survived"
    assert (database.count("audit_events", org), database.count("events", org)) == (audits, events)
    created = harness.client.post(CUSTOMERS, headers=retried, json={"display_name": "Retried"})
    assert created.status_code == 201, created.text
    assert created.headers.get("Idempotent-Replayed") is None, "the key was never claimed during the outage"
    assert database.count("customers", org) == customers + 1


def test_connections_dropped_under_a_warm_pool_are_replaced(scratch: tuple[Scratch, Harness]) -> None:
    database, harness = scratch
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret)
    for _ in range(3):  # warm the pool
        assert harness.client.get(CUSTOMERS, headers=headers).status_code == 200
    database.offline()
    database.online()  # a failover: every pooled connection is dead, the database is back
    for _ in range(3):
        response = harness.client.get(CUSTOMERS, headers=headers)
        assert response.status_code == 200, response.text
