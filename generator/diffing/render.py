"""Render a :class:`DiffResult`: text (grouped by operation, with why), json, yaml, markdown, GitHub Actions, JUnit."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import groupby
from xml.sax.saxutils import escape, quoteattr

import yaml

from generator.diffing.model import Change, DiffResult

__all__ = ["FORMATS", "render"]

_ICON = {"error": "error", "warning": "warning", "info": "info"}


def _group(result: DiffResult) -> list[tuple[str, list[Change]]]:
    ordered = sorted(
        result.changes,
        key=lambda change: (
            change.operation == "",
            change.path,
            change.operation,
            -change.level.rank,
            change.location,
            change.id,
        ),
    )
    return [(operation, list(changes)) for operation, changes in groupby(ordered, key=lambda c: c.operation)]


def _summary_line(result: DiffResult) -> str:
    summary = result.summary
    return f"{summary['error']} error(s), {summary['warning']} warning(s), {summary['info']} info"


def render_text(result: DiffResult) -> str:
    """Changes grouped by operation; breaking ones say why, in one sentence."""
    if not result.changes:
        return "No changes.\n"
    lines: list[str] = []
    for operation, changes in _group(result):
        lines.append(operation or "(document)")
        for change in changes:
            source = change.revision_source or change.base_source
            lines.append(f"  {change.level.value:<7} {change.id}: {change.text}" + (f"  [{source}]" if source else ""))
            if change.is_breaking and change.why:
                lines.append(f"          why: {change.why}")
        lines.append("")
    lines.append(_summary_line(result))
    return "\n".join(lines) + "\n"


def render_json(result: DiffResult) -> str:
    """The JSON shape: ``{"changes": [...], "summary": {...}}``."""
    return json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"


def render_yaml(result: DiffResult) -> str:
    """The JSON shape as YAML."""
    return str(yaml.safe_dump(result.to_json(), sort_keys=False, allow_unicode=True, width=120))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DiffResult) -> str:
    """A markdown report (for pull-request comments): one table per operation."""
    lines = ["# API changes", "", _summary_line(result), ""]
    for operation, changes in _group(result):
        lines += [f"## {operation or 'Document'}", "", "| level | check | change | why |", "|---|---|---|---|"]
        lines += [
            f"| {change.level.value} | `{change.id}` | {_cell(change.text)} | "
            f"{_cell(change.why if change.is_breaking else '')} |"
            for change in changes
        ]
        lines.append("")
    return "\n".join(lines)


def _annotation_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render_githubactions(result: DiffResult) -> str:
    """GitHub Actions workflow commands (annotations on the changed lines)."""
    lines = []
    for change in result.changes:
        command = {"error": "error", "warning": "warning"}.get(change.level.value, "notice")
        source = change.revision_source or change.base_source
        file, _, line = source.rpartition(":")
        where = f" file={file},line={line}," if file else " "
        title = f"title={change.id}"
        message = change.text + (f" {change.why}" if change.is_breaking and change.why else "")
        lines.append(f"::{command}{where}{title}::{_annotation_escape(f'{change.operation} {message}'.strip())}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_junit(result: DiffResult) -> str:
    """JUnit XML (GitLab and most CI servers): one test case per change; breaking ones fail."""
    failures = len(result.breaking())
    cases = []
    for change in result.changes:
        name = quoteattr(f"{change.operation or 'document'} {change.id} {change.location}".strip())
        body = ""
        if change.is_breaking:
            body = (
                f"<failure message={quoteattr(change.text)} type={quoteattr(change.level.value)}>"
                f"{escape(change.why)} {escape(change.revision_source or change.base_source)}</failure>"
            )
        cases.append(f'    <testcase classname="asteri.diff" name={name}>{body}</testcase>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites><testsuite name="asteri diff" tests="{len(result.changes)}" failures="{failures}">\n'
        + "".join(case + "\n" for case in cases)
        + "</testsuite></testsuites>\n"
    )


FORMATS: dict[str, Callable[[DiffResult], str]] = {
    "text": render_text,
    "json": render_json,
    "yaml": render_yaml,
    "markdown": render_markdown,
    "githubactions": render_githubactions,
    "junit": render_junit,
}


def render(result: DiffResult, fmt: str) -> str:
    """Render in one of :data:`FORMATS`."""
    return FORMATS[fmt](result)
