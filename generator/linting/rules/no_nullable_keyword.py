"""``no-nullable-keyword``: OpenAPI 3.1 documents spell nullability ``type: [T, "null"]``."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag every ``nullable`` keyword in a 3.1 document (3.1 ignores it: it is not JSON Schema)."""
    if not context.is_31:
        return
    for node in context.schema_nodes():
        if "nullable" in node.schema:
            yield (
                join(node.pointer, "nullable"),
                (
                    "`nullable` does not exist in OpenAPI 3.1: write "
                    "`type: [<type>, 'null']` (or `anyOf: [..., {type: 'null'}]` "
                    "around a `$ref`) and drop `nullable`"
                ),
            )


RULE = Rule(
    "no-nullable-keyword",
    Severity.ERROR,
    "OpenAPI 3.1 documents use `type: [T, 'null']`, never the 3.0 `nullable` keyword.",
    check,
)
