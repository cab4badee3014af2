"""``money-integer``: money-named properties are integer minor units, never ``type: number``."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.linting.schemas import types_of

EXACT = frozenset({"amount", "price", "cost", "total", "subtotal", "tax", "balance", "fee"})
SUFFIXES = ("_amount", "_price", "_total", "_subtotal", "_cost", "_fee", "_tax", "_balance")
PREFIXES = ("amount_", "balance_")


def is_money(name: str) -> bool:
    """``amount``, ``unit_price``, ``amount_due``, ``balance_due``... (``tax_rate`` is not money)."""
    return name in EXACT or name.endswith(SUFFIXES) or name.startswith(PREFIXES)


def check(context: LintContext) -> Iterator[Hit]:
    """Flag money-named properties whose schema (or a variant of it) is ``type: number``."""
    for prop in context.properties:
        if not is_money(prop.name):
            continue
        if any("number" in types_of(variant) for variant, _ in context.variants(prop.schema, prop.pointer)):
            yield (
                prop.pointer,
                (
                    f"`{prop.name}` is money but `type: number`: use `type: integer` in minor units "
                    "(12550 = $125.50) next to a `currency` code; floats lose cents"
                ),
            )


RULE = Rule(
    "money-integer",
    Severity.ERROR,
    "Money-named properties (`amount`, `*_price`, `amount_*`...) are integers, never `type: number`.",
    check,
)
