"""``python -m generator`` runs the ``asteri`` CLI."""

from generator.cli import app

app(prog_name="asteri")
