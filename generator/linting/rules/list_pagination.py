"""``list-pagination``: list operations take ``limit``/``cursor`` and answer the list envelope.

A list operation is a GET on a path not ending in a parameter whose 200 JSON schema has an
array ``data`` property (properties merged through ``allOf`` count, so a shared envelope
schema works).
"""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.linting.operations import Operation
from generator.linting.schemas import types_of
from generator.loading.pointers import join

_ENVELOPE = "`{data: [...], has_more: boolean, next_cursor: string | null}`"


def _envelope(context: LintContext, op: Operation) -> Iterator[Hit]:
    responses = op.node["responses"]
    raw = responses.get("200", responses.get(200))
    schema, where = context.json_schema_of(raw, join(op.pointer, "responses", "200"))
    props = context.properties_of(schema, where)
    if "has_more" not in props:
        yield where, f"the list response of {op.label} has no `has_more`: use the envelope {_ENVELOPE}"
    elif "boolean" not in types_of(props["has_more"][0]):
        yield props["has_more"][1], f"`has_more` of {op.label} must be `type: boolean`"
    if "next_cursor" not in props:
        yield where, f"the list response of {op.label} has no `next_cursor`: use the envelope {_ENVELOPE}"


def check(context: LintContext) -> Iterator[Hit]:
    """Flag list operations (GET, no trailing path parameter, 200 with array ``data``) lacking pagination."""
    for op in context.list_operations:
        for name in ("limit", "cursor"):
            if op.query(name) is None:
                yield (
                    op.pointer,
                    (
                        f"list operation {op.label} has no `{name}` query parameter: add the shared "
                        f"`{name}` parameter (cursor pagination, `limit` 1..100, default 25)"
                    ),
                )
        yield from _envelope(context, op)


RULE = Rule(
    "list-pagination",
    Severity.ERROR,
    "List operations take `limit` and `cursor` and answer `{data, has_more, next_cursor}`.",
    check,
)
