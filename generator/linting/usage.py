"""Which components are used: the ``$ref`` graph from everything outside ``components``."""

from __future__ import annotations

from typing import Any

from generator.linting.resolver import ref_pointer
from generator.loading.pointers import escape, split

__all__ = ["FLAGGED_KINDS", "unused_components"]

FLAGGED_KINDS = ("schemas", "parameters", "responses", "headers", "examples", "requestBodies")


def _owner(pointer: str) -> str:
    """The component a pointer falls in (``/components/schemas/A``), else the root ``""``."""
    try:
        tokens = split(pointer)
    except ValueError:
        return ""
    if len(tokens) >= 3 and tokens[0] == "components":
        return "/components/" + "/".join(escape(token) for token in tokens[1:3])
    return ""


def _refs_in(node: Any) -> set[str]:
    """The owners of every ``$ref`` (and discriminator mapping) found under ``node``."""
    found: set[str] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            target = ref_pointer(current.get("$ref"))
            if target is not None:
                found.add(_owner(target))
            _mapping_refs(current, found)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def _mapping_refs(node: dict[str, Any], found: set[str]) -> None:
    discriminator = node.get("discriminator")
    mapping = discriminator.get("mapping") if isinstance(discriminator, dict) else None
    if not isinstance(mapping, dict):
        return
    for value in mapping.values():
        target = ref_pointer(value)
        if target is not None:
            found.add(_owner(target))
        elif isinstance(value, str) and "/" not in value:
            found.add("/components/schemas/" + escape(value))


def unused_components(data: Any) -> list[str]:
    """Pointers of components of :data:`FLAGGED_KINDS` that nothing outside them reaches."""
    if not isinstance(data, dict):
        return []
    components = data.get("components")
    if not isinstance(components, dict):
        return []
    edges: dict[str, set[str]] = {}
    roots = _refs_in({key: value for key, value in data.items() if key != "components"})
    for kind, entries in components.items():
        if not isinstance(entries, dict):
            continue
        for name, node in entries.items():
            owner = f"/components/{escape(str(kind))}/{escape(str(name))}"
            edges[owner] = _refs_in(node)
            if kind not in FLAGGED_KINDS:
                roots.add(owner)
    reached: set[str] = set()
    stack = list(roots)
    while stack:
        owner = stack.pop()
        if owner in reached:
            continue
        reached.add(owner)
        stack.extend(edges.get(owner, ()))
    flagged = {f"/components/{escape(kind)}/" for kind in FLAGGED_KINDS}
    return [owner for owner in edges if owner not in reached and owner.rsplit("/", 1)[0] + "/" in flagged]
