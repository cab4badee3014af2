"""JSON Schema 2020-12 keywords (OpenAPI 3.1): presence of subschema keywords and keyed entries.

Covered: if/then/else, contains, prefixItems, patternProperties, propertyNames, unevaluated*,
contentSchema, dependentRequired and dependentSchemas.

Presence is compared (added/removed); edits inside a present subschema are not walked (documented in
docs/diff-checks.md).
"""

from __future__ import annotations

from typing import Any

from generator.diffing.schema_view import canonical
from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES"]

_PRESENCE = (
    ("if", "if"),
    ("then", "then"),
    ("else", "else"),
    ("contains", "contains"),
    ("prefixItems", "prefix-items"),
    ("propertyNames", "property-names"),
    ("unevaluatedItems", "unevaluated-items"),
    ("unevaluatedProperties", "unevaluated-properties"),
    ("contentSchema", "content-schema"),
)


def check_presence(pair: SchemaPair) -> None:
    """Report 2020-12 subschema keywords that appeared or disappeared."""
    base, revision = pair.base.node, pair.revision.node
    for keyword, name in _PRESENCE:
        if keyword in base and keyword not in revision:
            pair.emit(f"{name}-removed", f"'{keyword}' removed", revision=False)
        elif keyword in revision and keyword not in base:
            pair.emit(f"{name}-added", f"'{keyword}' added", base=False)


def _mapping(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def check_keyed(pair: SchemaPair) -> None:
    """Report entries of dependentRequired, dependentSchemas and patternProperties added, removed or changed."""
    for keyword, name, track_changes in (
        ("dependentRequired", "dependent-required", True),
        ("dependentSchemas", "dependent-schema", False),
        ("patternProperties", "pattern-property", False),
    ):
        old, new = (_mapping(raw) for raw in pair.both(keyword))
        for key in sorted(old.keys() | new.keys()):
            if key not in new:
                pair.emit(f"{name}-removed", f"{keyword} entry '{key}' removed", revision=False)
            elif key not in old:
                pair.emit(f"{name}-added", f"{keyword} entry '{key}' added", base=False)
            elif track_changes and canonical(old[key]) != canonical(new[key]):
                pair.emit(f"{name}-changed", f"{keyword} entry '{key}' changed")


RULES = (check_presence, check_keyed)
