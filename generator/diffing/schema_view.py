"""Read a schema the way the checks need it: refs followed, nullability unified, types as a set.

``nullable: true`` (3.0), ``type: [T, "null"]`` (3.1) and ``oneOf``/``anyOf`` with a ``{type: "null"}``
member are the same thing here; a two-member null wrapper is unwrapped to its other member so that
adding null is reported only as "became nullable" (oasdiff's transition claims).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from generator.loading.pointers import MISSING, resolve

__all__ = ["SchemaView", "canonical", "deref", "is_null_schema", "ref_name", "view"]

_COMPONENT_PREFIX = "#/components/schemas/"


def ref_name(ref: str) -> str:
    """A readable name for a ref (``#/components/schemas/Customer`` -> ``Customer``)."""
    return ref.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")


def deref(data: dict[str, Any], node: Any, pointer: str) -> tuple[Any, str, str]:
    """Follow ``$ref`` chains; returns the node, its pointer and the last component name crossed."""
    name = ""
    seen: set[str] = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            break
        seen.add(ref)
        target = resolve(data, ref[1:])
        if target is MISSING:
            break
        if ref.startswith(_COMPONENT_PREFIX):
            name = ref_name(ref)
        node, pointer = target, ref[1:]
    return node, pointer, name


def is_null_schema(node: Any) -> bool:
    """Whether a schema only admits null."""
    return isinstance(node, dict) and (node.get("type") == "null" or node.get("type") == ["null"])


def canonical(value: Any) -> str:
    """A canonical text form of a JSON value (for comparing enum values and subschemas)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


@dataclass(frozen=True, slots=True)
class SchemaView:
    """A schema after ref-following and null unwrapping.

    Attributes:
        node: the effective schema mapping (``{}`` when the schema is a boolean or missing).
        pointer: its JSON pointer in the bundled document.
        component: the last shared component crossed to reach it (``""`` if inline).
        types: the non-null types (empty: any type).
        nullable: whether null is admitted.
    """

    node: dict[str, Any]
    pointer: str
    component: str
    types: frozenset[str]
    nullable: bool

    @property
    def format(self) -> str | None:
        """The ``format`` keyword, if any."""
        value = self.node.get("format")
        return value if isinstance(value, str) else None


def _types(node: dict[str, Any]) -> tuple[frozenset[str], bool]:
    raw = node.get("type")
    if isinstance(raw, str):
        names = {raw}
    elif isinstance(raw, list):
        names = {item for item in raw if isinstance(item, str)}
    else:
        names = set()
    nullable = node.get("nullable") is True or "null" in names
    names.discard("null")
    return frozenset(names), nullable


def view(data: dict[str, Any], node: Any, pointer: str) -> SchemaView:
    """The :class:`SchemaView` of the schema at ``pointer`` (``node`` is its raw value)."""
    node, pointer, component = deref(data, node, pointer)
    if not isinstance(node, dict):
        return SchemaView({}, pointer, component, frozenset(), False)
    types, nullable = _types(node)
    for keyword in ("oneOf", "anyOf"):
        members = node.get(keyword)
        if not isinstance(members, list) or len(members) != 2:
            continue
        resolved = [deref(data, member, f"{pointer}/{keyword}/{index}") for index, member in enumerate(members)]
        nulls = [index for index, (member, _, _) in enumerate(resolved) if is_null_schema(member)]
        if len(nulls) != 1:
            continue
        inner, inner_pointer, inner_name = resolved[1 - nulls[0]]
        if not isinstance(inner, dict):
            continue
        inner_types, _ = _types(inner)
        return SchemaView(inner, inner_pointer, inner_name or component, inner_types, True)
    return SchemaView(node, pointer, component, types, nullable)
