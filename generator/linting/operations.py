"""The operations of a document, with their merged parameters, computed once per lint run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator.linting.resolver import Resolver
from generator.loading.pointers import join

__all__ = ["METHODS", "Operation", "Parameter", "collect_operations"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True, slots=True)
class Parameter:
    """A resolved parameter of an operation.

    Attributes:
        name: The ``name`` field.
        location: The ``in`` field (``path``, ``query``, ``header``, ``cookie``).
        node: The resolved Parameter Object.
        pointer: Where the operation (or path item) lists it.
        definition: Where the resolved Parameter Object is written (a component or inline).
    """

    name: str
    location: str
    node: dict[str, Any]
    pointer: str
    definition: str

    def is_header(self, name: str) -> bool:
        """Whether this is the header ``name`` (header names are case-insensitive)."""
        return self.location == "header" and self.name.lower() == name.lower()


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation (method + path) of the document, refs resolved.

    Attributes:
        method: Lower-case HTTP method.
        path: The path template (``/api/public/v1/customers/{customer_id}``).
        pointer: Pointer of the Operation Object.
        node: The Operation Object.
        path_pointer: Pointer of the (resolved) Path Item.
        path_item: The Path Item Object.
        parameters: Path-item and operation parameters merged (the operation's win).
    """

    method: str
    path: str
    pointer: str
    node: dict[str, Any]
    path_pointer: str
    path_item: dict[str, Any]
    parameters: tuple[Parameter, ...] = field(default=())

    @property
    def label(self) -> str:
        """``GET /customers`` for messages."""
        return f"{self.method.upper()} {self.path}"

    @property
    def ends_with_parameter(self) -> bool:
        """Whether the last path segment is a template (``/customers/{id}``)."""
        last = self.path.rstrip("/").rsplit("/", 1)[-1]
        return last.startswith("{") and last.endswith("}")

    @property
    def has_path_parameter(self) -> bool:
        """Whether the path contains any ``{template}``."""
        return "{" in self.path

    def header(self, name: str) -> Parameter | None:
        """The header parameter ``name`` (case-insensitive), if declared."""
        return next((param for param in self.parameters if param.is_header(name)), None)

    def query(self, name: str) -> Parameter | None:
        """The query parameter ``name``, if declared."""
        return next((p for p in self.parameters if p.location == "query" and p.name == name), None)


def _parameters(resolver: Resolver, container: dict[str, Any], pointer: str) -> list[Parameter]:
    found: list[Parameter] = []
    params = container.get("parameters")
    if not isinstance(params, list):
        return found
    for index, raw in enumerate(params):
        where = join(pointer, "parameters", index)
        node, definition = resolver.deref(raw, where)
        if not isinstance(node, dict):
            continue
        name, location = node.get("name"), node.get("in")
        if isinstance(name, str) and isinstance(location, str):
            found.append(Parameter(name, location, node, where, definition))
    return found


def _key(param: Parameter) -> tuple[str, str]:
    name = param.name.lower() if param.location == "header" else param.name
    return (param.location, name)


def collect_operations(resolver: Resolver, section: str = "paths") -> list[Operation]:
    """Every operation under ``paths`` (or ``webhooks``), in document order; odd shapes are skipped."""
    data = resolver.data
    paths = data.get(section) if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return []
    operations: list[Operation] = []
    for path, raw_item in paths.items():
        item, item_pointer = resolver.deref(raw_item, join("/" + section, path))
        if not isinstance(item, dict):
            continue
        shared = _parameters(resolver, item, item_pointer)
        for method in METHODS:
            node = item.get(method)
            if not isinstance(node, dict):
                continue
            pointer = join(item_pointer, method)
            merged = {_key(param): param for param in shared}
            merged.update({_key(param): param for param in _parameters(resolver, node, pointer)})
            operations.append(Operation(method, str(path), pointer, node, item_pointer, item, tuple(merged.values())))
    return operations
