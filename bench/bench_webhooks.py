"""Drain a backlog of webhook events into a local receiver: one worker on SQLite, one vs two on PostgreSQL.

A backlog of ``--events`` outbox events (default 10,000) for one endpoint is written first; then the
workers fan them out and deliver them, signed, to a receiver running in its own process on loopback
(a minimal asyncio HTTP/1.1 server with keep-alive, answering 200 at once). On PostgreSQL the rate
is deliveries per second between the first and the last attempt recorded in the database, so process
start-up is not counted; on SQLite it is the wall time of draining the backlog, fan-out included. SQLite runs one worker
inside this process; PostgreSQL (``ASTERI_TEST_POSTGRES_URL``, skipped when unset) runs ``asteri worker``
processes, one and then two, each on a fresh schema. Target: >= 300 deliveries/s per worker on SQLite.

Run: .venv/bin/python bench/bench_webhooks.py [--events 10000] [--concurrency 16] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from server_impl.adapters.secret_box import WEBHOOK_SECRETS_PURPOSE, SealingSecretBox
from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
from server_impl.adapters.sqlalchemy.migrate import upgrade
from server_impl.adapters.sqlalchemy.tables import WebhookAttemptRow, WebhookDeliveryRow
from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
from server_impl.adapters.webhook_http import system_resolver
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services import events, identity
from server_impl.services.webhook_endpoints import UrlPolicy, create_endpoint
from server_impl.settings import Settings
from server_impl.worker.compose import build_worker

ROOT = Path(__file__).resolve().parents[1]
TARGET_PER_WORKER = 300.0


# ------------------------------------------------------------------------------------------ receiver
class _Receiver(asyncio.Protocol):
    """A minimal HTTP/1.1 keep-alive receiver: reads each request (Content-Length body), answers 200."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._buffer = b""

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = self._buffer[:end].lower()
            length = 0
            for line in head.split(b"\r\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if len(self._buffer) < end + 4 + length:
                return
            self._buffer = self._buffer[end + 4 + length :]
            self._transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


def _serve(port: Any) -> None:
    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Receiver, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        await server.serve_forever()

    asyncio.run(main())


@contextmanager
def receiver() -> Iterator[str]:
    port = multiprocessing.Value("i", 0)
    process = multiprocessing.Process(target=_serve, args=(port,), daemon=True)
    process.start()
    while port.value == 0:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port.value}/hook"
    finally:
        process.terminate()
        process.join()


# ------------------------------------------------------------------------------------------ backlog
def backlog(settings: Settings, url: str, count: int) -> str:
    """Create an organization, one test endpoint and ``count`` unpublished events; return the org id."""
    engine = build_engine(settings.database_url)
    factory = unit_of_work_factory(build_session_factory(engine))
    org = identity.create_organization(factory, "Bench").id
    tenant = Tenant(org, Environment.TEST)
    caller = CallContext(Principal(org, Environment.TEST, ActorType.SYSTEM, None, ALL_SCOPES), request_id="bench")
    box = SealingSecretBox(settings.derived_key(WEBHOOK_SECRETS_PURPOSE))
    with factory(tenant) as uow:
        create_endpoint(
            uow, caller, {"url": url, "event_types": ["customer.*"]}, box=box, urls=UrlPolicy(True, system_resolver)
        )
        uow.commit()
    written = 0
    while written < count:
        with factory(tenant) as uow:
            for _ in range(min(1000, count - written)):
                obj = {"id": f"cus_{written:026d}", "object": "customer", "display_name": "Bench", "tags": ["a", "b"]}
                events.publish(uow, caller, "customer.updated", obj)
                written += 1
            uow.commit()
    engine.dispose()
    return org


