"""``problem-responses``: every operation documents the standard problem responses.

A status counts as documented when the operation lists it exactly or through its range
(``4XX`` covers 422); ``default`` does not count, because clients and the SDK map each
documented status to a typed error. 404 is required only when the path has a parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

REQUIRED = ("400", "401", "403", "422", "429", "500")


def _declared(responses: dict[str, Any], status: str) -> bool:
    """An exact status or its range (``4XX``) counts; ``default`` does not."""
    keys = {str(key).upper() for key in responses}
    return status in keys or f"{status[0]}XX" in keys


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations missing any of 400/401/403/422/429/500 (and 404 when the path has a parameter)."""
    for op in context.operations:
        responses = op.node.get("responses")
        if not isinstance(responses, dict):
            continue
        needed = REQUIRED + (("404",) if op.has_path_parameter else ())
        missing = sorted(status for status in needed if not _declared(responses, status))
        if missing:
            refs = ", ".join(f"`'{status}'`" for status in missing)
            yield (
                join(op.pointer, "responses"),
                (
                    f"{op.label} does not document {refs}: add them, each "
                    "referencing the shared problem response "
                    "(`$ref: '#/components/responses/...'`)"
                ),
            )


RULE = Rule(
    "problem-responses",
    Severity.ERROR,
    "Every operation documents 400, 401, 403, 422, 429, 500 (and 404 when the path has a parameter).",
    check,
)
