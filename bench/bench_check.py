"""Time ``asteri check`` (bundle + validate + lint) on our spec and on every shared real-world spec.

Runs the real CLI as a subprocess (so import time counts, as users feel it), several times each,
and prints the median, min and max wall time. Targets: our spec < 1 s, the largest shared
document < 5 s.

    python bench/bench_check.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "specs"


def documents() -> list[Path]:
    specs = [ROOT / "spec" / "openapi.yaml"] if (ROOT / "spec" / "openapi.yaml").exists() else []
    return specs + sorted(SHARED.glob("*.y*ml"), key=lambda p: p.stat().st_size)


def time_command(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=False, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"# asteri check: {platform.python_version()}, {os.cpu_count()} cores, median of {args.runs} runs")
    print(f"{'document':40} {'size':>9} {'median s':>9} {'min s':>7} {'max s':>7}")
    for doc in documents():
        times = time_command([sys.executable, "-m", "generator", "check", str(doc)], args.runs)
        size = (
            sum(p.stat().st_size for p in doc.parent.rglob("*.yaml"))
            if doc.parent.name == "spec"
            else doc.stat().st_size
        )
        print(
            f"{doc.name if doc.parent.name != 'spec' else 'spec/ (ours)':40} {size / 1024:>7.0f}KB "
            f"{statistics.median(times):>9.2f} {min(times):>7.2f} {max(times):>7.2f}"
        )


if __name__ == "__main__":
    main()
