"""``property-snake-case``: schema property names are snake_case."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.cases import is_snake, to_snake
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule


def check(context: LintContext) -> Iterator[Hit]:
    """Flag each property declaration whose name is not snake_case."""
    for prop in context.properties:
        if not is_snake(prop.name):
            yield prop.pointer, f"property `{prop.name}` is not snake_case: rename it `{to_snake(prop.name)}`"


RULE = Rule("property-snake-case", Severity.ERROR, "Schema property names are snake_case (`created_at`).", check)
