"""Run the real oasdiff (when it is on PATH) and map its changelog to our :class:`Change` records.

Both documents are written bundled to temporary files first, so split specs and git sources work the
same as with the built-in engine. oasdiff levels 3/2/1 map to error/warning/info.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from generator.diagnostics import Severity
from generator.diffing.model import Change, DiffResult, fingerprint_of
from generator.loading import LoadedDocument, dump_document

__all__ = ["OasdiffError", "diff_with_oasdiff", "map_oasdiff_changes"]

_LEVELS = {3: Severity.ERROR, 2: Severity.WARNING, 1: Severity.INFO}


class OasdiffError(Exception):
    """oasdiff is missing, failed, or printed something we cannot read."""


def map_oasdiff_changes(raw: Any) -> DiffResult:
    """Map oasdiff's ``changelog --format json`` output to a :class:`DiffResult`."""
    items = raw.get("changes", raw) if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise OasdiffError("oasdiff output is not a list of changes")
    changes: list[Change] = []
    for item in items:
        if not isinstance(item, dict) or "id" not in item:
            raise OasdiffError("oasdiff output has a change without an id")
        level = _LEVELS.get(int(item.get("level", 1)), Severity.INFO)
        operation = item.get("operation", "")
        path = item.get("path", "")
        display = f"{operation} {path}".strip()
        text = str(item.get("text", ""))
        changes.append(
            Change(
                id=str(item["id"]),
                level=level,
                operation=display,
                operation_id=str(item.get("operationId", "")),
                path=str(path),
                location=str(item.get("section", "")),
                text=text,
                base_source=_source(item.get("baseSource")),
                revision_source=_source(item.get("revisionSource")),
                fingerprint=str(item.get("fingerprint") or fingerprint_of(str(item["id"]), display, "", text)),
            )
        )
    return DiffResult(tuple(sorted(changes, key=lambda change: change.sort_key)))


def _source(raw: Any) -> str:
    if isinstance(raw, dict) and raw.get("file"):
        return f"{raw['file']}:{raw.get('line', 0)}"
    return raw if isinstance(raw, str) else ""


def diff_with_oasdiff(base: LoadedDocument, revision: LoadedDocument, executable: str = "oasdiff") -> DiffResult:
    """Compare with ``oasdiff changelog BASE REVISION --format json``.

    Raises:
        OasdiffError: oasdiff is not on PATH, exits with an error, or prints invalid JSON.
    """
    binary = shutil.which(executable)
    if binary is None:
        raise OasdiffError(
            "oasdiff is not on PATH; install it (https://github.com/oasdiff/oasdiff) "
            "or use the built-in engine (--engine builtin)"
        )
    with tempfile.TemporaryDirectory(prefix="asteri-oasdiff-") as tmp:
        base_file, revision_file = Path(tmp) / "base.yaml", Path(tmp) / "revision.yaml"
        base_file.write_text(dump_document(base.data), encoding="utf-8")
        revision_file.write_text(dump_document(revision.data), encoding="utf-8")
        try:
            done = subprocess.run(
                [binary, "changelog", str(base_file), str(revision_file), "--format", "json"],
                capture_output=True,
                text=True,
                check=False,
                timeout=300,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise OasdiffError(f"cannot run oasdiff: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise OasdiffError(f"oasdiff failed (exit {done.returncode}): {lines[-1] if lines else 'no message'}")
    try:
        raw = json.loads(done.stdout or "[]")
    except json.JSONDecodeError as exc:
        raise OasdiffError(f"oasdiff printed invalid JSON: {exc}") from None
    return map_oasdiff_changes(raw)
