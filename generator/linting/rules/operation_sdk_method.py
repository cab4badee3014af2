"""``operation-sdk-method``: every operation names its SDK method in ``x-sdk-method``, uniquely."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations without ``x-sdk-method`` and repeats of a name already used."""
    first: dict[str, str] = {}
    for op in context.operations:
        name = op.node.get("x-sdk-method")
        if not isinstance(name, str) or not name.strip():
            yield (
                op.pointer,
                (f"{op.label} has no `x-sdk-method`: add the SDK method name (for example `customers.list`)"),
            )
        elif name in first:
            yield (
                join(op.pointer, "x-sdk-method"),
                (f"`x-sdk-method: {name}` of {op.label} is already used by {first[name]}: choose a unique method name"),
            )
        else:
            first[name] = op.label


RULE = Rule(
    "operation-sdk-method", Severity.WARNING, "Every operation has an `x-sdk-method`, unique in the document.", check
)
