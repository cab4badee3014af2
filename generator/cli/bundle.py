"""``asteri bundle``: resolve the split spec into one self-contained document."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, load_or_exit, spec_path, write_text
from generator.loading import dump_document


class BundleFormat(StrEnum):
    """Output formats of ``asteri bundle``."""

    yaml = "yaml"
    json = "json"


def bundle(
    spec: Annotated[Path | None, typer.Argument(help="Root file of the spec (default: [tool.asteri] spec).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write here instead of stdout.")] = None,
    fmt: Annotated[BundleFormat, typer.Option("--format", help="Output format.")] = BundleFormat.yaml,
) -> None:
    """Resolve file $refs into one document with internal refs only (deterministic bytes)."""
    document = load_or_exit(spec_path(spec))
    for problem in document.problems:
        typer.echo(f"{problem.location}: {problem.message} [{problem.rule}]", err=True)
    if document.problems:
        raise typer.Exit(EXIT_FINDINGS)
    write_text(dump_document(document.data, fmt.value), output)


def register(app: typer.Typer) -> None:
    """Add the command to the CLI."""
    app.command("bundle")(bundle)
