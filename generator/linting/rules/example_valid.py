"""``example-valid``: every example (schema, media type, parameter, header) matches its schema.

3.1 documents are validated with JSON Schema Draft 2020-12. 3.0 documents are validated with
Draft 4 semantics (boolean ``exclusiveMinimum``) after translating ``nullable: true`` into a
``"null"`` type. ``format`` is not asserted. An example whose schema cannot be compiled (a ref
that does not resolve, an invalid regex) is skipped: ``asteri validate`` reports those.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.examples import ExampleValidator
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

_Site = tuple[Any, str, str]  # (value, pointer of the value, pointer of the schema)


def _schema_examples(context: LintContext) -> Iterator[_Site]:
    for node in context.schema_nodes():
        schema = node.schema
        if "example" in schema:
            yield schema["example"], join(node.pointer, "example"), node.pointer
        values = schema.get("examples")
        if isinstance(values, list):
            for index, value in enumerate(values):
                yield value, join(node.pointer, "examples", index), node.pointer


def _object_examples(context: LintContext, node: dict[str, Any], pointer: str, schema_at: str) -> Iterator[_Site]:
    """Examples of a media type, parameter or header object whose schema is at ``schema_at``."""
    if "example" in node:
        yield node["example"], join(pointer, "example"), schema_at
    examples = node.get("examples")
    if isinstance(examples, dict):
        for name, raw in examples.items():
            example, where = context.deref(raw, join(pointer, "examples", name))
            if isinstance(example, dict) and "value" in example:
                yield example["value"], join(where, "value"), schema_at


def _containers(context: LintContext) -> Iterator[tuple[Any, str]]:
    """Parameters, request bodies, responses and their headers, unresolved, with pointers."""
    for op in (*context.operations, *context.webhook_operations):
        for param in op.parameters:
            yield param.node, param.definition
        if "requestBody" in op.node:
            yield op.node["requestBody"], join(op.pointer, "requestBody")
        responses = op.node.get("responses")
        if isinstance(responses, dict):
            for status, raw in responses.items():
                response, where = context.deref(raw, join(op.pointer, "responses", status))
                yield response, where
                headers = response.get("headers") if isinstance(response, dict) else None
                if isinstance(headers, dict):
                    yield from ((header, join(where, "headers", name)) for name, header in headers.items())


def _media_examples(context: LintContext) -> Iterator[_Site]:
    seen: set[str] = set()
    for raw, pointer in _containers(context):
        node, where = context.deref(raw, pointer)
        if not isinstance(node, dict) or where in seen:
            continue
        seen.add(where)
        if "schema" in node:
            yield from _object_examples(context, node, where, join(where, "schema"))
        content = node.get("content")
        if isinstance(content, dict):
            for media, media_object in content.items():
                at = join(where, "content", media)
                if isinstance(media_object, dict) and "schema" in media_object:
                    yield from _object_examples(context, media_object, at, join(at, "schema"))


def check(context: LintContext) -> Iterator[Hit]:
    """Flag example values that fail validation; schemas the validator cannot use are skipped."""
    validator = ExampleValidator(context.data, context.is_31)
    for value, pointer, schema_at in (*_schema_examples(context), *_media_examples(context)):
        try:
            problem = validator.problem(value, schema_at)
        except Exception:
            continue
        if problem is not None:
            yield pointer, f"example does not match its schema: {problem}; fix the example or the schema"


RULE = Rule(
    "example-valid",
    Severity.ERROR,
    "Examples (schema, media type, parameter, header) validate against their schema.",
    check,
)
