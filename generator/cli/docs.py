"""``asteri docs build``: the developer portal from the bundled spec; ``--check`` guards drift."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, config_or_exit, fail_usage, load_or_exit, spec_path

_SPEC_HELP = "The spec to document (default: [tool.asteri] spec)."
_OUTPUT_HELP = "Where to write the site (default: generated/docs_site under the project root)."
_CHECK_HELP = "Compare with the site on disk; exit 1 and list the stale files (nothing is written)."
_CHANGELOG_HELP = "The contract changelog to publish (default: CHANGELOG.md under the project root, if any)."
_BASE_HELP = "Public URL of the portal, for absolute links in the Atom feed."

docs_app = typer.Typer(
    name="docs",
    help="The developer portal: reference, guides, error pages, changelog and search, built from the contract.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@docs_app.command("build")
def _build(
    spec: Annotated[Path | None, typer.Option("--spec", help=_SPEC_HELP)] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", help=_OUTPUT_HELP)] = None,
    check: Annotated[bool, typer.Option("--check", help=_CHECK_HELP)] = False,
    changelog: Annotated[Path | None, typer.Option("--changelog", help=_CHANGELOG_HELP)] = None,
    base_url: Annotated[str, typer.Option("--base-url", help=_BASE_HELP)] = "https://docs.asteri.example",
) -> None:
    """Render the static docs site (plain HTML, CSS and a little JavaScript; no network at run time)."""
    from generator.docs import DEFAULT_SITE_DIR, build_site, site_size
    from generator.rendering.writer import compare_tree, write_tree

    path = spec_path(spec)
    doc = load_or_exit(path)
    if doc.problems:
        first = doc.problems[0]
        fail_usage(f"{first.location}: {first.message} (run `asteri check` for every problem)")
    root = config_or_exit().project_root
    changelog_path = changelog if changelog is not None else root / "CHANGELOG.md"
    if changelog is not None and not changelog_path.is_file():
        fail_usage(f"{changelog_path}: no such changelog")
    text = changelog_path.read_text(encoding="utf-8") if changelog_path.is_file() else ""
    files = build_site(doc.data, changelog_text=text, base_url=base_url)
    target = output if output is not None else root / DEFAULT_SITE_DIR
    if (
        not check
        and target.is_dir()
        and any(target.iterdir())
        and not (target / "assets" / "search-index.js").is_file()
    ):
        fail_usage(f"{target}: not empty and not a docs site; refusing to replace its files")
    if check:
        stale = compare_tree(target, files).stale
        if stale:
            typer.echo(f"stale docs site under {target} (run `asteri docs build`):", err=True)
            for rel in stale:
                typer.echo(f"  {rel}", err=True)
            raise typer.Exit(EXIT_FINDINGS)
        typer.echo(f"docs site is up to date ({len(files)} files)")
        return
    diff = write_tree(target, files)
    typer.echo(f"built {len(files)} files ({len(diff.stale)} changed, {site_size(files):,} bytes) in {target}")


def register(app: typer.Typer) -> None:
    """Add the ``docs`` command group to the CLI."""
    app.add_typer(docs_app, name="docs")
