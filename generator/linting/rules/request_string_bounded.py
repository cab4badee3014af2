"""``request-string-bounded``: every string a client sends has a bounded length.

A request-side string is bounded by ``maxLength``, ``enum``, ``const``, a ``format`` whose
values have a fixed shape (``date``, ``date-time``, ``time``, ``uuid``; ``binary`` for uploads,
capped by the body-size limit), ``contentMediaType`` (a file), or an anchored ``pattern`` with no
unbounded repetition (``^cus_[0-9A-Z]{26}$``). ``email`` and ``uri`` still need ``maxLength``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.linting.schemas import REQUEST, types_of

BOUNDED_FORMATS = frozenset({"date", "date-time", "time", "uuid", "binary"})
_ESCAPED = re.compile(r"\\.")
_UNBOUNDED = re.compile(r"[*+]|\{\d*,\}")


def bounded_pattern(pattern: str) -> bool:
    """Whether an anchored regex limits the length (no ``*``, ``+`` or ``{n,}``)."""
    body = _ESCAPED.sub("x", pattern)
    return body.startswith("^") and body.endswith("$") and not _UNBOUNDED.search(body)


def is_bounded(schema: dict[str, Any]) -> bool:
    """Whether a string schema limits its length by one of the accepted means."""
    if isinstance(schema.get("maxLength"), int) or "enum" in schema or "const" in schema:
        return True
    if schema.get("format") in BOUNDED_FORMATS or "contentMediaType" in schema:
        return True
    pattern = schema.get("pattern")
    return isinstance(pattern, str) and bounded_pattern(pattern)


def check(context: LintContext) -> Iterator[Hit]:
    """Flag request-side string schemas (bodies and parameters) that do not bound their length."""
    for node in context.schemas.on_side(REQUEST):
        if "string" in types_of(node.schema) and not is_bounded(node.schema):
            yield (
                node.pointer,
                (
                    "this string is sent by clients but has no length limit: add `maxLength` "
                    "(or an `enum`, or an anchored `pattern` such as `^cus_[0-9A-Z]{26}$`)"
                ),
            )


RULE = Rule(
    "request-string-bounded",
    Severity.ERROR,
    "Request strings are bounded: `maxLength`, `enum`/`const`, a fixed-shape `format`, or an anchored `pattern`.",
    check,
)
