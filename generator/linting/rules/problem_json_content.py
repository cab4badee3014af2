"""``problem-json-content``: error responses (4xx, 5xx, default) are ``application/problem+json``."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

PROBLEM = "application/problem+json"


def _is_error(status: str) -> bool:
    return status == "default" or status[:1] in {"4", "5"}


def check(context: LintContext) -> Iterator[Hit]:
    """Flag error responses without content or whose content is not only problem+json (HEAD aside)."""
    seen: set[str] = set()
    for op in context.operations:
        responses = op.node.get("responses")
        if op.method == "head" or not isinstance(responses, dict):
            continue
        for status, raw in responses.items():
            if not _is_error(str(status)):
                continue
            response, where = context.deref(raw, join(op.pointer, "responses", status))
            if not isinstance(response, dict) or where in seen:
                continue
            seen.add(where)
            content = response.get("content")
            if not isinstance(content, dict) or PROBLEM not in content:
                yield (
                    where,
                    (
                        f"the {status} response of {op.label} is not `{PROBLEM}`: give it "
                        f"`content: {{{PROBLEM}: {{schema: {{$ref: '#/components/schemas/Problem'}}}}}}`"
                    ),
                )
            else:
                for media in content:
                    if media != PROBLEM:
                        yield (
                            join(where, "content", media),
                            (f"the {status} response of {op.label} also offers `{media}`: errors are `{PROBLEM}` only"),
                        )


RULE = Rule(
    "problem-json-content",
    Severity.ERROR,
    "Error responses (4xx, 5xx, default) use `application/problem+json` only.",
    check,
)
