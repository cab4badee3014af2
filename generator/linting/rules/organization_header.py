"""``organization-header``: every operation takes the required ``x-organization-id`` header."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

HEADER = "x-organization-id"


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations without the header, or with it optional."""
    seen: set[str] = set()
    for op in context.operations:
        param = op.header(HEADER)
        if param is None:
            yield (
                op.pointer,
                (
                    f"{op.label} does not take the `{HEADER}` header: add the shared parameter "
                    f"(`$ref: '#/components/parameters/OrganizationId'`) to the path item or operation"
                ),
            )
        elif param.node.get("required") is not True and param.definition not in seen:
            seen.add(param.definition)
            yield (
                join(param.definition, "required"),
                (f"the `{HEADER}` header must be required: set `required: true` (every request names one tenant)"),
            )


RULE = Rule(
    "organization-header",
    Severity.ERROR,
    "Every operation takes the `x-organization-id` header, required (path item or operation).",
    check,
)
