"""The shared, precomputed view of one document that every rule reads (built once per run)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from generator.linting.operations import Operation, collect_operations
from generator.linting.resolver import Resolver
from generator.linting.schemas import SchemaIndex, SchemaNode
from generator.linting.usage import unused_components
from generator.loading import LoadedDocument
from generator.loading.pointers import join

__all__ = ["LintContext", "Property"]

BASE_PATH = "/api/public/v1"


@dataclass(frozen=True, slots=True)
class Property:
    """One property declaration: its name, where it is written, its resolved schema, its owner."""

    name: str
    pointer: str
    schema: Any
    owner: SchemaNode


class LintContext:
    """What many rules need, computed lazily and at most once.

    Attributes:
        document: The loaded document (for ``locate``).
        data: The bundled document dict.
        resolver: ``$ref`` resolution over ``data`` with cycle safety.
    """

    base_path = BASE_PATH

    def __init__(self, document: LoadedDocument) -> None:
        self.document = document
        raw: Any = document.data
        self.data: dict[str, Any] = raw if isinstance(raw, dict) else {}
        self.resolver = Resolver(self.data)

    @property
    def is_31(self) -> bool:
        """Whether the document declares OpenAPI 3.1 (or later)."""
        version = str(self.data.get("openapi", ""))
        return not version.startswith(("2", "3.0"))

    @cached_property
    def operations(self) -> list[Operation]:
        """Every operation, in document order."""
        return collect_operations(self.resolver)

    @cached_property
    def webhook_operations(self) -> list[Operation]:
        """The operations under the 3.1 ``webhooks`` (requests we send); ``path`` is the webhook name."""
        return collect_operations(self.resolver, "webhooks")

    @cached_property
    def schemas(self) -> SchemaIndex:
        """Every schema node with the side (request/response) it is used on."""
        return SchemaIndex(self.resolver, self.operations)

    @cached_property
    def unused_components(self) -> list[str]:
        """Pointers of components nothing outside ``components`` reaches."""
        return unused_components(self.data)

    def schema_nodes(self) -> Iterator[SchemaNode]:
        """All schema nodes, in walk order."""
        return iter(list(self.schemas.nodes.values()))

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Shortcut for :meth:`Resolver.deref`."""
        return self.resolver.deref(node, pointer)

    @cached_property
    def list_operations(self) -> list[Operation]:
        """GETs on a path not ending in a parameter whose 200 schema has an array ``data``."""
        return [op for op in self.operations if self._is_list(op)]

    @cached_property
    def list_paths(self) -> set[str]:
        """Paths that have a list operation (collections)."""
        return {op.path for op in self.list_operations}

    def json_schema_of(self, container: Any, pointer: str) -> tuple[Any, str]:
        """The resolved JSON schema of a body or response (``application/json`` or ``*+json``)."""
        node, where = self.deref(container, pointer)
        content = node.get("content") if isinstance(node, dict) else None
        if not isinstance(content, dict):
            return None, where
        for media, media_object in content.items():
            if _is_json(str(media)) and isinstance(media_object, dict) and "schema" in media_object:
                return self.deref(media_object["schema"], join(where, "content", media, "schema"))
        return None, where

    def properties_of(self, schema: Any, pointer: str) -> dict[str, tuple[Any, str]]:
        """An object schema's properties, resolved, including those merged in through ``allOf``.

        Returns:
            ``{name: (resolved property schema, pointer where the property is declared)}``.
        """
        found: dict[str, tuple[Any, str]] = {}
        stack = [(schema, pointer)]
        seen: set[str] = set()
        while stack:
            node, where = self.deref(*stack.pop())
            if not isinstance(node, dict) or where in seen:
                continue
            seen.add(where)
            props = node.get("properties")
            if isinstance(props, dict):
                for name, prop in props.items():
                    found.setdefault(str(name), self.deref(prop, join(where, "properties", name)))
            parts = node.get("allOf")
            if isinstance(parts, list):
                stack.extend((part, join(where, "allOf", i)) for i, part in reversed(list(enumerate(parts))))
        return found

    @cached_property
    def properties(self) -> list[Property]:
        """Every property of every schema node (each declaration once), its schema resolved."""
        found: list[Property] = []
        for node in self.schemas.nodes.values():
            for name, raw, pointer in node.properties:
                schema, _ = self.deref(raw, pointer)
                found.append(Property(name, pointer, schema, node))
        return found

    def variants(self, schema: Any, pointer: str) -> list[tuple[dict[str, Any], str]]:
        """A resolved schema plus its resolved ``anyOf``/``oneOf`` branches (one level)."""
        node, where = self.deref(schema, pointer)
        if not isinstance(node, dict):
            return []
        found = [(node, where)]
        for key in ("anyOf", "oneOf"):
            branches = node.get(key)
            if isinstance(branches, list):
                for index, branch in enumerate(branches):
                    resolved, at = self.deref(branch, join(where, key, index))
                    if isinstance(resolved, dict):
                        found.append((resolved, at))
        return found

    def _is_list(self, op: Operation) -> bool:
        if op.method != "get" or op.ends_with_parameter:
            return False
        responses = op.node.get("responses")
        if not isinstance(responses, dict) or ("200" not in responses and 200 not in responses):
            return False
        schema, _ = self.json_schema_of(responses.get("200", responses.get(200)), op.pointer + "/responses/200")
        if not isinstance(schema, dict):
            return False
        data = self.properties_of(schema, "").get("data", (None, ""))[0]
        return isinstance(data, dict) and (data.get("type") == "array" or "items" in data)


def _is_json(media: str) -> bool:
    base = media.split(";", 1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json")
