"""In-spec suppressions: ``x-asteri-lint-ignore: [rule-id, ...]`` on a node silences those rules there.

The extension applies to the node that carries it and everything below it (an operation, a
path item, a schema, a component). It is for the rare deliberate exception, such as the
unauthenticated ``GET /openapi.json``; project-wide changes belong in ``[tool.asteri.lint]``.
"""

from __future__ import annotations

from typing import Any

from generator.loading.pointers import escape, split

__all__ = ["EXTENSION", "Suppressions"]

EXTENSION = "x-asteri-lint-ignore"


class Suppressions:
    """Answers "is rule R silenced at pointer P?" for one document, caching each prefix."""

    def __init__(self, data: Any) -> None:
        self._data = data
        self._ignored: dict[str, frozenset[str]] = {}

    def _at(self, pointer: str, node: Any) -> frozenset[str]:
        if pointer not in self._ignored:
            raw = node.get(EXTENSION) if isinstance(node, dict) else None
            self._ignored[pointer] = frozenset(str(item) for item in raw) if isinstance(raw, list) else frozenset()
        return self._ignored[pointer]

    def silenced(self, rule_id: str, pointer: str) -> bool:
        """Whether the node at ``pointer`` or one of its ancestors ignores ``rule_id``."""
        try:
            tokens = split(pointer)
        except ValueError:
            return False
        node, prefix = self._data, ""
        if rule_id in self._at(prefix, node):
            return True
        for token in tokens:
            if isinstance(node, dict):
                node = node.get(token)
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                return False
            prefix += "/" + escape(token)
            if rule_id in self._at(prefix, node):
                return True
        return False
