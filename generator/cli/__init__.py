"""The ``asteri`` command line: one module per command; only this package prints or exits.

Exit codes, the same for every command: 0 clean, 1 findings at or above the failure
threshold (spec errors, breaking changes, stale generated files), 2 usage or input errors
(missing file, unreadable YAML, bad option): one clear sentence on stderr, never a traceback.

Commands from other distributions (the server's ``serve``, ``db``, ``keys``...) plug in through
the ``asteri.commands`` entry-point group: each entry point is a ``register(app)`` function.
The toolchain never imports the server (an import-linter contract), yet one ``asteri`` runs both.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import typer

from generator.cli import bundle, check, diff, docs, generate, release

app = typer.Typer(
    name="asteri",
    help="Asteri's public API platform: the contract toolchain and, when installed, the server commands.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _main() -> None:
    """Asteri's public API platform: contract toolchain (bundle, validate, lint, diff, release, generate) and server."""


for _module in (bundle, check, diff, release, generate, docs):
    _module.register(app)

for _plugin in sorted(entry_points(group="asteri.commands"), key=lambda ep: ep.name):
    _plugin.load()(app)

__all__ = ["app"]
