"""Every schema node of a document, walked once, tagged with the side it is used on.

A schema reached from a request body or a parameter is on the ``request`` side; one reached
from a response (or a webhook payload, which we send) is on the ``response`` side; a schema can
be on both, or on none (a component nothing uses). ``readOnly`` properties are not request
input and ``writeOnly`` properties are not response output, so the walk does not carry that side
into them. Refs are followed with cycle safety: each (pointer, side) is visited once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.linting.operations import Operation
from generator.linting.resolver import Resolver, ref_pointer
from generator.loading.pointers import join

__all__ = ["REQUEST", "RESPONSE", "SchemaIndex", "SchemaNode", "media_schemas", "types_of"]

REQUEST = "request"
RESPONSE = "response"

_ONE = (
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
)
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems", "items")
_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_Task = tuple[Any, str, str]


@dataclass(slots=True)
class SchemaNode:
    """One schema object as written in the bundled document.

    Attributes:
        pointer: Where it is written.
        schema: The Schema Object (may itself be a ``$ref`` object).
        sides: ``request`` and/or ``response``; empty for schemas no operation uses.
    """

    pointer: str
    schema: dict[str, Any]
    sides: set[str] = field(default_factory=set)

    @property
    def properties(self) -> Iterator[tuple[str, Any, str]]:
        """``(name, property schema, pointer)`` for each entry of ``properties``."""
        props = self.schema.get("properties")
        if isinstance(props, dict):
            for name, prop in props.items():
                yield str(name), prop, join(self.pointer, "properties", name)


def types_of(schema: Any) -> set[str]:
    """The ``type`` of a schema as a set (``{"string", "null"}``); empty when absent or odd."""
    if not isinstance(schema, dict):
        return set()
    kind = schema.get("type")
    if isinstance(kind, str):
        return {kind}
    return {item for item in kind if isinstance(item, str)} if isinstance(kind, list) else set()


def media_schemas(container: Any, pointer: str) -> Iterator[tuple[str, Any, str]]:
    """``(media type, schema, pointer)`` for each entry of ``container['content']``."""
    if not isinstance(container, dict):
        return
    content = container.get("content")
    if not isinstance(content, dict):
        return
    for media, raw in content.items():
        where = join(pointer, "content", media)
        if isinstance(raw, dict) and "schema" in raw:
            yield str(media), raw["schema"], join(where, "schema")


class SchemaIndex:
    """All schema nodes, keyed by pointer, built by one walk from every use site."""

    def __init__(self, resolver: Resolver, operations: list[Operation]) -> None:
        self._resolver = resolver
        self.nodes: dict[str, SchemaNode] = {}
        self._stack: list[_Task] = []
        for op in operations:
            self._operation_roots(op)
        self._webhook_roots()
        self._run()
        components = resolver.data.get("components") if isinstance(resolver.data, dict) else None
        schemas = components.get("schemas") if isinstance(components, dict) else None
        if isinstance(schemas, dict):
            for name, schema in schemas.items():
                self._stack.append((schema, join("/components/schemas", name), ""))
        self._run()

    def on_side(self, side: str) -> Iterator[SchemaNode]:
        """The schema nodes used on ``side``."""
        return (node for node in self.nodes.values() if side in node.sides)

    def _push_container(self, raw: Any, pointer: str, side: str) -> None:
        """Push the schemas of a parameter, header, body or response (``schema`` or ``content``)."""
        node, where = self._resolver.deref(raw, pointer)
        if not isinstance(node, dict):
            return
        if "schema" in node:
            self._stack.append((node["schema"], join(where, "schema"), side))
        for _media, schema, at in media_schemas(node, where):
            self._stack.append((schema, at, side))
        headers = node.get("headers")
        if side == RESPONSE and isinstance(headers, dict):
            for name, header in headers.items():
                self._push_container(header, join(where, "headers", name), side)

    def _operation_roots(self, op: Operation) -> None:
        for param in op.parameters:
            self._push_container(param.node, param.definition, REQUEST)
        if "requestBody" in op.node:
            self._push_container(op.node["requestBody"], join(op.pointer, "requestBody"), REQUEST)
        responses = op.node.get("responses")
        if isinstance(responses, dict):
            for status, response in responses.items():
                self._push_container(response, join(op.pointer, "responses", status), RESPONSE)

    def _webhook_roots(self) -> None:
        data = self._resolver.data
        hooks = data.get("webhooks") if isinstance(data, dict) else None
        if not isinstance(hooks, dict):
            return
        for name, raw_item in hooks.items():
            item, where = self._resolver.deref(raw_item, join("/webhooks", name))
            if not isinstance(item, dict):
                continue
            for method, op in item.items():
                if isinstance(op, dict) and "requestBody" in op:
                    self._push_container(op["requestBody"], join(where, method, "requestBody"), RESPONSE)

    def _record(self, schema: dict[str, Any], pointer: str, side: str) -> bool:
        """Index the node; ``False`` when it was already walked on this side."""
        node = self.nodes.get(pointer)
        if node is None:
            self.nodes[pointer] = SchemaNode(pointer, schema, {side} if side else set())
            return True
        if not side or side in node.sides:
            return False
        node.sides.add(side)
        return True

    def _run(self) -> None:
        stack = self._stack
        while stack:
            schema, pointer, side = stack.pop()
            if not isinstance(schema, dict) or not self._record(schema, pointer, side):
                continue
            target = ref_pointer(schema.get("$ref"))
            if target is not None:
                stack.append((self._resolver.node_at(target), target, side))
            self._children(schema, pointer, side)

    def _children(self, schema: dict[str, Any], pointer: str, side: str) -> None:
        stack = self._stack
        for key in _ONE:
            child = schema.get(key)
            if isinstance(child, dict):
                stack.append((child, join(pointer, key), side))
        for key in _MANY:
            children = schema.get(key)
            if isinstance(children, list):
                stack.extend((child, join(pointer, key, i), side) for i, child in enumerate(children))
        for key in _MAPS:
            children = schema.get(key)
            if not isinstance(children, dict):
                continue
            for name, child in children.items():
                stack.append((child, join(pointer, key, name), _property_side(child, side)))


def _property_side(child: Any, side: str) -> str:
    if isinstance(child, dict):
        if side == REQUEST and child.get("readOnly") is True:
            return ""
        if side == RESPONSE and child.get("writeOnly") is True:
            return ""
    return side
