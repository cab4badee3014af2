"""Load-test the API server against a bare FastAPI app returning the same DTO, side by side.

Both run as real uvicorn processes (one worker each, the SQLite default for the server); ``wrk``
(Debian's package: ``apt-get install -y wrk``) drives them from another process. Scenarios: GET one
customer, list 25 customers, create a customer. Prints requests per second, p50/p99 latency, the
server/bare ratio against the targets, and the peak RSS of each server process.

Run: .venv/bin/python bench/bench_server.py [--duration 10] [--connections 32] [--customers 200]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, FastAPI, Response

from generated import models

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"get": 0.50, "list": 0.30, "create": 0.25, "create-job": 0.25}
P99_TARGET_MS = 50.0
RSS_TARGET_MB = 200.0
CREATE_BODY = {"display_name": "Load Test", "emails": [{"address": "load@example.com"}], "tags": ["bench"]}


# ------------------------------------------------------------------------------------------ bare app
def bare_app() -> Any:
    """Return a FastAPI app serving the same DTOs with no auth, no database and no middleware."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    customer = models.Customer.model_validate(
        {
            "id": "cus_01HWRSWVK182VYZ04SXWF6E996",
            "object": "customer",
            "type": "residential",
            "status": "active",
            "display_name": "Dana Whitfield",
            "first_name": None,
            "last_name": None,
            "company_name": None,
            "emails": [{"address": "dana@example.com", "label": None, "is_primary": True}],
            "phones": [],
            "service_locations": [],
            "tags": ["vip"],
            "lead_source": None,
            "notes": None,
            "notifications_enabled": True,
            "do_not_service": False,
            "balance_due": 0,
            "currency": "USD",
            "metadata": {},
            "archived_at": None,
            "created_at": now,
            "updated_at": now,
        }
    )
    page = models.CustomerList(object="list", data=[customer] * 25, has_more=True, next_cursor="c1.x")
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/api/public/v1/customers/{customer_id}")
    async def get_customer(customer_id: str) -> Response:
        del customer_id
        return Response(customer.model_dump_json(by_alias=True), media_type="application/json")

    @app.get("/api/public/v1/customers")
    async def list_customers(limit: int = 25) -> Response:
        del limit
        return Response(page.model_dump_json(by_alias=True), media_type="application/json")

    @app.post("/api/public/v1/customers", status_code=201)
    async def create_customer(body: Annotated[models.CustomerCreate, Body()]) -> Response:
        made = customer.model_copy(update={"display_name": body.display_name})
        return Response(made.model_dump_json(by_alias=True), status_code=201, media_type="application/json")

    contract = json.loads((ROOT / "generated" / "openapi.json").read_text(encoding="utf-8"))
    job = models.Job.model_validate(contract["components"]["schemas"]["Job"]["example"])

    @app.post("/api/public/v1/jobs", status_code=201)
    async def create_job(body: Annotated[models.JobCreate, Body()]) -> Response:
        made = job.model_copy(update={"summary": body.summary})
        return Response(made.model_dump_json(by_alias=True), status_code=201, media_type="application/json")

    return app


# ------------------------------------------------------------------------------------------ processes
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError as error:  # 4xx are fine: the process answers
            if getattr(error, "code", None):
                return
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not start")


def _rss_mb(pid: int) -> tuple[float, float]:
    """Return (current, peak) resident memory of a process in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def _uvicorn(target: str, port: int, env: dict[str, str], *, factory: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--workers", "1"]
    command += ["--log-level", "warning", "--no-access-log", *(["--factory"] if factory else [])]
    return subprocess.Popen(command, cwd=ROOT, env=env)


# ------------------------------------------------------------------------------------------ data
def _seed(url: str, customers: int) -> tuple[str, str, str]:
    """Migrate, create an organization, a key with room for the load, and customers; return (org, key, id)."""
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.migrate import upgrade
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
    from server_impl.domain.clock import utc_now
    from server_impl.domain.principal import ActorType, CallContext, Principal
    from server_impl.domain.scopes import ALL_SCOPES
    from server_impl.domain.tenancy import Environment
    from server_impl.services import api_keys, identity
    from server_impl.services import customers as customer_cases
    from server_impl.settings import load_settings

    upgrade(url)
    settings = load_settings(database_url=url)
    engine = build_engine(url)
    factory = unit_of_work_factory(build_session_factory(engine))
    org = identity.create_organization(factory, "Bench Co").id
    system = CallContext(Principal(org, Environment.LIVE, ActorType.SYSTEM, None, ALL_SCOPES), request_id="bench")
    request = api_keys.NewKey(
        "bench", tuple(sorted(ALL_SCOPES)), Environment.LIVE, utc_now() + timedelta(days=1), 100_000, 100_000_000
    )
    _, secret = api_keys.create_key(factory, system, org, request, pepper=settings.api_key_pepper)
    with factory(system.principal.tenant) as uow:
        made = [
            customer_cases.create_customer(uow, system, {"display_name": f"Customer {i}"}) for i in range(customers)
        ]
        uow.commit()
    engine.dispose()
    return org, secret, made[len(made) // 2].id


def _job_body(url: str, org: str, customer_id: str) -> dict[str, Any]:
    """Create a catalog service to price from; return a create-job body (scheduled, one catalog line)."""
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
    from server_impl.domain.principal import ActorType, CallContext, Principal
    from server_impl.domain.scopes import ALL_SCOPES
    from server_impl.domain.tenancy import Environment
    from server_impl.services import catalog

    engine = build_engine(url)
    factory = unit_of_work_factory(build_session_factory(engine))
    system = CallContext(Principal(org, Environment.LIVE, ActorType.SYSTEM, None, ALL_SCOPES), request_id="bench")
    with factory(system.principal.tenant) as uow:
        fields = {"name": "AC tune-up", "unit_price": 12900, "currency": "USD"}
        service = catalog.create_item(uow, system, fields)
        uow.commit()
    engine.dispose()
    window = {"window_start": "2030-05-21T14:00:00Z", "window_end": "2030-05-21T16:00:00Z", "timezone": "UTC"}
    return {
        "customer_id": customer_id,
        "summary": "Load test job",
        "schedule": window,
        "line_items": [{"service_id": service.id, "tax_rate_bps": 825}],
    }


# ------------------------------------------------------------------------------------------ wrk
@dataclass(frozen=True)
class Result:
    """One wrk run."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def _wrk(url: str, headers: dict[str, str], body: dict[str, Any] | None, args: argparse.Namespace, tmp: Path) -> Result:
    script = tmp / "request.lua"
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if body is not None:
        lines += [
            'wrk.method = "POST"',
            f"wrk.body = '{json.dumps(body)}'",
            'wrk.headers["Content-Type"] = "application/json"',
        ]
    lines += [
        "local bad = 0",
        "response = function(status, headers, body) if status >= 300 then bad = bad + 1 end end",
        'done = function(summary, latency, requests) io.write(string.format("non2xx %d\\n", bad)) end',
    ]
    script.write_text("\n".join(lines) + "\n")
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(args.connections),
        "-d",
        f"{args.duration}s",
        "--latency",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"non2xx (\d+)", output).group(1))  # type: ignore[union-attr]
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result(rps, p50, p99, errors)


