"""The ``asteri`` command line: one module per command; only this package prints or exits.

Exit codes, the same for every command: 0 clean, 1 findings at or above the failure
threshold (spec errors, breaking changes, stale generated files), 2 usage or input errors
(missing file, unreadable YAML, bad option): one clear sentence on stderr, never a traceback.
"""

from __future__ import annotations

import typer

from generator.cli import bundle, check, diff, generate, release

app = typer.Typer(
    name="asteri",
    help="Asteri's contract toolchain: bundle, validate, lint, diff, release and generate from the OpenAPI spec.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _main() -> None:
    """Asteri's contract toolchain: bundle, validate, lint, diff, release and generate from the OpenAPI spec."""


for _module in (bundle, check, diff, release, generate):
    _module.register(app)

__all__ = ["app"]
