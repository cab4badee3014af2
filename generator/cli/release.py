"""``asteri release VERSION`` (snapshot + changelog) and ``asteri changelog BASE REVISION`` (print the entry)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, EXIT_OK, config_or_exit, fail_usage, spec_path, write_text
from generator.cli.diff import load_spec_or_exit, releases_dir, resolve_pair

__all__ = ["register"]


def _date(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail_usage(f"--date {text!r}: expected YYYY-MM-DD")


def release(  # noqa: PLR0917 - typer maps parameters to options
    version: Annotated[str, typer.Argument(help="The version to release (semver; must equal info.version).")],
    spec: Annotated[Path | None, typer.Option("--spec", help="Spec root (default: [tool.asteri] spec).")] = None,
    releases: Annotated[Path | None, typer.Option("--releases", help="Release store (default spec/releases).")] = None,
    changelog: Annotated[Path | None, typer.Option("--changelog", help="Default: CHANGELOG.md at the root.")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Release date (default today).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and print the entry; write nothing.")] = False,
) -> None:
    """Cut a release: refuse breaking changes, snapshot the bundled spec, prepend the changelog entry."""
    from generator.releasing.release import ReleaseError, cut_release

    revision = load_spec_or_exit(str(spec_path(spec)))
    target = changelog if changelog is not None else config_or_exit().project_root / "CHANGELOG.md"
    try:
        outcome = cut_release(
            revision.document, version, releases_dir(releases), target, released=_date(on), write=not dry_run
        )
    except ReleaseError as exc:
        typer.echo(f"error: release refused: {exc}", err=True)
        raise typer.Exit(EXIT_FINDINGS) from None
    if dry_run:
        typer.echo(outcome.entry, nl=False)
    else:
        since = f" (since {outcome.previous})" if outcome.previous else " (first release)"
        typer.echo(f"released {version}{since}: wrote {outcome.snapshot} and {outcome.changelog}")
    raise typer.Exit(EXIT_OK)


def changelog_command(  # noqa: PLR0917 - typer maps parameters to options
    base: Annotated[
        str | None, typer.Argument(help="Base spec (default: latest release; none: first release).")
    ] = None,
    revision: Annotated[str | None, typer.Argument(help="Revised spec (default: [tool.asteri] spec).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Heading version (default: info.version).")] = None,
    on: Annotated[str | None, typer.Option("--date", help="Heading date (default today).")] = None,
    releases: Annotated[Path | None, typer.Option("--releases", help="Release store (default spec/releases).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """Print the changelog entry for the changes from BASE to REVISION (writes nothing)."""
    from generator.diffing import DiffOptions, diff_documents
    from generator.diffing.sources import relabel
    from generator.releasing.changelog import changelog_entry
    from generator.releasing.release import empty_document

    pair = resolve_pair(base, revision, releases)
    new = load_spec_or_exit(pair[1] if pair else str(spec_path(None)))
    if pair is None:
        old_document = empty_document(new.document.openapi_version)
        result = diff_documents(old_document, new.document, DiffOptions())
    else:
        old = load_spec_or_exit(pair[0])
        result = relabel(diff_documents(old.document, new.document, DiffOptions()), old, new)
    heading = version or str((new.document.data.get("info") or {}).get("version", "unreleased"))
    write_text(changelog_entry(result, heading, _date(on), initial=pair is None), output)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``release`` and ``changelog`` to the CLI."""
    app.command("release")(release)
    app.command("changelog")(changelog_command)
