"""Follow internal ``$ref``s of a bundled document, safely (broken refs and cycles give MISSING)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from generator.loading.pointers import MISSING, resolve, split

__all__ = ["Resolver", "ref_pointer"]

_MAX_HOPS = 64


def ref_pointer(ref: object) -> str | None:
    """The JSON pointer an internal ``$ref`` names (``"#/a/b"`` -> ``"/a/b"``), else ``None``."""
    if not isinstance(ref, str) or not ref.startswith("#"):
        return None
    pointer = unquote(ref[1:])
    if pointer and not pointer.startswith("/"):
        return None
    return pointer


class Resolver:
    """Resolves ``$ref`` chains over one bundled document, memoizing pointer lookups."""

    def __init__(self, data: Any) -> None:
        self.data = data
        self._nodes: dict[str, Any] = {}

    def node_at(self, pointer: str) -> Any:
        """The node at ``pointer`` or :data:`MISSING`."""
        if pointer not in self._nodes:
            try:
                self._nodes[pointer] = resolve(self.data, split(pointer))
            except ValueError:
                self._nodes[pointer] = MISSING
        return self._nodes[pointer]

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``node``'s ``$ref`` chain to a node without ``$ref``.

        Returns:
            ``(target, target_pointer)``; ``(node, pointer)`` unchanged when it is no ref;
            ``(MISSING, pointer)`` when a ref is external, broken or cyclic.
        """
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            target = ref_pointer(node["$ref"])
            if target is None or target in seen or len(seen) >= _MAX_HOPS:
                return MISSING, pointer
            seen.add(target)
            node, pointer = self.node_at(target), target
            if node is MISSING:
                return MISSING, pointer
        return node, pointer
