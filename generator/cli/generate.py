"""``asteri generate``: DTOs, server stubs and the SDK from the bundled spec; ``--check`` guards drift."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, config_or_exit, fail_usage, load_or_exit, spec_path

if TYPE_CHECKING:  # the codegen stack is imported when the command runs: a fast `asteri --help`
    from generator.codegen import DtoWorker
    from generator.rendering import RenderedTree

_SPEC_HELP = "The spec to generate from (default: [tool.asteri] spec)."
_CHECK_HELP = "Compare with the committed output; exit 1 and list the stale files."
_OUTPUT_HELP = "Where generated/ and sdk/ live (default: the project root)."


def _trees(path: Path, worker: DtoWorker) -> tuple[RenderedTree, ...]:
    from generator.codegen import generate_trees
    from generator.ir import CodegenError
    from generator.rendering import FormattingError

    doc = load_or_exit(path)
    if doc.problems:
        first = doc.problems[0]
        fail_usage(f"{first.location}: {first.message} (run `asteri check` for every problem)")
    try:
        return generate_trees(doc.data, worker=worker)
    except CodegenError as exc:
        for problem in exc.problems:
            where = doc.locate(problem.pointer)
            typer.echo(f"{where.file}:{where.line}: #{problem.pointer}: {problem.message}", err=True)
        typer.echo(
            f"error: cannot generate: {len(exc.problems)} unsupported construct(s); nothing was written", err=True
        )
        raise typer.Exit(EXIT_FINDINGS) from None
    except FormattingError as exc:
        fail_usage(f"ruff rejected the rendered output (a template bug): {exc}")


def _generate(
    spec: Annotated[Path | None, typer.Option("--spec", help=_SPEC_HELP)] = None,
    check: Annotated[bool, typer.Option("--check", help=_CHECK_HELP)] = False,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", help=_OUTPUT_HELP)] = None,
) -> None:
    """Generate DTOs and server stubs (generated/) and the Python SDK (sdk/) from the contract."""
    from generator.codegen import DtoWorker, check_trees, write_trees

    path = spec_path(spec)
    root = output_dir if output_dir is not None else config_or_exit().project_root
    with DtoWorker() as worker:  # warms datamodel-code-generator up while the spec loads
        trees = _trees(path, worker)
    if check:
        stale = [f"{tree}/{rel}" for tree, diff in check_trees(trees, root).items() for rel in diff.stale]
        if stale:
            typer.echo("stale generated files (run `asteri generate`):", err=True)
            for rel in stale:
                typer.echo(f"  {rel}", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        typer.echo("generated files are up to date")
        return
    diffs = write_trees(trees, root)
    count = sum(len(diff.stale) for diff in diffs.values())
    typer.echo(f"generated {sum(len(t.files) for t in trees)} files ({count} changed) under {root}")


def register(app: typer.Typer) -> None:
    """Add ``generate`` to the CLI."""
    app.command("generate")(_generate)
