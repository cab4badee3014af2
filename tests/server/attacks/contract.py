"""The served contract as the attacker's suite sees it: every operation, its scopes, ids and example body.

Everything here is read from ``generated/openapi.json`` when the tests are collected, so a new
operation is attacked (or, when it cannot be, fails :mod:`tests.server.attacks.test_coverage`)
without anyone editing this suite.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CONTRACT_PATH = Path(__file__).parents[3] / "generated" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
_PREFIX_PATTERN = re.compile(r"^\^([a-z]+)_")


@cache
def contract() -> dict[str, Any]:
    """Return the bundled contract the server serves."""
    document: dict[str, Any] = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    return document


def resolve(node: Any) -> Any:
    """Follow local ``$ref`` pointers until a concrete node is reached."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = contract()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of an operation."""

    name: str
    location: str
    required: bool
    schema: dict[str, Any]

    @property
    def id_prefix(self) -> str | None:
        """The id prefix (``cus``) when the parameter's pattern is a prefixed id, else None."""
        match = _PREFIX_PATTERN.match(str(self.schema.get("pattern", "")))
        return match.group(1) if match else None


@dataclass(frozen=True)
class Operation:
    """One operation of the contract."""

    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    scopes: tuple[str, ...]
    body_media_type: str | None
    body_required: bool
    body_schema: dict[str, Any] | None

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        """The path parameters in the order they appear in the path."""
        declared = {p.name: p for p in self.parameters if p.location == "path"}
        return tuple(declared[name] for name in re.findall(r"\{(\w+)\}", self.path))

    @property
    def is_list(self) -> bool:
        """Whether the operation returns a page (``data`` + ``has_more``)."""
        return self.method == "GET" and "limit" in {p.name for p in self.parameters if p.location == "query"}

    @property
    def is_write(self) -> bool:
        """Whether the operation may change data."""
        return self.method != "GET"

    @property
    def collection_path(self) -> str | None:
        """The path of the collection the last path id belongs to (``/customers`` for ``/customers/{id}``)."""
        match = re.fullmatch(r"(.*)/\{\w+\}", self.path)
        return match.group(1) if match else None

    def __str__(self) -> str:
        return self.operation_id


def _parameter(node: dict[str, Any]) -> Parameter:
    resolved = resolve(node)
    return Parameter(resolved["name"], resolved["in"], bool(resolved.get("required")), resolve(resolved["schema"]))


@cache
def operations() -> tuple[Operation, ...]:
    """Every operation of the contract, sorted by operation id."""
    found = []
    for path, item in contract()["paths"].items():
        shared = [_parameter(node) for node in item.get("parameters", [])]
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            own = [_parameter(node) for node in operation.get("parameters", [])]
            names = {(p.name, p.location) for p in own}
            parameters = tuple(own + [p for p in shared if (p.name, p.location) not in names])
            scopes = next((tuple(s["apiKey"]) for s in operation.get("security", []) if "apiKey" in s), ())
            body = resolve(operation.get("requestBody"))
            media_type, schema = None, None
            if body:
                media_type, media = next(iter(body["content"].items()))
                schema = resolve(media.get("schema"))
            found.append(
                Operation(
                    operation["operationId"],
                    method.upper(),
                    path,
                    parameters,
                    scopes,
                    media_type,
                    bool(body and body.get("required")),
                    schema,
                )
            )
    return tuple(sorted(found, key=lambda op: op.operation_id))


def by_id(operation_id: str) -> Operation:
    """Return the operation with this id."""
    return next(op for op in operations() if op.operation_id == operation_id)


def example_of(schema: dict[str, Any] | None) -> Any:
    """Return the schema's example: its own ``example``, or one built from its properties' examples.

    Returns:
        The example, or None when neither the schema nor all its required properties have one.
    """
    if schema is None:
        return None
    schema = resolve(schema)
    if "example" in schema:
        return schema["example"]
    if schema.get("examples"):
        return schema["examples"][0]
    if schema.get("type") == "object":
        built = {}
        for name in schema.get("required", []):
            value = example_of(schema["properties"][name])
            if value is None:
                return None
            built[name] = value
        return built
    return schema.get("default")
