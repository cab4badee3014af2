"""Name-case predicates shared by the rules (camelCase, snake_case, kebab-case)."""

from __future__ import annotations

import re

__all__ = ["is_camel", "is_kebab", "is_snake", "to_snake"]

_CAMEL = re.compile(r"^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*$")
_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_KEBAB = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def is_camel(name: str) -> bool:
    """``listCustomers`` (lower first letter, no separators; ``getHTTPStatus`` is not camel)."""
    return bool(_CAMEL.match(name)) and not re.search(r"[A-Z]{2}", name)


def is_snake(name: str) -> bool:
    """``created_at``, ``line_items2``."""
    return bool(_SNAKE.match(name))


def is_kebab(name: str) -> bool:
    """``webhook-endpoints``."""
    return bool(_KEBAB.match(name))


def to_snake(name: str) -> str:
    """Best-effort suggestion for a message: ``createdAt`` -> ``created_at``."""
    parts = [part for part in _BOUNDARY.split(name) if part]
    return "_".join(part.lower() for part in parts) or name
