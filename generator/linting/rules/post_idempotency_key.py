"""``post-idempotency-key``: every POST accepts the ``Idempotency-Key`` header."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule


def check(context: LintContext) -> Iterator[Hit]:
    """Flag POST operations that do not declare the header (path item or operation)."""
    for op in context.operations:
        if op.method == "post" and op.header("Idempotency-Key") is None:
            yield (
                op.pointer,
                (
                    f"{op.label} does not accept `Idempotency-Key`: add the shared header parameter "
                    "(`$ref: '#/components/parameters/IdempotencyKey'`) so retries are safe"
                ),
            )


RULE = Rule("post-idempotency-key", Severity.ERROR, "Every POST accepts the `Idempotency-Key` header.", check)
