"""``enum-snake-case``: string enum values are snake_case (``in_progress``, not ``InProgress``).

Namespaced values are snake_case segments joined by ``.`` or ``:`` (event types such as
``customer.updated``, scopes such as ``read:customers``); a ``*`` segment is a wildcard
(``invoice.*``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.cases import is_snake, to_snake
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

_SEPARATORS = re.compile(r"[.:]")


def is_enum_value(value: str) -> bool:
    """snake_case, or snake_case segments joined by ``.``/``:`` (``*`` allowed as a segment)."""
    segments = _SEPARATORS.split(value)
    return all(is_snake(segment) or (segment == "*" and len(segments) > 1) for segment in segments)


def check(context: LintContext) -> Iterator[Hit]:
    """Flag each string value of an ``enum`` that is not snake_case."""
    for node in context.schema_nodes():
        values = node.schema.get("enum")
        if not isinstance(values, list):
            continue
        for index, value in enumerate(values):
            if isinstance(value, str) and not is_enum_value(value):
                yield (
                    join(node.pointer, "enum", index),
                    (f"enum value `{value}` is not snake_case: use `{to_snake(value)}`"),
                )


RULE = Rule("enum-snake-case", Severity.ERROR, "String enum values are snake_case.", check)
