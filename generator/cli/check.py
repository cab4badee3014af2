"""``asteri validate``, ``asteri lint`` and ``asteri check``: placeholder (being written)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the commands to the CLI (nothing yet)."""
    del app
