"""Profile one request of each server scenario in process: CPU per request, ours against bare FastAPI.

The app is called straight through ASGI (no sockets, no uvicorn), so the figures are the
application's own cost per request, which is what the throughput ratio of ``bench_server.py``
comes from, without the noise of a shared machine's scheduler. ``--profile`` adds a pyinstrument
report of the server's requests (``pip install pyinstrument``).

Run: .venv/bin/python bench/profile_server.py [--requests 2000] [--profile get|list|create]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_server import CREATE_BODY, _job_body, _seed, bare_app  # noqa: E402

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def _scope(method: str, path: str, query: str, headers: dict[str, str]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 3000),
    }


CUSTOMERS = "/api/public/v1/customers"


def scenario_requests(customer_id: str, job_body: bytes | None = None) -> dict[str, tuple[str, str, str, bytes]]:
    """Return each scenario's request as ``(method, path, query, body)`` (create-job given its body)."""
    scenarios = {
        "get": ("GET", f"{CUSTOMERS}/{customer_id}", "", b""),
        "list": ("GET", CUSTOMERS, "limit=25", b""),
        "create": ("POST", CUSTOMERS, "", json.dumps(CREATE_BODY).encode()),
    }
    if job_body is not None:
        scenarios["create-job"] = ("POST", "/api/public/v1/jobs", "", job_body)
    return scenarios


def with_body_headers(headers: dict[str, str], body: bytes) -> dict[str, str]:
    """Return ``headers`` plus the JSON content type and length a request with ``body`` sends."""
    if not body:
        return dict(headers)
    return {**headers, "content-type": "application/json", "content-length": str(len(body))}


async def _call(app: ASGIApp, scope: Scope, body: bytes) -> int:
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif status >= 300 and message.get("body"):
            print(message["body"][:500], file=sys.stderr)

    await app(dict(scope), receive, send)
    return status


async def _run(app: ASGIApp, request: tuple[str, str, str, dict[str, str], bytes], count: int) -> float:
    method, path, query, headers, body = request
    scope = _scope(method, path, query, headers)
    status = await _call(app, scope, body)
    if status >= 300:
        raise SystemExit(f"{method} {path} answered {status}")
    start = time.process_time()
    for _ in range(count):
        await _call(app, scope, body)
    return (time.process_time() - start) / count * 1e6


async def _lifespan(app: Any) -> None:
    # Starlette builds its middleware stack on the first call; a lifespan startup is not needed here.
    del app


def main() -> int:
    """Print microseconds of CPU per request for each scenario, server and bare, and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="Requests per scenario and app.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per figure (the median is shown).")
    parser.add_argument("--profile", choices=("get", "list", "create", "create-job"), help="Profile this scenario.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="asteri-profile-") as name:
        url = f"sqlite:///{Path(name) / 'bench.db'}"
        org, secret, customer_id = _seed(url, 200)
        job_body = json.dumps(_job_body(url, org, customer_id)).encode()
        os.environ["ASTERI_DATABASE_URL"] = url
        os.environ.pop("ASTERI_REDIS_URL", None)
        from server_impl.app import create_app

        server, bare = create_app(), bare_app()
        auth = {"x-api-key": secret, "x-organization-id": org, "host": "127.0.0.1"}
        figures: dict[str, dict[str, float]] = {}
        for scenario, (method, path, query, body) in scenario_requests(customer_id, job_body).items():
            ours = (method, path, query, with_body_headers(auth, body), body)
            theirs = (method, path, query, with_body_headers({"host": "127.0.0.1"}, body), body)
            if args.profile == scenario:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002)
                profiler.start()
                asyncio.run(_run(server, ours, args.requests))
                profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
            server_us = statistics.median(asyncio.run(_run(server, ours, args.requests)) for _ in range(args.repeat))
            bare_us = statistics.median(asyncio.run(_run(bare, theirs, args.requests)) for _ in range(args.repeat))
            figures[scenario] = {"server_us": server_us, "bare_us": bare_us, "ratio": bare_us / server_us}
    if args.json:
        print(json.dumps({"requests": args.requests, "repeat": args.repeat, "figures": figures}))
        return 0
    print(f"CPU per request, in process (ASGI), median of {args.repeat} x {args.requests} requests")
    print(f"{'scenario':<8} {'server us':>10} {'bare us':>8} {'bare/server':>12}")
    for scenario, row in figures.items():
        print(f"{scenario:<8} {row['server_us']:>10.0f} {row['bare_us']:>8.0f} {row['ratio']:>12.0%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
