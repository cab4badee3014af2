"""docs/diff-checks.md is generated from the catalogue and the fixtures; it must be up to date."""

from __future__ import annotations

from generator.diffing.catalogue import catalogue
from tests.diffing.coverage_doc import DOC, FIXTURES, render


def test_catalogue_counts_match_oasdiff() -> None:
    levels = [check.level.value for check in catalogue().values()]
    assert (len(levels), levels.count("error"), levels.count("warning"), levels.count("info")) == (509, 213, 30, 266)


def test_every_fixture_is_a_known_check() -> None:
    assert {path.name for path in FIXTURES.iterdir() if path.is_dir()} <= set(catalogue())


def test_coverage_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m tests.diffing.coverage_doc"
