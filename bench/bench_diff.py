"""Benchmark ``asteri diff``: the largest shared spec against a scripted edit of itself, and our own spec.

Run: ``.venv/bin/python bench/bench_diff.py [--repeat N]``. Prints load and diff times (best and median
of N runs) and the number of changes found. Target: a diff under 2 s for the largest shared document.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest.mock import patch

import yaml

from generator.diffing import diff_documents
from generator.diffing.context import DiffContext
from generator.loading import load_document

SHARED = Path("/work/shared/specs")
OWN = Path(__file__).parents[1] / "spec" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "patch")


def _operations(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, item[method])
        for path, item in data.get("paths", {}).items()
        for method in METHODS
        if isinstance(item, dict) and method in item
    ]


def edit(data: dict[str, Any]) -> dict[str, Any]:
    """A fixed set of edits spread over the document (deterministic)."""
    data = copy.deepcopy(data)
    operations = _operations(data)
    for path, method, _ in operations[:3]:  # remove 3 operations without deprecation
        del data["paths"][path][method]
    for _, _, node in operations[3:13]:  # a new required query parameter on 10 operations
        node.setdefault("parameters", []).append(
            {"name": "bench_mode", "in": "query", "required": True, "schema": {"type": "string"}}
        )
    for _, _, node in operations[13:18]:  # 5 operations deprecated
        node["deprecated"] = True
    schemas = data.get("components", {}).get("schemas", {})
    edited = 0
    for schema in schemas.values():  # enum values removed, types and limits changed in 30 properties
        for prop in (schema.get("properties") or {}).values():
            if not isinstance(prop, dict) or edited >= 30:
                continue
            if isinstance(prop.get("enum"), list) and len(prop["enum"]) > 1:
                prop["enum"] = prop["enum"][:-1]
            elif prop.get("type") == "string":
                prop["maxLength"] = 64
            elif prop.get("type") == "integer":
                prop["type"] = "number"
            else:
                continue
            edited += 1
    data.setdefault("paths", {})["/bench/added"] = {"get": {"responses": {"200": {"description": "ok"}}}}
    return data


def _time(function: Any, repeat: int) -> tuple[float, float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def bench(path: Path, repeat: int) -> None:
    load_best, _, base = _time(lambda: load_document(path), 1)
    with tempfile.TemporaryDirectory() as tmp:
        revised = Path(tmp) / "revision.yaml"
        revised.write_text(yaml.safe_dump(edit(base.data), sort_keys=False), encoding="utf-8")
        revision = load_document(revised)
    best, median, result = _time(lambda: diff_documents(base, revision), repeat)
    with patch.object(DiffContext, "same", lambda *_: False):  # worst case: no equal-subtree shortcut
        full_best, _, _ = _time(lambda: diff_documents(base, revision), 1)
    size = path.stat().st_size / 1024
    print(f"{path.name}: {size:.0f} KiB, {len(_operations(base.data))} operations, load {load_best:.2f} s")
    print(
        f"  diff after scripted edits: best {best:.3f} s, median {median:.3f} s of {repeat}; "
        f"{len(result.changes)} changes {result.summary}"
    )
    print(f"  same diff without the equal-subtree shortcut (every schema walked): {full_best:.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    targets = sorted(SHARED.glob("*.y*ml"), key=lambda p: p.stat().st_size, reverse=True)[:1]
    if OWN.exists():
        targets.append(OWN)
    for path in targets:
        bench(path, args.repeat)


if __name__ == "__main__":
    main()
