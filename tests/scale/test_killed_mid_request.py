"""A server process killed (SIGKILL) in the middle of a write leaves no half-written resource.

The write is caught mid-transaction by holding a lock on the outbox table: the server's transaction
has begun inserting the customer, its audit event and its outbox event, and waits. The process
handling it is killed; the lock is released; PostgreSQL, finding the client gone, rolls the
transaction back. Nothing of it remains, the idempotency key answers "still in use" (409 with
Retry-After) until its lock times out instead of replaying anything, and the cluster serves on.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from tests.scale.cluster import Cluster
from tests.scale.conftest import SERVERS

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]
CUSTOMERS = "/api/public/v1/customers"


@pytest.fixture
def database(cluster: Cluster) -> Iterator[Engine]:
    engine = create_engine(cluster.environ["ASTERI_DATABASE_URL"])
    yield engine
    engine.dispose()


def _count(engine: Engine, sql: str, **params: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def _blocked_server(cluster: Cluster, engine: Engine, deadline: float) -> int:
    """The server process whose database connection waits on the lock (workers polling the outbox may wait too)."""
    query = text(
        "SELECT client_port FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            ports = connection.execute(query).scalars().all()
        for port in ports:
            holder = cluster.holder_of(int(port))
            if holder is not None:
                return holder
        time.sleep(0.05)
    raise AssertionError("the write never reached the locked table")


def test_a_write_killed_mid_transaction_leaves_nothing_behind(cluster: Cluster, database: Engine) -> None:
    org = cluster.create_organization("Killed")
    headers = {"x-organization-id": org, "x-api-key": cluster.mint_key(org)}
    key = str(uuid.uuid4())
    outcome: dict[str, Any] = {}

    def doomed() -> None:
        try:
            outcome["response"] = httpx.post(
                cluster.base_url + CUSTOMERS,
                headers={**headers, "Idempotency-Key": key},
                json={"display_name": "Half written"},
                timeout=30,
            )
        except httpx.TransportError as error:
            outcome["error"] = error

    with database.connect() as locker:
        transaction = locker.begin()
        locker.execute(text("LOCK TABLE events IN EXCLUSIVE MODE"))
        request = threading.Thread(target=doomed)
        request.start()
        victim = _blocked_server(cluster, database, time.monotonic() + 20)
        os.kill(victim, signal.SIGKILL)
        request.join(timeout=30)
        transaction.rollback()
    assert "error" in outcome, f"the client got an answer from a killed process: {outcome}"

    deadline = time.monotonic() + 10  # PostgreSQL notices the dead client once the lock is released
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT%'"
    while _count(database, waiting) and time.monotonic() < deadline:
        time.sleep(0.05)
    for table in ("customers", "events"):
        assert _count(database, f"SELECT count(*) FROM {table} WHERE organization_id = :org", org=org) == 0, table
    audited = "SELECT count(*) FROM audit_events WHERE organization_id = :org AND action = 'customer.created'"
    assert _count(database, audited, org=org) == 0

    with httpx.Client(base_url=cluster.base_url, headers=headers, timeout=30) as client:
        retried = client.post(CUSTOMERS, headers={"Idempotency-Key": key}, json={"display_name": "Half written"})
        assert retried.status_code == 409, retried.text  # the claim of the dead request, until its lock times out
        assert retried.json()["code"] == "idempotency_key_in_use"
        assert 1 <= int(retried.headers["Retry-After"]) <= 5
        fresh = client.post(CUSTOMERS, headers={"Idempotency-Key": str(uuid.uuid4())}, json={"display_name": "Whole"})
        assert fresh.status_code == 201, fresh.text
        assert [c["display_name"] for c in client.get(CUSTOMERS).json()["data"]] == ["Whole"]

    deadline = time.monotonic() + 30  # uvicorn's supervisor replaces the killed process
    while (victim in cluster.server_pids() or len(cluster.server_pids()) < SERVERS) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert victim not in cluster.server_pids()
    assert len(cluster.server_pids()) == SERVERS
