"""Checks openapi-spec-validator does not make (or cannot locate): refs, operation ids, path templates."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.loading.pointers import MISSING, join, resolve

__all__ = ["SemanticError", "dangling_refs", "duplicate_operation_ids", "path_parameter_errors"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


class SemanticError:
    """A rule id, a pointer and a message."""

    __slots__ = ("message", "pointer", "rule")

    def __init__(self, rule: str, pointer: str, message: str) -> None:
        self.rule = rule
        self.pointer = pointer
        self.message = message


def _walk_refs(node: Any, pointer: str) -> Iterator[tuple[str, str]]:
    stack = [(node, pointer)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            ref = current.get("$ref")
            if isinstance(ref, str):
                yield where, ref
            stack.extend((value, join(where, key)) for key, value in current.items())
        elif isinstance(current, list):
            stack.extend((value, f"{where}/{index}") for index, value in enumerate(current))


def dangling_refs(data: dict[str, Any]) -> list[SemanticError]:
    """Internal ``$ref``s of the bundled document that point to nothing."""
    errors = []
    for where, ref in _walk_refs(data, ""):
        if ref.startswith("#") and resolve(data, ref[1:]) is MISSING:
            errors.append(SemanticError("ref-unresolved", where, f"$ref {ref!r} points to nothing in the document"))
        elif not ref.startswith("#"):
            errors.append(
                SemanticError(
                    "ref-unresolved",
                    where,
                    f"$ref {ref!r} could not be bundled: external refs must point to a file next to the spec",
                )
            )
    return errors


def _deref(data: dict[str, Any], node: Any) -> Any:
    seen = set()
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        if node["$ref"] in seen:
            return MISSING
        seen.add(node["$ref"])
        node = resolve(data, node["$ref"][1:])
    return node


def _operations(data: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    paths = data.get("paths")
    if not isinstance(paths, dict):
        return
    for path, raw in paths.items():
        item = _deref(data, raw)
        if not isinstance(item, dict):
            continue
        for method in _METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield path, method, item, operation


def duplicate_operation_ids(data: dict[str, Any]) -> list[SemanticError]:
    """Every ``operationId`` used by more than one operation, reported at each later use."""
    first: dict[str, str] = {}
    errors = []
    for path, method, _, operation in _operations(data):
        op_id = operation.get("operationId")
        if not isinstance(op_id, str):
            continue
        where = join("/paths", path, method, "operationId")
        if op_id in first:
            errors.append(
                SemanticError(
                    "operation-id-duplicate",
                    where,
                    f"operationId {op_id!r} is already used by {first[op_id]}; operation ids must be unique",
                )
            )
        else:
            first[op_id] = f"{method.upper()} {path}"
    return errors


def _path_params(data: dict[str, Any], params: Any) -> set[str]:
    names = set()
    for raw in params if isinstance(params, list) else []:
        param = _deref(data, raw)
        if isinstance(param, dict) and param.get("in") == "path" and isinstance(param.get("name"), str):
            names.add(param["name"])
    return names


def path_parameter_errors(data: dict[str, Any]) -> list[SemanticError]:
    """Template parameters without a declaration, and declared path parameters not in the template."""
    errors: list[SemanticError] = []
    for path, method, item, operation in _operations(data):
        in_template = set(_TEMPLATE.findall(path))
        declared = _path_params(data, item.get("parameters")) | _path_params(data, operation.get("parameters"))
        where = join("/paths", path, method)
        errors.extend(
            SemanticError(
                "path-parameter-undeclared",
                where,
                f"{method.upper()} {path}: path parameter {{{name}}} "
                f"is not declared; add a parameter with name {name!r} and in: path (required: true)",
            )
            for name in sorted(in_template - declared)
        )
        errors.extend(
            SemanticError(
                "path-parameter-unused",
                where,
                f"{method.upper()} {path}: declares path parameter {name!r} but the path has no {{{name}}}",
            )
            for name in sorted(declared - in_template)
        )
    return errors
