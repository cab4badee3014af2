"""Schema values: enum membership, x-extensible-enum, const, default and pattern."""

from __future__ import annotations

from typing import Any

from generator.diffing.schema_view import canonical
from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES"]

_ANY_PATTERN = ".*"


def _values(raw: Any) -> dict[str, Any]:
    return {canonical(value): value for value in raw} if isinstance(raw, list) else {}


def _show(value: Any) -> str:
    return canonical(value) if not isinstance(value, str) else f"'{value}'"


def check_enum(pair: SchemaPair) -> None:
    """Report enum values added or removed, and a schema that became an enum."""
    old_raw, new_raw = pair.both("enum")
    if old_raw == new_raw:
        return
    if not isinstance(old_raw, list):
        if isinstance(new_raw, list):
            pair.emit("became-enum", f"became an enum of {len(new_raw)} values")
        return
    if not isinstance(new_raw, list):
        return
    old, new = _values(old_raw), _values(new_raw)
    for key, value in old.items():
        if key not in new:
            pair.emit("enum-value-removed", f"enum value {_show(value)} removed")
    for key, value in new.items():
        if key not in old:
            pair.emit("enum-value-added", f"enum value {_show(value)} added")


def check_extensible_enum(pair: SchemaPair) -> None:
    """Report values removed from ``x-extensible-enum`` (clients may send only listed values)."""
    old, new = (_values(raw) for raw in pair.both("x-extensible-enum"))
    for key, value in old.items():
        if key not in new:
            pair.emit("x-extensible-enum-value-removed", f"x-extensible-enum value {_show(value)} removed")


def check_const(pair: SchemaPair) -> None:
    """Report ``const`` added, removed or changed."""
    base, revision = pair.base.node, pair.revision.node
    if "const" not in base and "const" not in revision:
        return
    if "const" not in base:
        pair.emit("const-added", f"const {_show(revision['const'])} added")
    elif "const" not in revision:
        pair.emit("const-removed", f"const {_show(base['const'])} removed")
    elif canonical(base["const"]) != canonical(revision["const"]):
        pair.emit("const-changed", f"const changed from {_show(base['const'])} to {_show(revision['const'])}")


def check_default(pair: SchemaPair) -> None:
    """Report ``default`` added, removed or changed."""
    base, revision = pair.base.node, pair.revision.node
    if "default" not in base and "default" not in revision:
        return
    if "default" not in base:
        pair.emit("default-value-added", f"default value {_show(revision['default'])} added")
    elif "default" not in revision:
        pair.emit("default-value-removed", f"default value {_show(base['default'])} removed")
    elif canonical(base["default"]) != canonical(revision["default"]):
        pair.emit(
            "default-value-changed",
            f"default value changed from {_show(base['default'])} to {_show(revision['default'])}",
        )


def check_pattern(pair: SchemaPair) -> None:
    """Report ``pattern`` added, removed, changed, or generalized to ``.*``."""
    old, new = pair.both("pattern")
    if old == new:
        return
    if old is None:
        pair.emit("pattern-added", f"pattern '{new}' added")
    elif new is None:
        pair.emit("pattern-removed", f"pattern '{old}' removed")
    elif new == _ANY_PATTERN:
        pair.emit(("pattern-generalized", "pattern-changed"), f"pattern changed from '{old}' to '{new}'")
    else:
        pair.emit("pattern-changed", f"pattern changed from '{old}' to '{new}'")


RULES = (check_enum, check_extensible_enum, check_const, check_default, check_pattern)
