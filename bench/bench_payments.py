"""Load-test recording payments (and reading invoices) beside the platform's create-customer request.

One uvicorn worker on SQLite (the embedded default), or on PostgreSQL with ``--database-url``; ``wrk``
drives it from another process. Every payment request carries its own ``Idempotency-Key`` (required)
and applies 1 cent to the same open invoice, so each one locks and updates that invoice row: the
contended path. After the run the invoice must still satisfy ``amount_paid + amount_due == total``
with ``amount_paid`` equal to the number of payments recorded.

Run: .venv/bin/python bench/bench_payments.py [--duration 10] [--connections 32] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_server import ROOT, Result, _free_port, _ms, _seed, _uvicorn, _wait

INVOICE_TOTAL = 10_000_000_000  # minor units: enough for one 1-cent payment per request


@dataclass(frozen=True)
class Scenario:
    """A request to repeat: method, path, body, and whether each request needs a fresh Idempotency-Key."""

    name: str
    path: str
    body: dict[str, Any] | None = None
    fresh_key: bool = False


def _invoice(url: str, org: str, customer_id: str) -> str:
    """Create and finalize the invoice the payments apply to; return its id."""
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
    from server_impl.domain.line_items import LineInput
    from server_impl.domain.principal import ActorType, CallContext, Principal
    from server_impl.domain.scopes import ALL_SCOPES
    from server_impl.domain.tenancy import Environment
    from server_impl.services import invoices

    engine = build_engine(url)
    factory = unit_of_work_factory(build_session_factory(engine))
    system = CallContext(Principal(org, Environment.LIVE, ActorType.SYSTEM, None, ALL_SCOPES), request_id="bench")
    with factory(system.principal.tenant) as uow:
        line = LineInput(name="Bench", unit_price=INVOICE_TOTAL)
        invoice = invoices.create_invoice(uow, system, {"customer_id": customer_id, "line_items": (line,)})
        invoices.finalize_invoice(uow, system, invoice.id)
        uow.commit()
    engine.dispose()
    return invoice.id


def _wrk(
    url: str, headers: dict[str, str], scenario: Scenario, *, duration: int, connections: int, tmp: Path
) -> Result:
    script = tmp / "request.lua"
    lines = [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    if scenario.body is not None:
        lines += ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"']
        lines += [f"local body = '{json.dumps(scenario.body)}'"]
    else:
        lines += ["local body = nil"]
    lines += [
        "local counter = 0",
        "local run = tostring(math.random(1, 1000000000))",
        "request = function()",
        "  counter = counter + 1",
        f"  if {'true' if scenario.fresh_key else 'false'} then",
        '    wrk.headers["Idempotency-Key"] = "bench-" .. run .. "-" .. counter',
        "  end",
        "  return wrk.format(nil, nil, nil, body)",
        "end",
        "local bad = 0",
        "response = function(status, headers, body) if status >= 300 then bad = bad + 1 end end",
        'done = function(summary, latency, requests) io.write(string.format("non2xx %d\\n", bad)) end',
    ]
    script.write_text("\n".join(lines) + "\n")
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--latency", "-s", str(script), url]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"non2xx (\d+)", output).group(1))  # type: ignore[union-attr]
    return Result(rps, p50, p99, errors)


def _check(base: str, headers: dict[str, str], invoice_id: str) -> str:
    request = urllib.request.Request(f"{base}/api/public/v1/invoices/{invoice_id}", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        invoice = json.loads(response.read())
    assert invoice["amount_paid"] + invoice["amount_due"] == invoice["total"], invoice
    assert invoice["amount_due"] >= 0, invoice
    return f"invoice after the run: amount_paid {invoice['amount_paid']}, amount_due {invoice['amount_due']} (adds up)"


def main() -> int:
    """Seed, serve, run the scenarios and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="Seconds per scenario.")
    parser.add_argument("--connections", type=int, default=32, help="Concurrent connections.")
    parser.add_argument("--warmup", type=int, default=2, help="Seconds of warm-up per scenario.")
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: a fresh SQLite file).")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install -y wrk)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="asteri-bench-") as name:
        tmp = Path(name)
        url = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        org, secret, customer_id = _seed(url, 50)
        invoice_id = _invoice(url, org, customer_id)
        env = {**os.environ, "ASTERI_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        env.pop("ASTERI_REDIS_URL", None)
        port = _free_port()
        server = _uvicorn("server_impl.app:create_app", port, env, factory=True)
        base = f"http://127.0.0.1:{port}"
        payment = {
            "customer_id": customer_id,
            "amount": 1,
            "currency": "USD",
            "method": "cash",
            "applications": [{"invoice_id": invoice_id, "amount": 1}],
        }
        scenarios = [
            Scenario("create-customer", "/api/public/v1/customers", {"display_name": "Load Test"}),
            Scenario("record-payment", "/api/public/v1/payments", payment, fresh_key=True),
            Scenario("get-invoice", f"/api/public/v1/invoices/{invoice_id}"),
            Scenario("list-invoices", "/api/public/v1/invoices?limit=25"),
        ]
        auth = {"x-api-key": secret, "x-organization-id": org}
        try:
            _wait(f"{base}/api/public/v1/openapi.json")
            rows = []
            for scenario in scenarios:
                _wrk(
                    f"{base}{scenario.path}",
                    auth,
                    scenario,
                    duration=args.warmup,
                    connections=args.connections,
                    tmp=tmp,
                )
                rows.append(
                    (
                        scenario.name,
                        _wrk(
                            f"{base}{scenario.path}",
                            auth,
                            scenario,
                            duration=args.duration,
                            connections=args.connections,
                            tmp=tmp,
                        ),
                    )
                )
            summary = _check(base, auth, invoice_id)
        finally:
            server.terminate()
            server.wait(timeout=10)
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"wrk -t1 -c{args.connections} -d{args.duration}s, one uvicorn worker, {backend}, {os.cpu_count()} CPUs")
    print(f"{'scenario':<16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  non-2xx")
    for scenario_name, result in rows:
        print(f"{scenario_name:<16} {result.rps:>8.0f} {result.p50_ms:>8.1f} {result.p99_ms:>8.1f}  {result.errors}")
    print(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
