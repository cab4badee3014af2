"""``no-unused-components``: every reusable component is used (schemas, parameters, responses...)."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import split


def check(context: LintContext) -> Iterator[Hit]:
    """Flag components of the checked kinds that nothing outside ``components`` reaches."""
    for pointer in context.unused_components:
        _, kind, name = split(pointer)
        yield pointer, (f"{kind} component `{name}` is not used: reference it (`$ref: '#{pointer}'`) "
                        "or delete it")


RULE = Rule("no-unused-components", Severity.WARNING,
            "Schemas, parameters, responses, headers, examples and requestBodies in `components` are used.",
            check)