# ------------------------------------------------------------------------------------------ main
def main() -> int:
    """Run the scenarios against both processes and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per scenario and server.")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent connections.")
    parser.add_argument("--customers", type=int, default=200, help="Customers seeded before the run.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of warm-up per scenario.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="asteri-bench-") as name:
        tmp = Path(name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        org, secret, customer_id = _seed(url, args.customers)
        job_body = _job_body(url, org, customer_id)
        env = {**os.environ, "ASTERI_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        env.pop("ASTERI_REDIS_URL", None)
        server_port, bare_port = _free_port(), _free_port()
        server = _uvicorn("server_impl.app:create_app", server_port, env, factory=True)
        bare = _uvicorn("bench.bench_server:bare_app", bare_port, env, factory=True)
        try:
            _wait(f"http://127.0.0.1:{server_port}/api/public/v1/openapi.json")
            _wait(f"http://127.0.0.1:{bare_port}/api/public/v1/customers")
            auth = {"x-api-key": secret, "x-organization-id": org}
            scenarios = {
                "get": (f"/api/public/v1/customers/{customer_id}", None),
                "list": ("/api/public/v1/customers?limit=25", None),
                "create": ("/api/public/v1/customers", CREATE_BODY),
                "create-job": ("/api/public/v1/jobs", job_body),
            }
            rows = []
            for scenario, (path, body) in scenarios.items():
                results = {}
                for label, port, headers, pid in (
                    ("server", server_port, auth, server.pid),
                    ("bare", bare_port, {}, bare.pid),
                ):
                    warm = argparse.Namespace(duration=args.warmup, connections=args.connections)
                    _wrk(f"http://127.0.0.1:{port}{path}", headers, body, warm, tmp)
                    results[label] = (_wrk(f"http://127.0.0.1:{port}{path}", headers, body, args, tmp), pid)
                rows.append((scenario, results))
            server_rss, bare_rss = _rss_mb(server.pid), _rss_mb(bare.pid)
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=10)
    _print(rows, server_rss, bare_rss, args)
    return 0


def _print(
    rows: list[tuple[str, dict[str, tuple[Result, int]]]],
    server_rss: tuple[float, float],
    bare_rss: tuple[float, float],
    args: argparse.Namespace,
) -> None:
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, one uvicorn worker each, SQLite, {os.cpu_count()} CPUs")
    header = (
        f"{'scenario':<8} {'server req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'bare req/s':>10} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'ratio':>6} {'target':>6}  errors"
    )
    print(header)
    print("-" * len(header))
    for scenario, results in rows:
        ours, bare = results["server"][0], results["bare"][0]
        ratio = ours.rps / bare.rps if bare.rps else 0.0
        verdict = "ok" if ratio >= TARGETS[scenario] and ours.p99_ms < P99_TARGET_MS else "MISS"
        print(
            f"{scenario:<8} {ours.rps:>12.0f} {ours.p50_ms:>7.1f} {ours.p99_ms:>7.1f} {bare.rps:>10.0f} "
            f"{bare.p50_ms:>7.1f} {bare.p99_ms:>7.1f} {ratio:>6.0%} {TARGETS[scenario]:>6.0%}  "
            f"{ours.errors}/{bare.errors} {verdict}"
        )
    print(
        f"server RSS {server_rss[0]:.0f} MB (peak {server_rss[1]:.0f} MB, target < {RSS_TARGET_MB:.0f}); "
        f"bare RSS {bare_rss[0]:.0f} MB (peak {bare_rss[1]:.0f} MB)"
    )
    print(f"p99 target < {P99_TARGET_MS:.0f} ms at {args.connections} connections")


if __name__ == "__main__":
    raise SystemExit(main())
