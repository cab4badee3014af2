"""Instructions per request of each server scenario, counted by valgrind: the same figure on a busy machine.

CPU time per request (``profile_server.py``) moves by 30 % and more from run to run when other
tenants share the machine; an instruction count does not. Each scenario runs in process (ASGI, as
in ``profile_server.py``) under ``valgrind --tool=callgrind`` with counting switched on after a
warm-up, twice (``--requests`` and twice as many); the difference divided by the extra requests is
the cost of one request, free of start-up. Every run starts from a copy of the same seeded
database, so a create does not change what the next list reads.

Needs valgrind (Debian's package). About a minute per scenario.

Run: .venv/bin/python bench/count_instructions.py [--scenarios get,list,create] [--requests 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_server import _seed  # noqa: E402
from bench.profile_server import _call, _scope, scenario_requests, with_body_headers  # noqa: E402

SCENARIOS = ("get", "list", "create")
WARMUP = 30
_COLLECTED = re.compile(r"Collected : (\d+)")


def _child(database: Path, meta: dict[str, str], scenario: str, count: int) -> None:
    """Serve ``WARMUP`` requests, switch callgrind's counting on, then serve ``count`` more."""
    os.environ["ASTERI_DATABASE_URL"] = f"sqlite:///{database}"
    from server_impl.app import create_app

    app = create_app()
    auth = {"x-api-key": meta["secret"], "x-organization-id": meta["org"], "host": "127.0.0.1"}
    method, path, query, payload = scenario_requests(meta["customer_id"])[scenario]
    scope = _scope(method, path, query, with_body_headers(auth, payload))

    async def run() -> None:
        for index in range(WARMUP + count):
            if index == WARMUP:
                command = ["callgrind_control", "--instr=on", str(os.getpid())]
                subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
            status = await _call(app, scope, payload)
            if status >= 300:
                raise SystemExit(f"{method} {path} answered {status}")

    asyncio.run(run())


def _count(workdir: Path, meta: dict[str, str], scenario: str, count: int) -> int:
    database = Path(tempfile.mkdtemp(dir=workdir)) / "bench.db"
    for suffix in ("", "-wal", "-shm"):  # a seeded database left in WAL mode may hold rows in its log
        if (workdir / f"seed.db{suffix}").exists():
            shutil.copy(workdir / f"seed.db{suffix}", f"{database}{suffix}")
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        __file__,
        "--child",
        json.dumps({"database": str(database), "meta": meta, "scenario": scenario, "count": count}),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"valgrind run of {scenario} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> int:
    """Print instructions per request for each scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="Comma-separated subset.")
    parser.add_argument("--requests", type=int, default=100, help="Requests of the shorter counted run.")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child)
        _child(Path(job["database"]), job["meta"], job["scenario"], job["count"])
        return 0
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    scenarios = [name for name in args.scenarios.split(",") if name]
    with tempfile.TemporaryDirectory(prefix="asteri-count-") as name:
        workdir = Path(name)
        org, secret, customer_id = _seed(f"sqlite:///{workdir / 'seed.db'}", 200)
        meta = {"org": org, "secret": secret, "customer_id": customer_id}
        figures = {}
        for scenario in scenarios:
            short = _count(workdir, meta, scenario, args.requests)
            long = _count(workdir, meta, scenario, 2 * args.requests)
            figures[scenario] = (long - short) // args.requests
    if args.json:
        print(json.dumps({"requests": args.requests, "instructions_per_request": figures}))
        return 0
    print(f"instructions per request, in process (callgrind; {args.requests} vs {2 * args.requests} requests)")
    for scenario, instructions in figures.items():
        print(f"{scenario:<8} {instructions:>12,}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
