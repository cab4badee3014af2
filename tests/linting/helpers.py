"""Shared helpers for the lint tests: fixture discovery and ``# expect:`` markers."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from generator.diagnostics import Report
from generator.linting import lint_document
from generator.loading import load_document

FIXTURES = Path(__file__).parent / "fixtures"
_EXPECT = re.compile(r"#\s*expect:\s*(\S+)(?:\s+x(\d+))?\s*$")


def expected_hits(path: Path) -> Counter[tuple[str, int]]:
    """``(pointer, line)`` for each ``# expect: <pointer> [xN]`` comment, the line being the comment's own."""
    found: Counter[tuple[str, int]] = Counter()
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(text)
        if match:
            found[(match.group(1), number)] += int(match.group(2) or 1)
    return found


def lint_file(path: Path) -> Report:
    return lint_document(load_document(path))


def hits_of(report: Report, rule: str) -> Counter[tuple[str, int]]:
    return Counter((finding.pointer, finding.line) for finding in report.findings if finding.rule == rule)
