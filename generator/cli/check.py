"""``asteri validate``, ``asteri lint`` and ``asteri check`` (bundle + validate + lint)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, EXIT_OK, config_or_exit, fail_usage, load_or_exit, spec_path
from generator.diagnostics import Report
from generator.output.findings import render_json, render_text


class FindingsFormat(StrEnum):
    """Output formats for findings."""

    text = "text"
    json = "json"


SpecArgument = Annotated[Path | None, typer.Argument(help="Root file of the spec (default: [tool.asteri] spec).")]
FormatOption = Annotated[FindingsFormat, typer.Option("--format", help="text for people, json for machines.")]


# Engines are imported inside the commands: `asteri --help` and the other commands stay fast.


def _emit(report: Report, fmt: FindingsFormat, title: str) -> None:
    typer.echo(render_json(report) if fmt is FindingsFormat.json else render_text(report, title), nl=False)
    raise typer.Exit(EXIT_FINDINGS if report.has_errors() else EXIT_OK)


def _severities() -> dict[str, str]:
    return config_or_exit().lint_severities


def validate(spec: SpecArgument = None, fmt: FormatOption = FindingsFormat.text) -> None:
    """Check the spec is valid OpenAPI 3.0/3.1: structure, $refs, operation ids, path parameters."""
    from generator.api import validate_document

    document = load_or_exit(spec_path(spec))
    _emit(validate_document(document), fmt, "validate")


def lint(spec: SpecArgument = None, fmt: FormatOption = FindingsFormat.text) -> None:
    """Check the spec against Asteri's API style guide (rules and severities in docs/lint-rules.md)."""
    from generator.api import lint_document

    document = load_or_exit(spec_path(spec))
    try:
        report = lint_document(document, _severities())
    except ValueError as exc:
        fail_usage(f"[tool.asteri.lint]: {exc}")
    _emit(report, fmt, "lint")


def check(spec: SpecArgument = None, fmt: FormatOption = FindingsFormat.text) -> None:
    """Bundle, validate and lint in one go; exit 1 on any error-level finding."""
    from generator.api import check_document

    document = load_or_exit(spec_path(spec))
    try:
        report = check_document(document, _severities())
    except ValueError as exc:
        fail_usage(f"[tool.asteri.lint]: {exc}")
    _emit(report, fmt, "check")


def register(app: typer.Typer) -> None:
    """Add the commands to the CLI."""
    app.command("validate")(validate)
    app.command("lint")(lint)
    app.command("check")(check)
