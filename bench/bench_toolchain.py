"""The toolchain on our contract and the shared real-world specs, side by side with peer generators.

For each document: ``asteri check``, ``asteri diff`` (ours: against the last release; a shared
spec: against itself, which still loads, bundles and compares both), ``asteri generate`` and
``asteri docs build``, cold (``ASTERI_NO_CACHE=1``), then openapi-python-client,
fastapi-code-generator (both installed into a throwaway virtual environment, as
``bench/bench_generate.py`` does) and datamodel-code-generator alone (models only; it is
asteri's own DTO engine) on the same file. Each figure is the median wall time of ``--runs`` runs of
the whole command (interpreter start included) and the largest peak resident memory of one run.

Run: .venv/bin/python bench/bench_toolchain.py [--runs 3] [--no-peers] [--quick] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_generate import documents, ensure_peers  # noqa: E402

BIN = Path(sys.executable).parent
SLOW_SECONDS = 10.0  # a command slower than this runs once (its median is that run)


def _measure(command: list[str], cwd: Path, timeout: float) -> tuple[float, float, str]:
    """Run once; return (seconds, peak RSS in MB, status)."""
    env = {**os.environ, "ASTERI_NO_CACHE": "1"}
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            return timeout, 0.0, "timeout"
        time.sleep(0.01)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    outcome = "ok" if code == 0 else f"exit {code}: " + (error.strip().splitlines() or [""])[-1][:80]
    return seconds, usage.ru_maxrss / 1024, outcome


def _commands(doc: Path, original: Path, out: Path, peers: Path | None) -> dict[str, list[str]]:
    asteri = [sys.executable, "-m", "generator"]
    ours = original == ROOT / "spec" / "openapi.yaml"
    commands = {
        "asteri check": [*asteri, "check", str(original)],
        "asteri diff": [*asteri, "diff", *([] if ours else [str(original), str(original)]), "--fail-on", "never"],
        "asteri generate": [*asteri, "generate", "--spec", str(original), "--output-dir", str(out / "gen")],
        "asteri docs build": [*asteri, "docs", "build", "--spec", str(original), "-o", str(out / "site")],
        "datamodel-code-generator": [
            str(BIN / "datamodel-codegen"),
            "--input",
            str(doc),
            "--input-file-type",
            "openapi",
            "--output",
            str(out / "dcg.py"),
        ],
    }
    if peers is not None:
        commands["openapi-python-client"] = [
            str(peers / "openapi-python-client"),
            "generate",
            "--path",
            str(doc),
            "--output-path",
            str(out / "opc"),
            "--overwrite",
        ]
        commands["fastapi-code-generator"] = [
            str(peers / "fastapi-codegen"),
            "--input",
            str(doc),
            "--output",
            str(out / "fcg"),
        ]
    return commands


def _size(original: Path) -> int:
    if original == ROOT / "spec" / "openapi.yaml":
        return sum(p.stat().st_size for p in original.parent.rglob("*.yaml") if "releases" not in p.parts)
    return original.stat().st_size


def run(runs: int, peers: Path | None, quick: bool, timeout: float) -> list[dict[str, Any]]:
    """Time every command on every document."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="asteri-toolchain-") as name:
        work = Path(name)
        docs = documents(work)  # ours bundled into one file first (the peers cannot follow file refs)
        if quick:
            docs = docs[:2]
        for doc in docs:
            original = ROOT / "spec" / "openapi.yaml" if doc.name == "asteri-openapi.bundled.yaml" else doc
            label = "asteri (ours)" if original != doc else doc.name
            print(f"bench_toolchain: {label}", file=sys.stderr)
            for tool in list(_commands(doc, original, work, peers)):
                times, peaks, status = [], [], "ok"
                for _ in range(runs):
                    with tempfile.TemporaryDirectory(prefix="asteri-out-") as out_name:
                        command = _commands(doc, original, Path(out_name), peers)[tool]
                        seconds, peak, outcome = _measure(command, Path(out_name), timeout)
                    times.append(seconds)
                    peaks.append(peak)
                    if tool == "asteri check" and outcome.startswith("exit 1"):
                        outcome = "ok (findings)"  # exit 1: the document has findings at the threshold
                    status = outcome if not outcome.startswith("ok") or status == "ok" else status
                    if not outcome.startswith("ok") or seconds > SLOW_SECONDS:
                        break
                rows.append(
                    {
                        "document": label,
                        "size_kb": _size(original) / 1024,
                        "tool": tool,
                        "seconds": statistics.median(times),
                        "min_seconds": min(times),
                        "peak_mb": max(peaks),
                        "runs": len(times),
                        "status": status,
                    }
                )
    return rows


def main() -> int:
    """Print the table (or one JSON document)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true", help="Skip openapi-python-client and fastapi-codegen.")
    parser.add_argument("--peers-env", type=Path, default=Path(tempfile.gettempdir()) / "asteri-bench-peers")
    parser.add_argument("--timeout", type=float, default=300.0, help="Seconds before a command is stopped.")
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: one run, our spec and the smallest shared one."
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON document (for bench/run.py).")
    args = parser.parse_args()
    if args.quick:
        args.runs = 1
    peers = None if args.no_peers else ensure_peers(args.peers_env)
    rows = run(args.runs, peers, args.quick, args.timeout)
    document = {
        "command": "python bench/bench_toolchain.py " + " ".join(sys.argv[1:]),
        "runs": args.runs,
        "peers_installed": peers is not None,
        "rows": rows,
    }
    if args.json:
        print(json.dumps(document))
        return 0
    print(f"{'document':32} {'size':>7} {'tool':26} {'median s':>9} {'peak MB':>8}  status")
    for row in rows:
        print(
            f"{row['document']:32} {row['size_kb']:>5.0f}KB {row['tool']:26} {row['seconds']:>9.2f} "
            f"{row['peak_mb']:>8.0f}  {row['status']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
