"""JSON Pointer (RFC 6901) helpers shared by the loader, the linter and the differ."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MISSING", "escape", "join", "parent", "resolve", "split", "unescape"]


class _Missing:
    """Sentinel for "no node at this pointer" (``None`` is a valid JSON value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def escape(token: str) -> str:
    """Escape one reference token (``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo :func:`escape`."""
    return token.replace("~1", "/").replace("~0", "~")


def join(pointer: str, *tokens: str | int) -> str:
    """Append tokens to a pointer: ``join("/paths", "/a/b")`` is ``"/paths/~1a~1b"``."""
    return pointer + "".join("/" + escape(str(token)) for token in tokens)


def split(pointer: str) -> list[str]:
    """Split a pointer into unescaped tokens; ``""`` (the whole document) gives ``[]``."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"JSON pointer must start with '/': {pointer!r}")
    return [unescape(token) for token in pointer[1:].split("/")]


def parent(pointer: str) -> str:
    """The pointer one level up (the document root stays the root)."""
    return pointer.rsplit("/", 1)[0] if pointer else ""


def resolve(document: Any, pointer: str | Iterable[str]) -> Any:
    """Return the node at ``pointer`` or :data:`MISSING`."""
    tokens = split(pointer) if isinstance(pointer, str) else pointer
    node = document
    for token in tokens:
        if isinstance(node, dict):
            if token not in node:
                return MISSING
            node = node[token]
        elif isinstance(node, list):
            if not token.isdigit() or int(token) >= len(node):
                return MISSING
            node = node[int(token)]
        else:
            return MISSING
    return node


def canonical(document: Any, pointer: str) -> str:
    """Rewrite a pointer that passes through internal ``$ref`` nodes into the pointer of the target.

    Validators report logical paths (``/paths/~1a/get/.../schema/properties/x``) that may run
    through a ``$ref``; the canonical pointer (``/components/schemas/A/properties/x``) is where
    the node is actually written. Unresolvable or external refs stop the rewrite.
    """
    current = ""
    node = document
    seen: set[str] = set()
    for token in split(pointer):
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and token != "$ref":
            ref: str = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                break
            seen.add(ref)
            target = resolve(document, ref[1:])
            if target is MISSING:
                break
            current, node = ref[1:], target
        current = join(current, token)
        node = resolve(node, [token]) if node is not MISSING else MISSING
    return current
