"""Helpers shared by the commands: exit codes, error lines, loading the spec or exiting."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import typer

from generator.config import Config, ConfigError, load_config
from generator.loading import LoadedDocument, LoadError, load_document

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "config_or_exit", "fail_usage", "load_or_exit", "spec_path"]

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def fail_usage(message: str) -> NoReturn:
    """Print one clear line on stderr and exit 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def config_or_exit() -> Config:
    """The project's ``[tool.asteri]`` settings, or exit 2 naming what is wrong."""
    try:
        return load_config()
    except ConfigError as exc:
        fail_usage(str(exc))


def spec_path(given: Path | None) -> Path:
    """The spec the user named, or the project's default spec."""
    return given if given is not None else config_or_exit().spec


def load_or_exit(path: Path) -> LoadedDocument:
    """Load and bundle a spec, or exit 2 with ``file:line: message``."""
    try:
        return load_document(path)
    except LoadError as exc:
        fail_usage(str(exc))
    except RecursionError:  # pragma: no cover - pathological nesting
        fail_usage(f"{path}: the document is nested too deeply to load")


def write_text(text: str, output: Path | None) -> None:
    """Write to a file (only when the bytes change) or to stdout."""
    if output is None:
        sys.stdout.write(text)
        return
    if output.exists() and output.read_text(encoding="utf-8") == text:
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
