"""``operation-id-unique``: every operation has an operationId, and no two share one."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations without an operationId and every repeat of an id already used."""
    first: dict[str, str] = {}
    for op in context.operations:
        op_id = op.node.get("operationId")
        if not isinstance(op_id, str) or not op_id:
            yield (
                op.pointer,
                (
                    f"{op.label} has no operationId: add a unique camelCase `operationId` "
                    "(it names the SDK method and must stay stable)"
                ),
            )
        elif op_id in first:
            yield (
                join(op.pointer, "operationId"),
                (
                    f"operationId `{op_id}` of {op.label} is already used by "
                    f"{first[op_id]}: give each operation its own id"
                ),
            )
        else:
            first[op_id] = op.label


RULE = Rule("operation-id-unique", Severity.ERROR, "Every operation has an operationId, unique in the document.", check)