def rate(database_url: str) -> tuple[int, float]:
    """Return (succeeded deliveries, deliveries per second between the first and the last attempt)."""
    engine = create_engine(database_url)
    with engine.connect() as connection:
        done = connection.scalar(
            select(func.count()).select_from(WebhookDeliveryRow).where(WebhookDeliveryRow.status == "succeeded")
        )
        bounds: Any = connection.execute(
            select(func.min(WebhookAttemptRow.attempted_at), func.max(WebhookAttemptRow.attempted_at))
        ).one()
        first, last = bounds
    engine.dispose()
    if first is None or last is None:
        return 0, 0.0
    seconds = max((last - first).total_seconds(), 1e-3)
    return int(done or 0), (int(done or 0) - 1) / seconds


# ------------------------------------------------------------------------------------------ runs
def run_sqlite(count: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, receiver() as url:
        database_url = f"sqlite:///{folder}/bench.db"
        upgrade(database_url)
        settings = Settings(database_url=database_url, webhooks_allow_private=True)
        backlog(settings, url, count)
        worker = build_worker(settings, concurrency=concurrency)
        started = time.perf_counter()
        worker.run_until_idle(max_turns=100_000)
        wall = time.perf_counter() - started
        for task in worker.tasks:
            task.close()
        done, per_second = rate(database_url)
    return {
        "backend": "sqlite",
        "workers": 1,
        "events": count,
        "delivered": done,
        "wall_seconds": round(wall, 2),
        "deliveries_per_second": round(count / wall, 1),
        "attempt_rate": round(per_second, 1),
    }


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    schema = f"asteri_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(base)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_postgres(base: str, count: int, workers: int, concurrency: int) -> dict[str, Any]:
    with postgres_schema(base) as database_url, receiver() as url:
        upgrade(database_url)
        settings = Settings(database_url=database_url, webhooks_allow_private=True)
        backlog(settings, url, count)
        env = {
            **os.environ,
            "ASTERI_DATABASE_URL": database_url,
            "ASTERI_WEBHOOKS_ALLOW_PRIVATE": "true",
            "ASTERI_WORKER_POLL_SECONDS": "0.05",
        }
        command = [sys.executable, "-m", "server_impl.cli", "worker", "--concurrency", str(concurrency)]
        processes = [
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(workers)
        ]
        started = time.perf_counter()
        try:
            while rate(database_url)[0] < count and time.perf_counter() - started < 600:
                time.sleep(0.5)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
        done, per_second = rate(database_url)
    return {
        "backend": "postgresql",
        "workers": workers,
        "events": count,
        "delivered": done,
        "deliveries_per_second": round(per_second, 1),
        "attempt_rate": round(per_second, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="Print one JSON document (for bench/run.py).")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="Run one backend.")
    options = parser.parse_args()
    results = [] if options.only == "postgresql" else [run_sqlite(options.events, options.concurrency)]
    base = os.environ.get("ASTERI_TEST_POSTGRES_URL")
    if base and options.only != "sqlite":
        results.extend(run_postgres(base, options.events, workers, options.concurrency) for workers in (1, 2))
    if options.json:
        print(json.dumps({"benchmark": "webhooks", "target_per_worker_sqlite": TARGET_PER_WORKER, "results": results}))
        return
    print(f"{'backend':<11} {'workers':>7} {'events':>7} {'delivered':>9} {'deliveries/s':>13}")
    for row in results:
        print(
            f"{row['backend']:<11} {row['workers']:>7} {row['events']:>7} {row['delivered']:>9} "
            f"{row['deliveries_per_second']:>13}"
        )
    rates = {(row["backend"], row["workers"]): row["deliveries_per_second"] for row in results}
    if ("sqlite", 1) in rates:
        sqlite = rates["sqlite", 1]
        verdict = "meets" if sqlite >= TARGET_PER_WORKER else "misses"
        print(f"SQLite, one worker: {sqlite}/s {verdict} the target of {TARGET_PER_WORKER:.0f}/s (fan-out included).")
    if ("postgresql", 2) in rates:
        ratio = rates["postgresql", 2] / rates["postgresql", 1]
        print(f"PostgreSQL: two workers / one worker = {ratio:.2f}x")
    arguments = f"--events {options.events} --concurrency {options.concurrency}"
    print(f"reproduce: .venv/bin/python bench/bench_webhooks.py {arguments}")


if __name__ == "__main__":
    main()
