"""Real public specs (3.0 and 3.1) lint without an exception (findings are expected)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.linting import lint_document
from generator.loading import load_document

SPECS = Path("/work/shared/specs")
CORPUS = sorted(path for path in SPECS.glob("*.y*ml")) if SPECS.is_dir() else []


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS, reason="shared specs not available")
@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.name)
def test_shared_spec_lints_without_exception(path):
    report = lint_document(load_document(path))
    assert [f for f in report.findings if "internal error" in f.message] == []
    assert all(f.line >= 1 for f in report.findings)
    assert report.findings  # third-party specs do not follow our style guide
