"""The last step of every render: ``ruff check --fix`` and ``ruff format`` (pinned, from this environment)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["FormattingError", "format_files"]

_RUFF_CONFIG = """\
line-length = 120
target-version = "py311"

[lint]
select = ["E", "W", "F", "I", "UP", "B", "C4", "PIE", "RUF", "SIM", "PT", "PERF", "PL", "ARG", "C90", "T20"]

[lint.isort]
known-first-party = [{first_party}]
"""


class FormattingError(Exception):
    """ruff could not parse a rendered file (a template bug); the message names the file."""


def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("ruff")
    return [found] if found else [sys.executable, "-m", "ruff"]


def format_files(files: dict[str, str], first_party: tuple[str, ...]) -> dict[str, str]:
    """Return ``files`` (relative path -> text) after ruff's import sorting, fixes and formatting.

    Raises:
        FormattingError: ruff failed on a file (the rendered text is not valid Python).
    """
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    if not python:
        return dict(files)
    with tempfile.TemporaryDirectory(prefix="asteri-gen-") as tmp:
        root = Path(tmp)
        config = root / "ruff.toml"
        config.write_text(_RUFF_CONFIG.format(first_party=", ".join(f'"{p}"' for p in first_party)))
        tree = root / "tree"
        for path, text in python.items():
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        base = [*_ruff()]
        steps = (
            [*base, "check", "--fix", "--exit-zero", "--quiet", "--no-cache", "--config", str(config), str(tree)],
            [*base, "format", "--quiet", "--no-cache", "--config", str(config), str(tree)],
        )
        for command in steps:
            done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=root)
            if done.returncode != 0:
                detail = (done.stderr + done.stdout).replace(str(tree) + "/", "").strip()
                raise FormattingError(detail[:2000])
        out = dict(files)
        for path in python:
            out[path] = (tree / path).read_text(encoding="utf-8")
    return out
