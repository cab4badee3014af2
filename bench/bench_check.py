"""Time ``asteri check`` (bundle + validate + lint) on our spec and on every shared real-world spec.

Runs the real CLI as a subprocess (import time counts, as users feel it), several times each, and
prints the median, min and max wall time, cold (``ASTERI_NO_CACHE=1``: everything computed) and
warm (the validation result comes from the content-addressed cache, as on a second run over an
unchanged spec). Targets: our spec < 1 s, the largest shared document < 5 s.

    python bench/bench_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "specs"
OURS = ROOT / "spec" / "openapi.yaml"


def documents() -> list[Path]:
    specs = [OURS] if OURS.exists() else []
    return specs + sorted(SHARED.glob("*.y*ml"), key=lambda p: p.stat().st_size)


def size_of(doc: Path) -> int:
    if doc == OURS:
        return sum(p.stat().st_size for p in doc.parent.rglob("*.yaml") if "releases" not in p.parts)
    return doc.stat().st_size


def time_command(args: list[str], runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=False, cwd=ROOT, env=env)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cache = tempfile.mkdtemp(prefix="asteri-bench-cache-")
    cold = {**os.environ, "ASTERI_NO_CACHE": "1"}
    warm = {**os.environ, "ASTERI_CACHE_DIR": cache}
    print(f"# asteri check: Python {platform.python_version()}, {os.cpu_count()} cores, median of {args.runs} runs")
    print(f"{'document':34} {'size':>8} {'cold median':>12} {'(min-max)':>12} {'warm median':>12} {'(min-max)':>12}")
    for doc in documents():
        command = [sys.executable, "-m", "generator", "check", str(doc)]
        cold_times = time_command(command, args.runs, cold)
        time_command(command, 1, warm)  # fills the cache
        warm_times = time_command(command, args.runs, warm)
        name = "spec/ (ours, split)" if doc == OURS else doc.name
        print(
            f"{name:34} {size_of(doc) / 1024:>6.0f}KB {statistics.median(cold_times):>11.2f}s "
            f"{min(cold_times):>5.2f}-{max(cold_times):<5.2f} {statistics.median(warm_times):>11.2f}s "
            f"{min(warm_times):>5.2f}-{max(warm_times):<5.2f}"
        )


if __name__ == "__main__":
    main()
