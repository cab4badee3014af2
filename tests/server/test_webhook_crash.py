"""Crash safety: SIGKILL a worker process mid-delivery, restart, and nothing is lost or sent twice at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from server_impl.adapters.sqlalchemy.tables import WebhookDeliveryRow
from tests.server.conftest import Harness
from tests.server.test_webhook_delivery import Hooks
from tests.server.webhook_receiver import receiver

ROOT = Path(__file__).parents[2]
EVENTS = 48


@contextmanager
def workers(database_url: str, count: int) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = {
        **os.environ,
        "ASTERI_DATABASE_URL": database_url,
        "ASTERI_WEBHOOKS_ALLOW_PRIVATE": "true",
        "ASTERI_WEBHOOK_TIMEOUT_SECONDS": "0.5",
        "ASTERI_WORKER_POLL_SECONDS": "0.05",
    }
    command = [sys.executable, "-m", "server_impl.cli", "worker", "--concurrency", "4"]
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:  # pragma: no cover - a stuck worker
                process.kill()
                process.wait()


def _pending(hooks: Hooks) -> int:
    with hooks.harness.context.uow_factory(None) as uow:
        query = (
            select(func.count())
            .select_from(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.organization_id == hooks.org, WebhookDeliveryRow.status != "succeeded")
        )
        return int(uow.session.scalar(query) or 0)  # type: ignore[attr-defined]


@pytest.mark.slow
def test_a_killed_worker_loses_nothing(make_harness: Callable[..., Harness], database_url: str) -> None:
    hooks = Hooks(make_harness(webhooks_allow_private=True))
    postgres = database_url.startswith("postgresql")
    try:
        with receiver(delay=0.1) as box:
            hooks.endpoint(box.url)
            published = {hooks.publish() for _ in range(EVENTS)}
            with workers(database_url, 1) as (first,):
                assert box.wait_for(8, timeout=90)
                first.send_signal(signal.SIGKILL)
                first.wait(10)
            # Deliveries the worker sent before dying are recorded when the receiver's delay ends.
            assert box.wait_idle()
            killed_at = len(box.received)
            assert killed_at < EVENTS  # it died with work left (claimed and unclaimed)
            overlaps_before = list(box.overlaps)
            # Two workers after the restart on PostgreSQL (SKIP LOCKED), one on SQLite.
            with workers(database_url, 2 if postgres else 1):
                deadline = time.monotonic() + 90
                while _pending(hooks) and time.monotonic() < deadline:
                    time.sleep(0.1)
            assert _pending(hooks) == 0
            received = box.ids()
            assert published <= set(received)  # every event at least once, none lost
            assert set(received) - published == set()  # only this tenant's events reached the receiver
            assert box.overlaps == overlaps_before == []  # never the same webhook-id twice at once
            duplicates = len(received) - len(set(received))
            assert duplicates <= killed_at  # only what the killed worker may have sent before dying
    finally:
        hooks.close()
