"""Render a findings :class:`~generator.diagnostics.Report` as text or JSON."""

from __future__ import annotations

import json

from generator.diagnostics import Report

__all__ = ["render_json", "render_text"]


def render_text(report: Report, title: str) -> str:
    """One line per finding (``file:line: severity [rule] message``), then a summary line."""
    lines = [
        f"{f.file}:{f.line}: {f.severity.value} [{f.rule}] {f.message} (at {f.pointer or '/'})" for f in report.findings
    ]
    summary = report.summary
    if summary["total"]:
        lines.append(f"{title}: {summary['error']} error(s), {summary['warning']} warning(s), {summary['info']} info")
    else:
        lines.append(f"{title}: no findings")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    """``{"findings": [{"rule", "severity", "message", "file", "line", "pointer"}], "summary": {...}}``."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
