"""``no-unused-components``: every reusable component is used (schemas, parameters, responses...).

Used means reachable through ``$ref`` (or a discriminator ``mapping``) from outside
``components``: a schema referenced only by another unused schema is unused too.
Security schemes, callbacks, links and path items are not checked (and count as users).
"""

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
        yield pointer, (f"{kind} component `{name}` is not used: reference it (`$ref: '#{pointer}'`) or delete it")


RULE = Rule(
    "no-unused-components",
    Severity.WARNING,
    "Schemas, parameters, responses, headers, examples and requestBodies in `components` are used.",
    check,
)
