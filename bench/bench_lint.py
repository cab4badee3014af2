"""Time ``lint_document`` (and loading) on our spec and every shared spec; prints a table.

Run: .venv/bin/python bench/bench_lint.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from generator.linting import lint_document
from generator.loading import LoadError, load_document

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/specs")


def _targets() -> list[Path]:
    ours = ROOT / "spec" / "openapi.yaml"
    shared = sorted(SHARED.glob("*.y*ml")) if SHARED.is_dir() else []
    return ([ours] if ours.is_file() else []) + shared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'spec':40} {'size':>9} {'load s':>8} {'lint s':>8} {'total s':>8} {'findings':>9}")
    for path in _targets():
        loads, lints, count = [], [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            try:
                document = load_document(path)
            except LoadError as exc:
                print(f"{path.name:40} cannot load: {exc}")
                break
            middle = time.perf_counter()
            report = lint_document(document)
            end = time.perf_counter()
            loads.append(middle - start)
            lints.append(end - middle)
            count = len(report.findings)
        if not lints:
            continue
        size = sum(p.stat().st_size for p in {path, *document.bundled.files})
        load, lint = statistics.median(loads), statistics.median(lints)
        print(f"{path.name:40} {size / 1024:>7.0f}kB {load:>8.3f} {lint:>8.3f} {load + lint:>8.3f} {count:>9}")
    print(f"(median of {args.repeat} runs each)")


if __name__ == "__main__":
    main()
