"""``asteri diff BASE REVISION``: breaking-change detection with oasdiff's ids and levels.

BASE defaults to the latest release under ``spec/releases/`` and REVISION to the working spec. With
no release yet there is nothing to compare: a note on stderr and exit 0. Exit 1 when a change at or
above ``--fail-on`` (default ``warning``, oasdiff's "breaking") remains after overrides and ignores.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from generator.cli._common import EXIT_FINDINGS, EXIT_OK, config_or_exit, fail_usage, write_text
from generator.diagnostics import Severity

if TYPE_CHECKING:  # the diff engine is imported when a command runs: a fast `asteri --help`
    from generator.diffing import DiffOptions, DiffResult, Policy
    from generator.diffing.sources import LoadedSource

__all__ = ["DiffFormat", "Engine", "FailOn", "register", "resolve_pair", "run_diff"]


class DiffFormat(StrEnum):
    """Output formats."""

    text = "text"
    json = "json"
    yaml = "yaml"
    markdown = "markdown"
    githubactions = "githubactions"
    junit = "junit"


class FailOn(StrEnum):
    """The lowest level that fails the run."""

    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Engine(StrEnum):
    """Which engine compares the documents."""

    builtin = "builtin"
    oasdiff = "oasdiff"


def releases_dir(given: Path | None) -> Path:
    """The release store: the option, else ``<project>/spec/releases``."""
    return given if given is not None else config_or_exit().project_root / "spec" / "releases"


def load_spec_or_exit(spec: str) -> LoadedSource:
    """Load one side of the comparison or exit 2 with one line."""
    from generator.diffing.sources import SourceError, load_source

    try:
        return load_source(spec)
    except SourceError as exc:
        fail_usage(str(exc))


def resolve_pair(base: str | None, revision: str | None, releases: Path | None) -> tuple[str, str] | None:
    """The two spec strings to compare; ``None`` when BASE defaults to a release and there is none."""
    if revision is None:
        revision = str(config_or_exit().spec)
    if base is None:
        from generator.releasing.store import latest_release

        latest = latest_release(releases_dir(releases))
        if latest is None:
            return None
        base = str(latest[1])
    return base, revision


def run_diff(base: LoadedSource, revision: LoadedSource, engine: Engine, options: DiffOptions) -> DiffResult:
    """Compare with the chosen engine (exit 2 when oasdiff is wanted but unusable)."""
    from generator.diffing import diff_documents
    from generator.diffing.oasdiff_backend import OasdiffError, diff_with_oasdiff
    from generator.diffing.sources import relabel

    if engine is Engine.oasdiff:
        try:
            return diff_with_oasdiff(base.document, revision.document)
        except OasdiffError as exc:
            fail_usage(str(exc))
    return relabel(diff_documents(base.document, revision.document, options), base, revision)


def _policy(severity_levels: Path | None, ignore: Path | None, match_path: str | None) -> Policy:
    from generator.diffing import Policy, PolicyError, parse_ignores
    from generator.diffing import parse_severity_levels as parse_levels

    try:
        levels = parse_levels(severity_levels) if severity_levels else {}
        ignores = tuple(parse_ignores(ignore)) if ignore else ()
    except PolicyError as exc:
        fail_usage(str(exc))
    try:
        pattern = re.compile(match_path) if match_path else None
    except re.error as exc:
        fail_usage(f"--match-path {match_path!r}: {exc}")
    return Policy(levels, ignores, pattern)


def _today(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail_usage(f"--today {text!r}: expected YYYY-MM-DD")


def diff(  # noqa: PLR0917 - typer maps parameters to options
    base: Annotated[
        str | None,
        typer.Argument(
            help="Base spec: file, split-spec root or git:REF:path (default: latest release under spec/releases/)."
        ),
    ] = None,
    revision: Annotated[str | None, typer.Argument(help="Revised spec (default: [tool.asteri] spec).")] = None,
    fmt: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Exit 1 at this level or above.")] = FailOn.warning,
    severity_levels: Annotated[
        Path | None, typer.Option("--severity-levels", help="Lines 'check-id error|warning|info|none'.")
    ] = None,
    ignore: Annotated[
        Path | None, typer.Option("--ignore", help="Lines: a fingerprint, or 'check-id [METHOD] [PATH-GLOB]'.")
    ] = None,
    match_path: Annotated[str | None, typer.Option("--match-path", help="Only paths matching this regex.")] = None,
    engine: Annotated[Engine, typer.Option("--engine", help="builtin, or oasdiff from PATH.")] = Engine.builtin,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
    releases: Annotated[Path | None, typer.Option("--releases", help="Release store (default spec/releases).")] = None,
    deprecation_days_stable: Annotated[int, typer.Option(help="Minimum days to sunset (stable).", min=0)] = 0,
    deprecation_days_beta: Annotated[int, typer.Option(help="Minimum days to sunset (beta).", min=0)] = 0,
    include_path_params: Annotated[bool, typer.Option(help="Path parameter names matter when matching.")] = False,
    today: Annotated[str | None, typer.Option("--today", help="Compare sunsets with this date.")] = None,
) -> None:
    """Compare two versions of the contract and report changes with oasdiff's check ids and levels."""
    pair = resolve_pair(base, revision, releases)
    if pair is None:
        typer.echo(
            f"asteri diff: no release under {releases_dir(releases)} yet, nothing to compare "
            "(cut one with 'asteri release VERSION')",
            err=True,
        )
        raise typer.Exit(EXIT_OK)
    from generator.diffing import DiffOptions
    from generator.diffing.render import render

    policy = _policy(severity_levels, ignore, match_path)
    options = DiffOptions(
        today=_today(today),
        deprecation_days_stable=deprecation_days_stable,
        deprecation_days_beta=deprecation_days_beta,
        include_path_params=include_path_params,
    )
    old, new = load_spec_or_exit(pair[0]), load_spec_or_exit(pair[1])
    result = policy.apply(run_diff(old, new, engine, options))
    write_text(render(result, fmt.value), output)
    if fail_on is not FailOn.never and result.at_or_above(Severity(fail_on.value)):
        raise typer.Exit(EXIT_FINDINGS)
    raise typer.Exit(EXIT_OK)


def register(app: typer.Typer) -> None:
    """Add ``diff`` to the CLI."""
    app.command("diff")(diff)
