"""``operation-description``: every operation has a description (warning)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations whose ``description`` is missing or blank."""
    for op in context.operations:
        text = op.node.get("description")
        if not isinstance(text, str) or not text.strip():
            yield (
                op.pointer,
                (
                    f"{op.label} has no description: add a `description` saying what it does, "
                    "its side effects and the errors callers should expect"
                ),
            )


RULE = Rule("operation-description", Severity.WARNING, "Every operation has a non-empty `description`.", check)
