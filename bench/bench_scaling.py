"""Scaling with data: GET one and list latency with 1k, 100k and 1M customers in the tenant.

Other tenants' rows sit beside the tenant's (as many again, spread over three other organizations
and the tenant's own test environment), so the tenant index, not the table size, must keep the cost
flat. Rows are seeded with bulk Core inserts (not through the API), growing one database step by
step. Each step times requests in process through the whole application (ASGI: authentication,
rate limit, tenant-scoped query, DTOs), one at a time: GET a random customer of the tenant, the
first page of 25, and a page from the middle of the tenant's rows (cursor pagination).

Run: .venv/bin/python bench/bench_scaling.py [--sizes 1000,100000,1000000] [--requests 300] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_server import _seed  # noqa: E402
from bench.profile_server import _call, _scope  # noqa: E402

BATCH = 5_000


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM = random.Random(2026)


def _fast_id(millis: int) -> str:
    """A valid ``cus_`` ULID without a system call per id (seeding needs millions)."""
    value = (millis << 80) | _RANDOM.getrandbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "cus_" + "".join(reversed(chars))


def _rows(count: int, org: str, environment: str, now: datetime) -> list[dict[str, Any]]:
    millis = int(now.timestamp() * 1000)
    common: dict[str, Any] = {
        "organization_id": org,
        "environment": environment,
        "type": "residential",
        "first_name": None,
        "last_name": None,
        "company_name": None,
        "phones": [],
        "service_locations": [],
        "tags": ["bench"],
        "tags_text": ",bench,",
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
        "version": 1,
    }
    return [
        {
            **common,
            "id": _fast_id(millis),
            "display_name": f"Customer {i}",
            "emails": [{"address": f"c{i}@example.com", "label": None, "is_primary": True}],
            "search_text": f"customer {i} c{i}@example.com",
        }
        for i in range(count)
    ]


def _bulk_insert(url: str, placements: list[tuple[str, str, int]]) -> float:
    """Insert ``count`` customers for each (organization, environment, count); return the seconds taken.

    On SQLite the statement is compiled once by SQLAlchemy (its bind processors turn JSON and
    timestamps into what the ORM would store) and run with the driver's ``executemany``.
    """
    from sqlalchemy import Table, insert

    from server_impl.adapters.sqlalchemy.engine import build_engine
    from server_impl.adapters.sqlalchemy.tables import CustomerRow

    engine = build_engine(url)
    statement = insert(cast(Table, CustomerRow.__table__))
    now = datetime.now(UTC)
    start = time.perf_counter()
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            compiled = statement.compile(dialect=engine.dialect)
            keys = list(compiled.positiontup or ())
            processors: Any = compiled._bind_processors  # the conversions a normal insert applies
            convert = [(key, processors.get(key)) for key in keys]
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            for org, environment, count in placements:
                for offset in range(0, count, BATCH):
                    rows = _rows(min(BATCH, count - offset), org, environment, now)
                    cursor.executemany(
                        compiled.string,
                        [tuple(f(row[k]) if f else row[k] for k, f in convert) for row in rows],
                    )
        else:
            for org, environment, count in placements:
                for offset in range(0, count, BATCH):
                    connection.execute(statement, _rows(min(BATCH, count - offset), org, environment, now))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE customers")
    engine.dispose()
    return time.perf_counter() - start


def _organizations(url: str, count: int) -> list[str]:
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
    from server_impl.services import identity

    engine = build_engine(url)
    factory = unit_of_work_factory(build_session_factory(engine))
    made = [identity.create_organization(factory, f"Neighbour {i}").id for i in range(count)]
    engine.dispose()
    return made


def _tenant_ids(url: str, org: str, sample: int) -> tuple[list[str], str]:
    """Return random ids of the tenant's customers and the id in the middle of them (a deep cursor)."""
    from sqlalchemy import select

    from server_impl.adapters.sqlalchemy.engine import build_engine
    from server_impl.adapters.sqlalchemy.tables import CustomerRow

    engine = build_engine(url)
    mine = (CustomerRow.organization_id == org) & (CustomerRow.environment == "live")
    with engine.connect() as connection:
        ids = list(connection.execute(select(CustomerRow.id).where(mine).order_by(CustomerRow.id)).scalars())
    picks = random.Random(7).sample(ids, min(sample, len(ids)))
    middle = ids[len(ids) // 2]
    engine.dispose()
    return picks, middle


async def _latencies(app: Any, requests: list[tuple[str, str]], headers: dict[str, str]) -> list[float]:
    times = []
    for path, query in requests:
        scope = _scope("GET", path, query, headers)
        start = time.perf_counter()
        status = await _call(app, scope, b"")
        times.append((time.perf_counter() - start) * 1000)
        if status != 200:
            raise SystemExit(f"GET {path}?{query} answered {status}")
    return times


def _summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        "mean_ms": statistics.fmean(ordered),
    }


