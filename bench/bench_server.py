"""Load-test the API server against a bare FastAPI app returning the same DTO, side by side.

Both run as real uvicorn processes; ``wrk`` (Debian's package: ``apt-get install -y wrk``) drives
them from another process. Scenarios: GET one customer, list 25 customers, create a customer, create
a job, record a payment. Configurations: our server on SQLite (in-memory limiter) and on PostgreSQL
(``ASTERI_TEST_POSTGRES_URL``, with the Redis limiter of ``ASTERI_TEST_REDIS_URL``), one and two
workers, each against the bare app with as many workers. Prints (or, with ``--json``, emits)
requests per second, p50/p99 latency, the server/bare ratio against the targets, the resident
memory of the process tree, and the CPU time the server spent per request (robust on a shared
machine, where requests per second move with the neighbours' load). Figures are medians of ``--runs``.

Run: .venv/bin/python bench/bench_server.py [--duration 10] [--runs 3] [--configs sqlite-1,postgres-2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
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

    payment = models.Payment.model_validate(contract["components"]["schemas"]["Payment"]["example"])

    @app.post("/api/public/v1/payments", status_code=201)
    async def create_payment(body: Annotated[models.PaymentCreate, Body()]) -> Response:
        made = payment.model_copy(update={"amount": body.amount})
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


def _uvicorn(
    target: str, port: int, env: dict[str, str], *, factory: bool, workers: int = 1
) -> subprocess.Popen[bytes]:
    # server_impl.serving: uvicorn, with TCP_NODELAY on the connections of several workers too
    command = [sys.executable, "-m", "server_impl.serving", target, "--port", str(port), "--workers", str(workers)]
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
    if body is not None and "Idempotency-Key" in headers:  # a fresh key per request: no replays
        lines += [
            "local sent = 0",
            "request = function()",
            "  sent = sent + 1",
            f'  wrk.headers["Idempotency-Key"] = "{headers["Idempotency-Key"]}-" .. sent',
            "  return wrk.format()",
            "end",
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
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1)))
    return Result(rps, p50, p99, errors)


IDEMPOTENT = frozenset({"record-payment"})
DEFAULT_CONFIGS = "sqlite-1,sqlite-2,postgres-1,postgres-2"


# ------------------------------------------------------------------------------------------ process trees
def _tree(pid: int) -> list[int]:
    """Return the process and its descendants (uvicorn's workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            queue += [int(child) for child in task.read_text().split()]
    return found


def _tree_rss_mb(pid: int) -> tuple[float, float]:
    """Return (current, peak) resident memory summed over the process tree, in MB."""
    now = peak = 0.0
    for member in _tree(pid):
        try:
            rss = _rss_mb(member)
        except (FileNotFoundError, KeyError):
            continue
        now, peak = now + rss[0], peak + rss[1]
    return now, peak


def _tree_cpu_seconds(pid: int) -> float:
    """Return user + system CPU seconds used so far by the process tree."""
    ticks = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------ configurations
@dataclass(frozen=True)
class Config:
    """One server configuration: database, workers, limiter storage."""

    database: str
    workers: int

    @property
    def name(self) -> str:
        """``sqlite-1``, ``postgres-2``..."""
        return f"{self.database}-{self.workers}"


def _postgres_schema_url(base: str) -> tuple[str, Any]:
    """Create a fresh schema on the PostgreSQL of ``base``; return its URL and a function dropping it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"asteri_bench_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url, drop


def _postgres_missing() -> str | None:
    base = os.environ.get("ASTERI_TEST_POSTGRES_URL")
    if not base:
        return "ASTERI_TEST_POSTGRES_URL is not set"
    try:
        from sqlalchemy import create_engine

        probe = create_engine(base)
        with probe.connect():
            pass
        probe.dispose()
    except Exception as error:  # any failure means "not available here"
        return f"PostgreSQL unreachable: {type(error).__name__}"
    if not os.environ.get("ASTERI_TEST_REDIS_URL"):
        return "ASTERI_TEST_REDIS_URL is not set"
    return None


def _scenarios(customer_id: str, job_body: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Return each scenario's path and body (recording a payment requires an ``Idempotency-Key``: a fresh one each)."""
    payment = {"customer_id": customer_id, "amount": 2500, "currency": "USD", "method": "cash"}
    return {
        "get": (f"/api/public/v1/customers/{customer_id}", None),
        "list": ("/api/public/v1/customers?limit=25", None),
        "create": ("/api/public/v1/customers", CREATE_BODY),
        "create-job": ("/api/public/v1/jobs", job_body),
        "record-payment": ("/api/public/v1/payments", payment),
    }


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def _run_config(config: Config, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Seed, start our server and the bare app with ``config.workers`` each, and drive every scenario."""
    drop = None
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("ASTERI_REDIS_URL", None)
    if config.database == "postgres":
        url, drop = _postgres_schema_url(os.environ["ASTERI_TEST_POSTGRES_URL"])
        env["ASTERI_REDIS_URL"] = os.environ["ASTERI_TEST_REDIS_URL"]
    else:
        url = f"sqlite:///{tmp / f'{config.name}.db'}"
    env["ASTERI_DATABASE_URL"] = url
    try:
        org, secret, customer_id = _seed(url, args.customers)
        job_body = _job_body(url, org, customer_id)
        server_port, bare_port = _free_port(), _free_port()
        server = _uvicorn("server_impl.app:create_app", server_port, env, factory=True, workers=config.workers)
        bare = _uvicorn("bench.bench_server:bare_app", bare_port, env, factory=True, workers=config.workers)
        try:
            _wait(f"http://127.0.0.1:{server_port}/api/public/v1/openapi.json")
            _wait(f"http://127.0.0.1:{bare_port}/api/public/v1/customers")
            auth = {"x-api-key": secret, "x-organization-id": org}
            scenarios: dict[str, Any] = {}
            for scenario, (path, body) in _scenarios(customer_id, job_body).items():
                if args.scenarios and scenario not in args.scenarios:
                    continue
                headers = dict(auth)
                if scenario in IDEMPOTENT:
                    headers["Idempotency-Key"] = f"bench-{secrets.token_hex(6)}"
                targets: tuple[tuple[str, int, dict[str, str], int], ...] = (
                    ("server", server_port, headers, server.pid),
                    ("bare", bare_port, {}, bare.pid),
                )
                scenarios[scenario] = _drive(path, body, targets, args, tmp)
            server_rss, bare_rss = _tree_rss_mb(server.pid), _tree_rss_mb(bare.pid)
        finally:
            for process in (server, bare):
                process.terminate()
                process.wait(timeout=20)
    finally:
        if drop is not None:
            drop()
    return {
        "name": config.name,
        "database": config.database,
        "workers": config.workers,
        "limiter": "redis" if config.database == "postgres" else "memory",
        "scenarios": scenarios,
        "server_rss_mb": server_rss[0],
        "server_peak_rss_mb": server_rss[1],
        "bare_rss_mb": bare_rss[0],
    }


def _drive(
    path: str,
    body: dict[str, Any] | None,
    targets: tuple[tuple[str, int, dict[str, str], int], ...],
    args: argparse.Namespace,
    tmp: Path,
) -> dict[str, Any]:
    """Warm both apps, then alternate ``args.runs`` measured runs of each; return medians."""
    runs: dict[str, list[tuple[Result, float]]] = {"server": [], "bare": []}
    warm = argparse.Namespace(duration=args.warmup, connections=args.connections)
    for _, port, headers, _ in targets:
        _wrk(f"http://127.0.0.1:{port}{path}", headers, body, warm, tmp)
    for _ in range(args.runs):
        for label, port, headers, pid in targets:
            before = _tree_cpu_seconds(pid)
            result = _wrk(f"http://127.0.0.1:{port}{path}", headers, body, args, tmp)
            spent = _tree_cpu_seconds(pid) - before
            requests = max(1.0, result.rps * args.duration)
            runs[label].append((result, spent / requests * 1e6))
    figures: dict[str, Any] = {}
    for label, measured in runs.items():
        figures[label] = {
            "rps": _median([r.rps for r, _ in measured]),
            "p50_ms": _median([r.p50_ms for r, _ in measured]),
            "p99_ms": _median([r.p99_ms for r, _ in measured]),
            "cpu_us_per_request": _median([cpu for _, cpu in measured]),
            "errors": sum(r.errors for r, _ in measured),
            "runs": [r.rps for r, _ in measured],
        }
    bare_rps = figures["bare"]["rps"]
    figures["ratio"] = figures["server"]["rps"] / bare_rps if bare_rps else 0.0
    bare_cpu = figures["bare"]["cpu_us_per_request"]
    figures["cpu_ratio"] = bare_cpu / figures["server"]["cpu_us_per_request"] if bare_cpu else 0.0
    return figures


# ------------------------------------------------------------------------------------------ main
def main() -> int:
    """Run the configurations and print the table (or the JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per measured run.")
    parser.add_argument("--runs", type=int, default=3, help="Measured runs per scenario and app (median).")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent connections.")
    parser.add_argument("--customers", type=int, default=200, help="Customers seeded before the run.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of warm-up per scenario and app.")
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help="database-workers, comma-separated.")
    parser.add_argument("--scenarios", type=lambda text: text.split(","), default=None, help="Subset to run.")
    parser.add_argument("--quick", action="store_true", help="Smoke run: 2 s, one run, SQLite with one worker.")
    parser.add_argument("--json", action="store_true", help="Print one JSON document (for bench/run.py).")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.runs, args.warmup = 2, 1, 1
        args.configs = "sqlite-1" if args.configs == DEFAULT_CONFIGS else args.configs
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    configs = []
    for item in args.configs.split(","):
        database, _, workers = item.partition("-")
        configs.append(Config(database, int(workers or 1)))
    skipped: dict[str, str] = {}
    results = []
    with tempfile.TemporaryDirectory(prefix="asteri-bench-") as name:
        for config in configs:
            missing = _postgres_missing() if config.database == "postgres" else None
            if missing:
                skipped[config.name] = missing
                continue
            print(f"bench_server: {config.name}", file=sys.stderr)
            results.append(_run_config(config, args, Path(name)))
    document = {
        "command": "python bench/bench_server.py " + " ".join(sys.argv[1:]),
        "wrk": f"wrk -t1 -c{args.connections} -d{args.duration}s --latency",
        "runs": args.runs,
        "connections": args.connections,
        "targets": {"ratio": TARGETS, "p99_ms": P99_TARGET_MS, "rss_mb": RSS_TARGET_MB},
        "configs": results,
        "skipped": skipped,
    }
    if args.json:
        print(json.dumps(document))
    else:
        _print(document)
    return 0


def _print(document: dict[str, Any]) -> None:
    print(f"{document['wrk']}, median of {document['runs']} runs, {os.cpu_count()} CPUs")
    for config in document["configs"]:
        print(f"\n{config['name']} ({config['limiter']} limiter)")
        header = (
            f"{'scenario':<15} {'server req/s':>12} {'p50 ms':>7} {'p99 ms':>7} {'cpu us':>7} {'bare req/s':>10} "
            f"{'p99 ms':>7} {'cpu us':>7} {'ratio':>6} {'target':>6}  errors"
        )
        print(header)
        print("-" * len(header))
        for scenario, row in config["scenarios"].items():
            ours, bare = row["server"], row["bare"]
            target = TARGETS.get(scenario)
            verdict = (
                ""
                if target is None
                else ("ok" if row["ratio"] >= target and ours["p99_ms"] < P99_TARGET_MS else "MISS")
            )
            print(
                f"{scenario:<15} {ours['rps']:>12.0f} {ours['p50_ms']:>7.1f} {ours['p99_ms']:>7.1f} "
                f"{ours['cpu_us_per_request']:>7.0f} {bare['rps']:>10.0f} {bare['p99_ms']:>7.1f} "
                f"{bare['cpu_us_per_request']:>7.0f} {row['ratio']:>6.0%} "
                f"{'' if target is None else format(target, '.0%'):>6}  {ours['errors']}/{bare['errors']} {verdict}"
            )
        rss = f"server RSS {config['server_rss_mb']:.0f} MB (target < {RSS_TARGET_MB:.0f})"
        print(f"{rss}; bare {config['bare_rss_mb']:.0f} MB")
    for name, reason in document["skipped"].items():
        print(f"{name}: skipped ({reason})")


if __name__ == "__main__":
    raise SystemExit(main())
