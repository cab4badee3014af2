"""Numeric constraints: min/max, exclusive bounds, length, items and contains counts.

A limit that appears is ``*-set`` (narrowing, so a request warning); a limit that disappears is
``*-unset`` or, when oasdiff has no such id, reported as the widest possible move (a removed maximum
is "increased", a removed minimum "decreased"). The catalogue then keeps only the direction that matters.
"""

from __future__ import annotations

from typing import Any

from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES"]

_LIMITS = (
    ("maximum", "max", True),
    ("exclusiveMaximum", "exclusive-max", True),
    ("minimum", "min", False),
    ("exclusiveMinimum", "exclusive-min", False),
    ("maxLength", "max-length", True),
    ("minLength", "min-length", False),
    ("maxItems", "max-items", True),
    ("minItems", "min-items", False),
    ("maxContains", "max-contains", True),
    ("minContains", "min-contains", False),
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _show(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def check_limits(pair: SchemaPair) -> None:
    """Report every limit keyword that was set, unset, increased or decreased."""
    base, revision = pair.base.node, pair.revision.node
    for keyword, name, is_upper in _LIMITS:
        old, new = _number(base.get(keyword)), _number(revision.get(keyword))
        if old == new:
            continue
        if old is None and new is not None:
            widest = "decreased" if is_upper else "increased"
            pair.emit((f"{name}-set", f"{name}-{widest}"), f"{keyword} {_show(new)} set")
        elif new is None and old is not None:
            widest = "increased" if is_upper else "decreased"
            pair.emit((f"{name}-unset", f"{name}-{widest}"), f"{keyword} {_show(old)} removed")
        elif old is not None and new is not None:
            verb = "increased" if new > old else "decreased"
            pair.emit(f"{name}-{verb}", f"{keyword} {verb} from {_show(old)} to {_show(new)}")


RULES = (check_limits,)
