"""Time ``asteri docs build`` (load + view + render + write) on our spec and the shared specs; print page weights.

Run: .venv/bin/python bench/bench_docs.py [--repeat N] [--ours-only]
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from generator.docs import build_site, build_view, site_size
from generator.docs.markdown import inline_html, markdown_html
from generator.loading import LoadError, load_document
from generator.rendering.writer import write_tree

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path("/work/shared/specs")


def _targets(ours_only: bool) -> list[Path]:
    ours = ROOT / "spec" / "openapi.yaml"
    shared = [] if ours_only or not SHARED.is_dir() else sorted(SHARED.glob("*.y*ml"))
    return ([ours] if ours.is_file() else []) + shared


def _weights(files: dict[str, str]) -> None:
    by_section: Counter[str] = Counter()
    for rel, text in files.items():
        by_section[rel.split("/")[0]] += len(text.encode())
    pages = [(len(t.encode()), r) for r, t in files.items() if r.endswith(".html")]
    gz = sum(len(gzip.compress(t.encode(), 9, mtime=0)) for t in files.values())
    print(
        f"\nour site: {len(files)} files, {site_size(files):,} bytes ({gz:,} gzipped), "
        f"{len(pages)} pages, median page {int(statistics.median(p for p, _ in pages)):,} bytes"
    )
    for section, size in by_section.most_common():
        print(f"  {section:20} {size:>10,}")
    biggest = max(pages)
    print(
        f"  largest page: {biggest[1]} ({biggest[0]:,} bytes); search index "
        f"{len(files['assets/search-index.js'].encode()):,} bytes (loaded on first focus of the search box)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ours-only", action="store_true")
    args = parser.parse_args()
    columns = ("ops", "load s", "view s", "render s", "write s", "total s", "bytes")
    widths = (5, 7, 7, 8, 7, 7, 11)
    print(f"{'spec':40} " + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)))
    ours: dict[str, str] | None = None
    for path in _targets(args.ours_only):
        totals, parts = [], []
        files: dict[str, str] = {}
        try:
            for _ in range(args.repeat):
                markdown_html.cache_clear()
                inline_html.cache_clear()
                t0 = time.perf_counter()
                data = load_document(path).data
                t1 = time.perf_counter()
                ops = len(build_view(data).operations)
                t2 = time.perf_counter()
                files = build_site(data)
                t3 = time.perf_counter()
                with tempfile.TemporaryDirectory() as tmp:
                    write_tree(Path(tmp) / "site", files)
                t4 = time.perf_counter()
                # build_site builds the view again; report render as the rest of build_site's time
                parts.append((t1 - t0, t2 - t1, (t3 - t2) - (t2 - t1), t4 - t3))
                totals.append((t1 - t0) + (t3 - t2) + (t4 - t3))
        except (LoadError, RecursionError, KeyError, TypeError, ValueError) as exc:
            print(f"{path.name:40} failed: {type(exc).__name__}: {str(exc)[:60]}")
            continue
        best = min(range(len(totals)), key=totals.__getitem__)
        load, view, render, write = parts[best]
        print(
            f"{path.name:40} {ops:>5} {load:>7.2f} {view:>7.2f} {render:>8.2f} {write:>7.2f} "
            f"{totals[best]:>7.2f} {site_size(files):>11,}"
        )
        if ours is None:
            ours = files
    if ours is not None:
        _weights(ours)


if __name__ == "__main__":
    main()
