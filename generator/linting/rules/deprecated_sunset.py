"""``deprecated-sunset``: a deprecated operation says when it goes away (``x-sunset: YYYY-MM-DD``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_date(value: object) -> bool:
    """Whether ``value`` is a real calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check(context: LintContext) -> Iterator[Hit]:
    """Flag deprecated operations without a valid ``x-sunset``, and ``x-sunset`` without ``deprecated``."""
    for op in context.operations:
        deprecated = op.node.get("deprecated") is True
        if "x-sunset" in op.node:
            sunset = op.node["x-sunset"]
            if not is_date(sunset):
                yield (
                    join(op.pointer, "x-sunset"),
                    (f"`x-sunset` of {op.label} is not a date: write it `YYYY-MM-DD`, e.g. `x-sunset: '2026-12-31'`"),
                )
            elif not deprecated:
                yield (
                    join(op.pointer, "x-sunset"),
                    (f"{op.label} has `x-sunset` but is not deprecated: add `deprecated: true` (or remove `x-sunset`)"),
                )
        elif deprecated:
            yield (
                join(op.pointer, "deprecated"),
                (
                    f"{op.label} is deprecated without a sunset date: add "
                    "`x-sunset: 'YYYY-MM-DD'` (at least 6 months ahead)"
                ),
            )


RULE = Rule(
    "deprecated-sunset",
    Severity.ERROR,
    "Deprecated operations carry `x-sunset: YYYY-MM-DD` (and only deprecated ones do).",
    check,
)
