"""``parameter-snake-case``: query and path parameter names are snake_case."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.cases import is_snake, to_snake
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def check(context: LintContext) -> Iterator[Hit]:
    """Flag each badly named query/path parameter once, where it is defined."""
    seen: set[str] = set()
    for op in context.operations:
        for param in op.parameters:
            if param.location not in {"query", "path"} or param.definition in seen:
                continue
            seen.add(param.definition)
            if not is_snake(param.name):
                yield (
                    join(param.definition, "name"),
                    (
                        f"{param.location} parameter `{param.name}` is not "
                        f"snake_case: rename it `{to_snake(param.name)}`"
                    ),
                )


RULE = Rule("parameter-snake-case", Severity.ERROR, "Query and path parameter names are snake_case.", check)
