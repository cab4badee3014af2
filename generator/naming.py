"""Every identifier the generator writes is made here: case conversion, escaping, collisions."""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable

__all__ = [
    "UniqueNames",
    "class_name",
    "constant_name",
    "module_name",
    "python_identifier",
    "snake_case",
    "words",
]

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z0-9])|[A-Z]?[a-z0-9]+|[A-Z]+|[0-9]+")
_BUILTINS = frozenset(dir(builtins))
_SOFT_RESERVED = frozenset({"self", "cls", "match", "case", "type", "_"})


def words(text: str) -> list[str]:
    """Split any spelling (camelCase, snake_case, kebab-case, dotted, spaced) into lowercase words."""
    found = _WORD.findall(text.replace("'", ""))
    return [word.lower() for word in found]


def snake_case(text: str) -> str:
    """``listCustomers`` -> ``list_customers``; ``X-Request-Id`` -> ``x_request_id``."""
    return "_".join(words(text))


def _escape(name: str, *, avoid_builtins: bool) -> str:
    if not name:
        name = "value"
    if name[0].isdigit():
        name = f"n{name}"
    if keyword.iskeyword(name) or name in _SOFT_RESERVED or (avoid_builtins and name in _BUILTINS):
        name = f"{name}_"
    return name


def python_identifier(text: str, *, avoid_builtins: bool = False) -> str:
    """A valid snake_case identifier for ``text`` that is not a keyword (nor a builtin, when asked)."""
    return _escape(snake_case(text), avoid_builtins=avoid_builtins)


def class_name(text: str) -> str:
    """A PascalCase class name: ``customer_list`` -> ``CustomerList``, ``api.v2010.account`` -> ``ApiV2010Account``."""
    parts = _WORD.findall(text.replace("'", ""))
    name = "".join(part[:1].upper() + part[1:] for part in parts)
    if not name:
        name = "Model"
    if name[0].isdigit():
        name = f"M{name}"
    if keyword.iskeyword(name) or name in _BUILTINS:
        name = f"{name}Model"
    return name


def module_name(text: str) -> str:
    """A module name (snake_case, no keyword, no builtin shadowing)."""
    return python_identifier(text, avoid_builtins=True)


def constant_name(text: str) -> str:
    """An UPPER_SNAKE constant name."""
    return _escape(snake_case(text), avoid_builtins=False).upper()


class UniqueNames:
    """Hands out names unique within one scope, deterministically: ``name``, ``name_2``, ``name_3`` ...

    Names in ``reserved`` are never handed out; a clash is resolved by suffixing and remembered in
    ``renamed`` so callers can report it.
    """

    def __init__(self, reserved: Iterable[str] = (), *, separator: str = "_") -> None:
        self._taken: set[str] = set(reserved)
        self._separator = separator
        self.renamed: list[tuple[str, str]] = []

    def take(self, wanted: str) -> str:
        """Return ``wanted`` or the first free suffixed variant, and mark it taken."""
        name = wanted
        counter = 2
        while name in self._taken:
            name = f"{wanted}{self._separator}{counter}"
            counter += 1
        if name != wanted:
            self.renamed.append((wanted, name))
        self._taken.add(name)
        return name

    def __contains__(self, name: object) -> bool:
        return name in self._taken
