"""``operation-summary``: every operation has a summary (the docs' and the SDK's one-liner)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations whose ``summary`` is missing or blank."""
    for op in context.operations:
        summary = op.node.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            yield op.pointer, f'{op.label} has no summary: add a short `summary` such as "List customers"'


RULE = Rule("operation-summary", Severity.ERROR, "Every operation has a non-empty `summary`.", check)
