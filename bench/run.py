"""Run every benchmark under ``bench/`` and write ``bench/RESULTS.md`` with its plots.

Each section is a script run in its own process with ``--json`` (and ``--quick`` in quick mode);
its JSON document lands in ``bench/results.json`` and :mod:`bench.report` renders the report. A
section that fails is reported as failed, and the others still run. PostgreSQL and Redis
(``ASTERI_TEST_POSTGRES_URL``, ``ASTERI_TEST_REDIS_URL``) are read from the environment, or from
``.venv/.asteri-services`` when unset; without them those configurations are skipped.

    nox -s bench                 # the full run (about half an hour on two cores)
    nox -s bench -- --quick      # a smoke run (a few minutes)
    python bench/run.py --only server,sdk
    python bench/run.py --only server,profile --keep   # rerun two sections, keep the others' figures

Each section records when it was measured; with ``--keep`` the sections not rerun keep their
figures and their date from the last ``results.json``, and the report names each section's date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_report  # noqa: E402

# section -> (script, full-run arguments, quick-run arguments)
SECTIONS: dict[str, tuple[str, list[str], list[str]]] = {
    "server": ("bench_server.py", ["--duration", "4", "--runs", "3"], ["--quick"]),
    "profile": ("profile_server.py", ["--requests", "1000", "--repeat", "3"], ["--requests", "200", "--repeat", "1"]),
    "scaling": ("bench_scaling.py", ["--sizes", "1000,100000,1000000"], ["--quick"]),
    "toolchain": ("bench_toolchain.py", ["--runs", "3"], ["--quick"]),
    "sdk": ("bench_sdk.py", [], ["--quick"]),
    "webhooks": ("bench_webhooks.py", ["--events", "10000"], ["--events", "1000", "--only", "sqlite"]),
}
# Older scripts print tables only; a full run includes their output as printed.
OTHERS: dict[str, list[str]] = {
    "bench_check.py": ["--runs", "1"],
    "bench_diff.py": ["--repeat", "1"],
    "bench_lint.py": ["--repeat", "1"],
    "bench_docs.py": ["--repeat", "1"],
}


def _services_from_file() -> None:
    """Export the test service URLs of ``.venv/.asteri-services`` when the environment lacks them."""
    path = ROOT / ".venv" / ".asteri-services"
    if not path.is_file():
        return
    for match in re.finditer(r"export (\w+)=(\S+)", path.read_text(encoding="utf-8")):
        name, value = match.group(1), shlex.split(match.group(2))[0]
        os.environ.setdefault(name, value)


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "?"


def run_section(script: str, arguments: list[str], timeout: float) -> dict[str, Any] | None:
    """Run one script with ``--json``; return its document, ``{"error": ...}``, or None if it does not exist."""
    path = HERE / script
    if not path.is_file():
        return None
    command = [sys.executable, str(path), *arguments, "--json"]
    print(f"== {script} {' '.join(arguments)}", file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False, env=_env()
        )
    except subprocess.TimeoutExpired:
        return {"error": f"stopped after {timeout:.0f} s", "command": _shown(script, arguments)}
    sys.stderr.write(done.stderr[-4000:])
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:200]
        return {"error": f"exit {done.returncode}: {reason}", "command": _shown(script, arguments)}
    document: dict[str, Any] = json.loads(lines[-1])
    document["command"] = _shown(script, arguments)
    document["seconds"] = time.perf_counter() - start
    document["date"] = _now()
    return document


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _kept(out: Path, wanted: set[str]) -> dict[str, Any]:
    """Return the sections of the last ``results.json`` in ``out`` that this run does not redo, each with its date."""
    path = out / "results.json"
    if not path.is_file():
        return {}
    last: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    date = last.get("meta", {}).get("date", "?")
    return {name: {"date": date, **section} for name, section in last.items() if name != "meta" and name not in wanted}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _shown(script: str, arguments: list[str]) -> str:
    return " ".join(["python", f"bench/{script}", *arguments, "--json"])


def run_others(timeout: float) -> dict[str, Any]:
    """Run the table-printing scripts and keep their output."""
    scripts = []
    for script, arguments in OTHERS.items():
        path = HERE / script
        if not path.is_file():
            continue
        print(f"== {script} {' '.join(arguments)}", file=sys.stderr, flush=True)
        try:
            done = subprocess.run(
                [sys.executable, str(path), *arguments],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env=_env(),
            )
            output = done.stdout if done.returncode == 0 else done.stdout + done.stderr[-1000:]
        except subprocess.TimeoutExpired:
            output = f"stopped after {timeout:.0f} s"
        scripts.append({"command": " ".join(["python", f"bench/{script}", *arguments]), "output": output})
    return {"scripts": scripts}


def main() -> int:
    """Run the sections, save the figures and render the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Smoke run: short, few sizes, one run each.")
    parser.add_argument("--only", default=None, help=f"Comma-separated sections of: {', '.join(SECTIONS)}, others.")
    parser.add_argument("--out", type=Path, default=HERE, help="Where RESULTS.md, results.json and plots go.")
    parser.add_argument("--timeout", type=float, default=3600.0, help="Seconds before a section is stopped.")
    parser.add_argument("--keep", action="store_true", help="With --only: keep the other sections' last figures.")
    args = parser.parse_args()
    _services_from_file()
    wanted = set(args.only.split(",")) if args.only else {*SECTIONS, "others"}
    command = "nox -s bench" if os.environ.get("NOX_CURRENT_SESSION") else "python bench/run.py"
    options = [*(["--quick"] if args.quick else []), *([f"--only {args.only}"] if args.only else [])]
    results: dict[str, Any] = {
        "meta": {
            "command": " ".join([command, *options, *(["--keep"] if args.keep else [])]),
            "date": _now(),
            "quick": args.quick,
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": f"{platform.system()} {platform.machine()}",
            "load_before": _load(),
        }
    }
    if args.keep:
        results.update(_kept(args.out, wanted))
    for name, (script, full, quick) in SECTIONS.items():
        if name in wanted:
            document = run_section(script, quick if args.quick else full, args.timeout)
            if document is not None:
                results[name] = document
    if "others" in wanted and not args.quick:
        results["others"] = {**run_others(args.timeout), "date": _now()}
    results["meta"]["load_after"] = _load()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(write_report(results, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
