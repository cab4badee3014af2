"""Validate example values against their schemas (Draft 2020-12 for 3.1, Draft 4 + ``nullable`` for 3.0).

Schemas are validated in place, by reference into the whole document registered as one
resource, so their internal ``$ref``s resolve. For 3.0 documents a translated copy of the
document is used: ``nullable: true`` becomes a ``"null"`` type (or an ``anyOf`` with null
around a ``$ref``), and Draft 4 semantics give the boolean ``exclusiveMinimum`` of 3.0.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT202012

__all__ = ["ExampleValidator"]

_URI = "urn:asteri:lint:document"
_MAX_MESSAGE = 160


def _translate_nullable(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("nullable") is not True:
        return node
    kind = node.get("type")
    if "$ref" in node:
        return {"anyOf": [{"$ref": node["$ref"]}, {"type": "null"}]}
    result = dict(node)
    if isinstance(kind, str):
        result["type"] = [kind, "null"]
    if isinstance(node.get("enum"), list) and None not in node["enum"]:
        result["enum"] = [*node["enum"], None]
    if kind is None and any(key in node for key in ("allOf", "anyOf", "oneOf")):
        return {"anyOf": [{key: value for key, value in result.items() if key != "nullable"}, {"type": "null"}]}
    return result


def translate_30(data: Any) -> Any:
    """A copy of a 3.0 document whose schemas express ``nullable`` in JSON Schema terms."""
    if isinstance(data, dict):
        return _translate_nullable({key: translate_30(value) for key, value in data.items()})
    if isinstance(data, list):
        return [translate_30(item) for item in data]
    return data


class ExampleValidator:
    """Validates values against the schema at a pointer of one document."""

    def __init__(self, data: Any, is_31: bool) -> None:
        self._is_31 = is_31
        self._data = data
        self._registry: Registry[Any] | None = None
        self._validators: dict[str, Any] = {}

    def _prepared(self) -> Registry[Any]:
        if self._registry is None:
            if self._is_31:
                resource: Resource[Any] = DRAFT202012.create_resource(self._data)
            else:
                resource = DRAFT4.create_resource(translate_30(self._data))
            self._registry = Registry().with_resource(_URI, resource)
        return self._registry

    def problem(self, value: Any, schema_pointer: str) -> str | None:
        """Why ``value`` does not match the schema at ``schema_pointer`` (``None`` when it does).

        Raises:
            Exception: the schema cannot be used (unresolvable ref, invalid regex...); callers skip it.
        """
        validator = self._validators.get(schema_pointer)
        if validator is None:
            root = {"$ref": f"{_URI}#{quote(schema_pointer, safe='/~')}"}
            cls = Draft202012Validator if self._is_31 else Draft4Validator
            validator = self._validators[schema_pointer] = cls(root, registry=self._prepared())
        error = best_match(validator.iter_errors(value))
        if error is None:
            return None
        where = "/" + "/".join(str(part) for part in error.absolute_path) if error.absolute_path else "the value"
        message = error.message
        if len(message) > _MAX_MESSAGE:
            message = message[: _MAX_MESSAGE - 3] + "..."
        return f"{message} (at {where})"
