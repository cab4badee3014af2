"""SQLite writes run on the event loop only while the writer lock is free (server_impl/web/database_work.py)."""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool

from tests.server.conftest import Harness

CUSTOMERS = "/api/public/v1/customers"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_write_meeting_another_writer_waits_in_the_pool_while_reads_are_served(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process holds SQLite's write lock: the create waits off the loop, a GET is answered meanwhile."""
    assert harness.context.uow_factory.inline
    in_pool = threading.Event()

    async def noting_the_hop(work: Any) -> Any:
        in_pool.set()
        return await run_in_threadpool(work)

    monkeypatch.setattr("server_impl.web.database_work.run_in_threadpool", noting_the_hop)
    org = harness.organization()
    _, secret = harness.key(org)
    headers = harness.headers(org, secret)
    existing = harness.client.post(CUSTOMERS, json={"display_name": "Before"}, headers=headers)
    assert existing.status_code == 201, existing.text

    path = make_url(harness.settings.database_url).database
    assert path is not None
    other_process = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other_process.execute("BEGIN IMMEDIATE")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            other_process.execute("ROLLBACK")

    safety_net = threading.Timer(10, release)  # a blocked loop would otherwise hang the test
    safety_net.start()
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            create = pool.submit(harness.client.post, CUSTOMERS, json={"display_name": "During"}, headers=headers)
            assert in_pool.wait(10), "the refused write was not handed to the thread pool"
            read = harness.client.get(f"{CUSTOMERS}/{existing.json()['id']}", headers=headers)
            assert read.status_code == 200
            assert not released.is_set(), "the GET was answered only once the other writer let go"
            assert not create.done(), "the create did not wait for the other writer"
            release()
            created = create.result(timeout=30)
    finally:
        safety_net.cancel()
        release()
        other_process.close()
    assert created.status_code == 201, created.text
    listed = harness.client.get(CUSTOMERS, headers=headers).json()["data"]
    assert {customer["display_name"] for customer in listed} == {"Before", "During"}
