"""Read ``x-sunset`` dates and ``x-stability-level`` values the way oasdiff does."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

__all__ = ["INVALID", "STABILITY_ORDER", "parse_sunset", "stability_of"]

INVALID = date.min
STABILITY_ORDER = {"draft": 0, "alpha": 1, "beta": 2, "stable": 3}


def parse_sunset(value: Any) -> date | None:
    """The sunset date; ``None`` when absent, :data:`INVALID` when it cannot be parsed.

    Accepts ``YYYY-MM-DD`` and RFC 3339 date-times (YAML may already have made it a ``date``).
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return (
                date.fromisoformat(text[:10])
                if len(text) == 10
                else datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            )
        except ValueError:
            return INVALID
    return INVALID


def stability_of(node: Any) -> str:
    """The ``x-stability-level`` of an operation or schema (``"stable"`` when unset)."""
    if isinstance(node, dict):
        value = node.get("x-stability-level")
        if isinstance(value, str):
            return value
    return "stable"
