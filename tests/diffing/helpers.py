"""Helpers for diff tests: write documents to files, load them, diff them."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

from generator.diffing import DiffOptions, DiffResult, diff_documents
from generator.loading import load_document


def write(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def diff(tmp_path: Path, base: dict[str, Any], revision: dict[str, Any], **options: Any) -> DiffResult:
    options.setdefault("today", date(2030, 1, 1))
    if options.pop("bump", True) and revision.get("info", {}).get("version") == base.get("info", {}).get("version"):
        revision = {**revision, "info": {**revision["info"], "version": "9.0.0"}}  # no versioning noise
    old = load_document(write(tmp_path / "base" / "openapi.yaml", base))
    new = load_document(write(tmp_path / "revision" / "openapi.yaml", revision))
    return diff_documents(old, new, DiffOptions(**options))


def ids(result: DiffResult) -> list[str]:
    return sorted(change.id for change in result.changes)


def spec(
    paths: dict[str, Any], schemas: dict[str, Any] | None = None, version: str = "3.1.0", info_version: str = "1.0.0"
) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": info_version},
        "servers": [{"url": "/api/public/v1"}],
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def operation(
    request: dict[str, Any] | None = None, response: dict[str, Any] | None = None, **fields: Any
) -> dict[str, Any]:
    node: dict[str, Any] = {"responses": {"200": {"description": "ok", **json_body(response or {"type": "object"})}}}
    if request is not None:
        node["requestBody"] = {"required": True, **json_body(request)}
    node.update(fields)
    return node
