"""``operation-id-camel-case``: operationIds are camelCase (``listCustomers``)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.cases import is_camel
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operationIds that are not camelCase."""
    for op in context.operations:
        op_id = op.node.get("operationId")
        if isinstance(op_id, str) and op_id and not is_camel(op_id):
            yield (
                join(op.pointer, "operationId"),
                (
                    f"operationId `{op_id}` of {op.label} is not camelCase: "
                    "rename it like `listCustomers` or `createInvoice`"
                ),
            )


RULE = Rule("operation-id-camel-case", Severity.ERROR, "operationIds are camelCase (`listCustomers`).", check)