def _measure(url: str, org: str, secret: str, count: int) -> dict[str, Any]:
    from server_impl.app import create_app
    from server_impl.handlers.common import encode_cursor
    from server_impl.settings import load_settings

    ids, middle = _tenant_ids(url, org, count)
    app = create_app(load_settings(database_url=url, redis_url=None))
    headers = {"x-api-key": secret, "x-organization-id": org, "host": "127.0.0.1"}
    base = "/api/public/v1/customers"
    cursor = encode_cursor(middle)
    plans = {
        "get": [(f"{base}/{customer_id}", "") for customer_id in ids],
        "list": [(base, "limit=25")] * count,
        "list-deep": [(base, f"limit=25&cursor={cursor}")] * count,
    }

    async def run() -> dict[str, Any]:
        out = {}
        for name, plan in plans.items():
            await _latencies(app, plan[:20], headers)  # warm-up
            out[name] = _summary(await _latencies(app, plan, headers))
        return out

    return asyncio.run(run())


def _database(kind: str, tmp: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'scaling.db'}", None
    from bench.bench_server import _postgres_schema_url

    return _postgres_schema_url(os.environ["ASTERI_TEST_POSTGRES_URL"])


def run(kind: str, sizes: list[int], requests: int) -> dict[str, Any]:
    """Grow one database through ``sizes`` and measure at each step."""
    steps = []
    with tempfile.TemporaryDirectory(prefix="asteri-scaling-") as name:
        url, drop = _database(kind, Path(name))
        try:
            org, secret, _ = _seed(url, 1)
            neighbours = _organizations(url, 3)
            have = 0
            for size in sizes:
                grow = size - have
                others = [(n, "live", grow // 4) for n in neighbours] + [(org, "test", grow - 3 * (grow // 4))]
                seconds = _bulk_insert(url, [(org, "live", grow), *others])
                have = size
                print(f"bench_scaling: {kind} {size} rows in the tenant (+{size} beside)", file=sys.stderr)
                steps.append(
                    {
                        "tenant_rows": size,
                        "other_rows": size,
                        "seed_seconds": seconds,
                        "latency": _measure(url, org, secret, requests),
                    }
                )
        finally:
            if drop is not None:
                drop()
    return {"database": kind, "steps": steps}


def main() -> int:
    """Print the latency table (or one JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000", help="Tenant row counts, ascending.")
    parser.add_argument("--requests", type=int, default=300, help="Timed requests per scenario and size.")
    parser.add_argument("--databases", default="sqlite", help="sqlite and/or postgres, comma-separated.")
    parser.add_argument("--quick", action="store_true", help="Smoke run: 1k and 10k rows, 50 requests.")
    parser.add_argument("--json", action="store_true", help="Print one JSON document (for bench/run.py).")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.requests = "1000,10000", 50
    sizes = [int(size) for size in args.sizes.split(",")]
    results = []
    for kind in args.databases.split(","):
        if kind == "postgres" and not os.environ.get("ASTERI_TEST_POSTGRES_URL"):
            continue
        results.append(run(kind, sizes, args.requests))
    document = {
        "command": "python bench/bench_scaling.py " + " ".join(sys.argv[1:]),
        "requests": args.requests,
        "results": results,
    }
    if args.json:
        print(json.dumps(document))
        return 0
    for result in results:
        print(f"{result['database']}: latency in ms (p50 / p99), {args.requests} sequential requests in process")
        for step in result["steps"]:
            cells = "  ".join(
                f"{name} {row['p50_ms']:.2f}/{row['p99_ms']:.2f}" for name, row in step["latency"].items()
            )
            rows = f"{step['tenant_rows']:>9} rows (+{step['other_rows']} beside)"
            print(f"  {rows}  {cells}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
