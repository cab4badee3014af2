"""``request-body-strict``: JSON request body schemas reject unknown fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.linting.schemas import types_of
from generator.loading.pointers import join


def _strict(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties") is False or schema.get("unevaluatedProperties") is False


def _loose_objects(context: LintContext, schema: dict[str, Any], where: str) -> Iterator[str]:
    """Pointers of the object schemas (the top one, or each oneOf/anyOf branch) that are not strict."""
    if _strict(schema):
        return
    variants = context.variants(schema, where)[1:]
    if variants:
        for branch, at in variants:
            if not _strict(branch) and _is_object(branch):
                yield at
    elif _is_object(schema):
        yield where


def _is_object(schema: dict[str, Any]) -> bool:
    kinds = types_of(schema)
    return "object" in kinds or (not kinds and ("properties" in schema or "allOf" in schema))


def check(context: LintContext) -> Iterator[Hit]:
    """Flag top-level JSON request body schemas without ``additionalProperties: false``."""
    seen: set[str] = set()
    for op in context.operations:
        if "requestBody" not in op.node:
            continue
        schema, where = context.json_schema_of(op.node["requestBody"], join(op.pointer, "requestBody"))
        if not isinstance(schema, dict):
            continue
        for pointer in _loose_objects(context, schema, where):
            if pointer in seen:
                continue
            seen.add(pointer)
            keyword = "unevaluatedProperties" if "allOf" in schema else "additionalProperties"
            yield (
                pointer,
                (
                    f"the request body schema of {op.label} accepts unknown fields: add "
                    f"`{keyword}: false` so unknown fields are rejected with 422"
                ),
            )


RULE = Rule(
    "request-body-strict",
    Severity.ERROR,
    "JSON request body schemas set `additionalProperties: false` (or `unevaluatedProperties: false`).",
    check,
)
