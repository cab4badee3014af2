"""Per-call overhead of the SDK against raw httpx for the same request, sync and async.

Both clients send through the same in-memory transport (``httpx.MockTransport`` answering the
customer a bare app would), so the figure is the client's own cost per call, not the network's or a
server's: raw httpx builds the request, sends it and decodes the JSON; the SDK also checks the
arguments, adds its headers, validates the answer into a typed model (and, for a create,
serializes the body model). Overhead = SDK time per call - raw httpx time per call.

Run: .venv/bin/python bench/bench_sdk.py [--calls 3000] [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sdk"))

from bench.bench_server import CREATE_BODY  # noqa: E402

BASE = "http://bench.invalid"
CUSTOMER_ID = "cus_01HWRSWVK182VYZ04SXWF6E996"


def _customer_json() -> bytes:
    now = "2026-11-28T12:00:00Z"
    return json.dumps(
        {
            "id": CUSTOMER_ID,
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
    ).encode()


def _transport() -> httpx.MockTransport:
    body = _customer_json()

    def answer(request: httpx.Request) -> httpx.Response:
        status = 201 if request.method == "POST" else 200
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})

    return httpx.MockTransport(answer)


HEADERS = {"x-api-key": "ast_live_bench", "x-organization-id": "org_01HWRSWVK182VYZ04SXWF6E996"}


def _pair_us(raw: Callable[[], Any], sdk: Callable[[], Any], calls: int, runs: int) -> dict[str, float]:
    """Time raw httpx and the SDK alternately, run by run (the neighbours' load hits both alike)."""
    raw()
    sdk()
    times: dict[str, list[float]] = {"httpx_us": [], "sdk_us": []}
    for _ in range(runs):
        for name, call in (("httpx_us", raw), ("sdk_us", sdk)):
            start = time.perf_counter()
            for _ in range(calls):
                call()
            times[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: float(statistics.median(values)) for name, values in times.items()}


async def _pair_us_async(
    raw: Callable[[], Awaitable[Any]], sdk: Callable[[], Awaitable[Any]], calls: int, runs: int
) -> dict[str, float]:
    """The async twin of :func:`_pair_us`."""
    await raw()
    await sdk()
    times: dict[str, list[float]] = {"httpx_us": [], "sdk_us": []}
    for _ in range(runs):
        for name, call in (("httpx_us", raw), ("sdk_us", sdk)):
            start = time.perf_counter()
            for _ in range(calls):
                await call()
            times[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: float(statistics.median(values)) for name, values in times.items()}


def run(calls: int, runs: int) -> dict[str, Any]:
    """Time get and create, raw httpx and the SDK, sync and async."""
    from asteri import Asteri, AsyncAsteri, models

    figures: dict[str, Any] = {}
    raw = httpx.Client(base_url=BASE, transport=_transport(), headers=HEADERS)
    sdk = Asteri(
        api_key="ast_live_bench", organization_id=HEADERS["x-organization-id"], base_url=BASE, transport=_transport()
    )
    path = f"/api/public/v1/customers/{CUSTOMER_ID}"
    create = models.CustomerCreate.model_validate(CREATE_BODY)
    figures["sync"] = {
        "get": _pair_us(lambda: raw.get(path).json(), lambda: sdk.customers.get(CUSTOMER_ID), calls, runs),
        "create": _pair_us(
            lambda: raw.post("/api/public/v1/customers", json=CREATE_BODY).json(),
            lambda: sdk.customers.create(create),
            calls,
            runs,
        ),
    }

    async def run_async() -> dict[str, Any]:
        async with (
            httpx.AsyncClient(base_url=BASE, transport=_transport(), headers=HEADERS) as raw_async,
            AsyncAsteri(
                api_key="ast_live_bench",
                organization_id=HEADERS["x-organization-id"],
                base_url=BASE,
                transport=_transport(),
            ) as sdk_async,
        ):

            async def raw_get() -> Any:
                return (await raw_async.get(path)).json()

            async def raw_create() -> Any:
                return (await raw_async.post("/api/public/v1/customers", json=CREATE_BODY)).json()

            async def sdk_get() -> Any:
                return await sdk_async.customers.get(CUSTOMER_ID)

            async def sdk_create() -> Any:
                return await sdk_async.customers.create(create)

            return {
                "get": await _pair_us_async(raw_get, sdk_get, calls, runs),
                "create": await _pair_us_async(raw_create, sdk_create, calls, runs),
            }

    figures["async"] = asyncio.run(run_async())
    for mode in figures.values():
        for row in mode.values():
            row["overhead_us"] = row["sdk_us"] - row["httpx_us"]
    return figures


def main() -> int:
    """Print the table (or one JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="Calls per timed run.")
    parser.add_argument("--runs", type=int, default=5, help="Timed runs (the median is shown).")
    parser.add_argument("--quick", action="store_true", help="Smoke run: 300 calls, one run.")
    parser.add_argument("--json", action="store_true", help="Print one JSON document (for bench/run.py).")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.runs = 300, 1
    figures = run(args.calls, args.runs)
    document = {
        "command": "python bench/bench_sdk.py " + " ".join(sys.argv[1:]),
        "calls": args.calls,
        "results": figures,
    }
    if args.json:
        print(json.dumps(document))
        return 0
    print(f"{'mode':6} {'call':7} {'httpx us':>9} {'sdk us':>8} {'overhead us':>12}")
    for mode, rows in figures.items():
        for call, row in rows.items():
            print(f"{mode:6} {call:7} {row['httpx_us']:>9.0f} {row['sdk_us']:>8.0f} {row['overhead_us']:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
