"""One fixture pair per implemented check id: the pair must report exactly the ids in expected.txt."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from generator.diffing import DiffOptions, diff_documents
from generator.loading import load_document

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(path.name for path in FIXTURES.iterdir() if path.is_dir())


def _options(folder: Path) -> DiffOptions:
    file = folder / "options.yaml"
    if not file.exists():
        return DiffOptions(today=date(2030, 1, 1))
    raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    raw["today"] = date.fromisoformat(str(raw.get("today", "2030-01-01")))
    return DiffOptions(**raw)


def reported_ids(folder: Path) -> set[str]:
    base = load_document(folder / "base.yaml")
    revision = load_document(folder / "revision.yaml")
    return {change.id for change in diff_documents(base, revision, _options(folder)).changes}


@pytest.mark.parametrize("case", CASES)
def test_fixture_reports_expected_ids(case: str) -> None:
    folder = FIXTURES / case
    expected = set((folder / "expected.txt").read_text(encoding="utf-8").split())
    assert case in expected
    assert reported_ids(folder) == expected


@pytest.mark.parametrize("case", CASES)
def test_fixture_reverse_does_not_report_the_target(case: str) -> None:
    """Swapping base and revision must not report the same id: checks are directional (edits are symmetric)."""
    folder = FIXTURES / case
    base = load_document(folder / "revision.yaml")
    revision = load_document(folder / "base.yaml")
    ids = {change.id for change in diff_documents(base, revision, _options(folder)).changes}
    if not case.endswith("-changed"):
        assert case not in ids
