"""The generated code (server side and SDK) passes the repo's ``ruff check`` and ``mypy --strict``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "expected").is_dir())


def _ruff_and_mypy(root: Path, targets: list[str]) -> None:
    ruff = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", *targets],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert ruff.returncode == 0, ruff.stdout + ruff.stderr
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *targets],
        capture_output=True,
        text=True,
        check=False,
        cwd=root,
    )
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_golden_output_passes_ruff_and_mypy_strict(case, tmp_path):
    shutil.copytree(GOLDEN / case / "expected", tmp_path, dirs_exist_ok=True)
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")  # the repo's rules, generated/** and sdk/**
    _ruff_and_mypy(tmp_path, ["generated", "sdk/asteri"])


@pytest.mark.slow
def test_repo_output_passes_ruff_and_mypy_strict():
    if not (REPO / "generated").is_dir() or not (REPO / "sdk" / "asteri").is_dir():
        pytest.skip("generated/ and sdk/ are not generated yet")
    _ruff_and_mypy(REPO, ["generated", "sdk/asteri"])
