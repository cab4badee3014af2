"""Schemas as the docs show them: type labels, constraints, flattened fields and examples."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from generator.docs.model import FieldDoc, TypePart

__all__ = ["SchemaView", "ref_name", "slug"]

_REF_PREFIX = "#/components/schemas/"
_MAX_DEPTH = 3
_CONSTRAINT_KEYS = (
    ("format", "format: {}"),
    ("pattern", "pattern: `{}`"),
    ("minLength", "min length {}"),
    ("maxLength", "max length {}"),
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("multipleOf", "multiple of {}"),
    ("minItems", "min items {}"),
    ("maxItems", "max items {}"),
    ("uniqueItems", "unique items"),
    ("minProperties", "min properties {}"),
    ("maxProperties", "max properties {}"),
)


_FLAGS = (("readOnly", "read-only"), ("writeOnly", "write-only"), ("deprecated", "deprecated"))


def ref_name(schema: Any) -> str | None:
    """The component name a ``$ref`` points to, if it is ``#/components/schemas/<name>``."""
    if isinstance(schema, Mapping):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            return ref[len(_REF_PREFIX) :]
    return None


def slug(text: str) -> str:
    """An anchor-safe slug: lowercase letters, digits and dashes."""
    out = "".join(ch.lower() if ch.isalnum() else "-" for ch in text)
    return "-".join(part for part in out.split("-") if part) or "x"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class SchemaView:
    """Reads schemas of one bundled document (``components.schemas`` resolved by name)."""

    def __init__(self, components: Mapping[str, Any]) -> None:
        self.components = components

    def resolve(self, schema: Any) -> Mapping[str, Any]:
        """Follow ``$ref`` chains to the schema object (an empty mapping when unknown)."""
        seen: set[str] = set()
        while (name := ref_name(schema)) is not None and name not in seen:
            seen.add(name)
            schema = self.components.get(name, {})
        return schema if isinstance(schema, Mapping) else {}

    # ------------------------------------------------------------------ type labels
    def type_of(self, schema: Any) -> tuple[TypePart, ...]:
        """A short type label, with links to named schemas."""
        name = ref_name(schema)
        if name is not None:
            return (TypePart(name, name),)
        if not isinstance(schema, Mapping):
            return (TypePart("any"),)
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list):
                parts: list[TypePart] = []
                for index, variant in enumerate(schema[key]):
                    if index:
                        parts.append(TypePart(" | "))
                    parts.extend(self.type_of(variant))
                return tuple(parts)
        if "const" in schema:
            return (TypePart(_json(schema["const"])),)
        types = schema.get("type")
        names = [t for t in types if t != "null"] if isinstance(types, list) else [types] if types else []
        nullable = isinstance(types, list) and "null" in types
        parts = []
        for index, kind in enumerate(names or [None]):
            if index:
                parts.append(TypePart(" | "))
            parts.extend(self._single(schema, kind))
        if nullable:
            parts.append(TypePart(" | null"))
        return tuple(parts)

    def _single(self, schema: Mapping[str, Any], kind: str | None) -> tuple[TypePart, ...]:
        if kind == "array":
            return (TypePart("array of "), *self.type_of(schema.get("items", {})))
        if kind == "object" or (kind is None and "properties" in schema):
            extra = schema.get("additionalProperties")
            if isinstance(extra, Mapping) and not schema.get("properties"):
                return (TypePart("map of string to "), *self.type_of(extra))
            return (TypePart("object"),)
        if kind is None:
            return (TypePart("any"),)
        return (TypePart(str(kind)),)

    # ------------------------------------------------------------------ constraints
    def constraints(self, schema: Any) -> tuple[str, ...]:
        """Human-readable constraints (markdown): enum values, bounds, pattern, format, default."""
        if not isinstance(schema, Mapping) or ref_name(schema) is not None:
            return ()
        out: list[str] = []
        if isinstance(schema.get("enum"), list):
            out.append(
                "one of " + ", ".join(f"`{v}`" if isinstance(v, str) else f"`{_json(v)}`" for v in schema["enum"])
            )
        for key, fmt in _CONSTRAINT_KEYS:
            value = schema.get(key)
            if value is not None and value is not False:
                out.append(fmt.format(value))
        if "default" in schema:
            out.append(f"default `{_json(schema['default'])}`")
        out.extend(label for flag, label in _FLAGS if schema.get(flag) is True)
        if schema.get("additionalProperties") is False and schema.get("properties"):
            out.append("no other fields")
        items = schema.get("items")
        if isinstance(items, Mapping) and ref_name(items) is None:
            out.extend(f"items: {c}" for c in self.constraints(items))
        return tuple(out)

    # ------------------------------------------------------------------ fields
    def fields(self, schema: Any, *, prefix: str = "", anchor_prefix: str = "") -> tuple[FieldDoc, ...]:
        """The properties of an object schema; inline nested objects are flattened as ``a.b``."""
        return tuple(self._fields(self.resolve(schema), prefix, anchor_prefix, 0))

    def _fields(self, schema: Mapping[str, Any], prefix: str, anchor_prefix: str, depth: int) -> list[FieldDoc]:
        out: list[FieldDoc] = []
        properties = schema.get("properties")
        if not isinstance(properties, Mapping) or depth > _MAX_DEPTH:
            return out
        required = set(schema.get("required", ()))
        for name, prop in properties.items():
            dotted = f"{prefix}{name}"
            out.append(
                FieldDoc(
                    name=dotted,
                    anchor=f"{anchor_prefix}{slug(dotted)}",
                    type=self.type_of(prop),
                    required=name in required,
                    description=str(prop.get("description", "")) if isinstance(prop, Mapping) else "",
                    constraints=self.constraints(prop),
                    depth=depth,
                )
            )
            if isinstance(prop, Mapping) and ref_name(prop) is None:
                inner = prop.get("items") if "array" in _types(prop) else prop
                if isinstance(inner, Mapping) and ref_name(inner) is None:
                    suffix = "[]." if inner is not prop else "."
                    out.extend(self._fields(inner, f"{dotted}{suffix}", anchor_prefix, depth + 1))
        return out

    # ------------------------------------------------------------------ examples
    def example(self, schema: Any, depth: int = 0) -> Any:
        """An example value: the schema's own ``example``, else one assembled from its properties."""
        if depth > 6:
            return None
        target = self.resolve(schema)
        if isinstance(schema, Mapping) and "example" in schema:
            return schema["example"]
        for source in (target,):
            if "example" in source:
                return source["example"]
            if isinstance(source.get("examples"), list) and source["examples"]:
                return source["examples"][0]
        return self._assemble(target, depth)

    def _assemble(self, schema: Mapping[str, Any], depth: int) -> Any:  # noqa: PLR0911 - one return per shape
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        if "default" in schema:
            return schema["default"]
        for key in ("anyOf", "oneOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.example(schema[key][0], depth + 1)
        kinds = _types(schema)
        if "object" in kinds or "properties" in schema:
            props = schema.get("properties", {})
            required = set(schema.get("required", ()))
            return {
                name: self.example(prop, depth + 1)
                for name, prop in props.items()
                if name in required or (isinstance(prop, Mapping) and "example" in prop)
            }
        if "array" in kinds:
            return [self.example(schema.get("items", {}), depth + 1)]
        return _SCALARS.get(next((k for k in kinds if k != "null"), "null"))

    def example_json(self, schema: Any) -> str | None:
        """The example, pretty-printed as JSON (``None`` when there is nothing to show)."""
        value = self.example(schema)
        return None if value is None else json.dumps(value, indent=2, ensure_ascii=False)


_SCALARS: dict[str, Any] = {"string": "string", "integer": 0, "number": 0, "boolean": True, "null": None}


def _types(schema: Mapping[str, Any]) -> list[str]:
    types = schema.get("type")
    if isinstance(types, list):
        return [str(t) for t in types]
    return [str(types)] if types else []
