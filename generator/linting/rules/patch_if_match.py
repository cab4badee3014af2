"""``patch-if-match``: PATCH operations accept ``If-Match`` (optimistic concurrency with ETags)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule


def check(context: LintContext) -> Iterator[Hit]:
    """Flag PATCH operations without an ``If-Match`` header parameter."""
    for op in context.operations:
        if op.method == "patch" and op.header("If-Match") is None:
            yield (
                op.pointer,
                (
                    f"{op.label} does not accept `If-Match`: add the shared header parameter "
                    "(`$ref: '#/components/parameters/IfMatch'`); a stale ETag gets 412"
                ),
            )


RULE = Rule("patch-if-match", Severity.WARNING, "PATCH operations accept the `If-Match` header.", check)
