"""Recipes for the per-check fixtures: a base and a revision document, and the ids each pair must report.

``python -m tests.diffing.recipes`` (re)writes ``tests/diffing/fixtures/<check-id>/{base,revision}.yaml``
and ``expected.txt``. The expected ids are written here by hand (the target id first, then any other id
the edit is known to cause), never computed by the engine, so the fixture test can fail.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

FIXTURES = Path(__file__).parent / "fixtures"
Doc = dict[str, Any]
Mutator = Callable[[Doc], None]


def _doc() -> Doc:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Fixture", "version": "1.0.0"},
        "servers": [{"url": "/api/public/v1"}],
        "paths": {
            "/items/{id}": {
                "post": {
                    "operationId": "updateItem",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"name": {"type": "string"}}}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["id"],
                                        "properties": {"id": {"type": "string"}},
                                    }
                                }
                            },
                        }
                    },
                },
            },
        },
        "components": {"schemas": {}},
    }


def _op(doc: Doc) -> Doc:
    operation: Doc = doc["paths"]["/items/{id}"]["post"]
    return operation


# ----------------------------------------------------------------- schema keyword recipes (prefix x suffix)

_STRING: Doc = {"type": "string"}
_ARRAY: Doc = {"type": "array", "items": {"type": "string"}}
_SUFFIXES: dict[str, tuple[Doc, Doc]] = {
    "enum-value-removed": ({"type": "string", "enum": ["a", "b"]}, {"type": "string", "enum": ["a"]}),
    "enum-value-added": ({"type": "string", "enum": ["a"]}, {"type": "string", "enum": ["a", "b"]}),
    "became-enum": (_STRING, {"type": "string", "enum": ["a"]}),
    "x-extensible-enum-value-removed": (
        {"type": "string", "x-extensible-enum": ["a", "b"]},
        {"type": "string", "x-extensible-enum": ["a"]},
    ),
    "type-changed": (_STRING, {"type": "boolean"}),
    "type-generalized": ({"type": "integer"}, {"type": "number"}),
    "type-specialized": ({"type": "number"}, {"type": "integer"}),
    "type-compatible": ({"type": "string", "format": "email"}, _STRING),
    "list-of-types-widened": ({"type": ["string", "integer"]}, {"type": ["string", "integer", "boolean"]}),
    "list-of-types-narrowed": ({"type": ["string", "integer", "boolean"]}, {"type": ["string", "integer"]}),
    "became-nullable": (_STRING, {"type": ["string", "null"]}),
    "became-not-nullable": ({"type": ["string", "null"]}, _STRING),
    "pattern-added": (_STRING, {"type": "string", "pattern": "^[a-z]+$"}),
    "pattern-removed": ({"type": "string", "pattern": "^[a-z]+$"}, _STRING),
    "pattern-changed": ({"type": "string", "pattern": "^[a-z]+$"}, {"type": "string", "pattern": "^[a-f]+$"}),
    "pattern-generalized": ({"type": "string", "pattern": "^[a-z]+$"}, {"type": "string", "pattern": ".*"}),
    "default-value-added": (_STRING, {"type": "string", "default": "a"}),
    "default-value-removed": ({"type": "string", "default": "a"}, _STRING),
    "default-value-changed": ({"type": "string", "default": "a"}, {"type": "string", "default": "b"}),
    "const-added": (_STRING, {"type": "string", "const": "a"}),
    "const-removed": ({"type": "string", "const": "a"}, _STRING),
    "const-changed": ({"type": "string", "const": "a"}, {"type": "string", "const": "b"}),
    "content-media-type-changed": (
        {"type": "string", "contentMediaType": "image/png"},
        {"type": "string", "contentMediaType": "image/jpeg"},
    ),
    "content-encoding-changed": (
        {"type": "string", "contentEncoding": "base64"},
        {"type": "string", "contentEncoding": "base32"},
    ),
    "content-schema-added": (
        {"type": "string", "contentMediaType": "application/json"},
        {"type": "string", "contentMediaType": "application/json", "contentSchema": _STRING},
    ),
    "content-schema-removed": (
        {"type": "string", "contentMediaType": "application/json", "contentSchema": _STRING},
        {"type": "string", "contentMediaType": "application/json"},
    ),
    "deprecated": (_STRING, {"type": "string", "deprecated": True}),
    "deprecated-with-sunset": (_STRING, {"type": "string", "deprecated": True, "x-sunset": "2031-01-01"}),
    "deprecated-sunset-invalid": (_STRING, {"type": "string", "deprecated": True, "x-sunset": "someday"}),
    "deprecated-sunset-missing": (_STRING, {"type": "string", "deprecated": True}),
    "sunset-date-too-small": (_STRING, {"type": "string", "deprecated": True, "x-sunset": "2030-01-10"}),
    "reactivated": ({"type": "string", "deprecated": True}, _STRING),
    "stability-decreased": (
        {"type": "string", "x-stability-level": "stable"},
        {"type": "string", "x-stability-level": "beta"},
    ),
    "stability-increased": (
        {"type": "string", "x-stability-level": "beta"},
        {"type": "string", "x-stability-level": "stable"},
    ),
}
for _keyword, _name, _low, _high, _base in (
    ("maximum", "max", 10, 20, {"type": "integer"}),
    ("exclusiveMaximum", "exclusive-max", 10, 20, {"type": "integer"}),
    ("minimum", "min", 1, 5, {"type": "integer"}),
    ("exclusiveMinimum", "exclusive-min", 1, 5, {"type": "integer"}),
    ("maxLength", "max-length", 10, 20, _STRING),
    ("minLength", "min-length", 1, 5, _STRING),
    ("maxItems", "max-items", 10, 20, _ARRAY),
    ("minItems", "min-items", 1, 5, _ARRAY),
    ("maxContains", "max-contains", 2, 4, {**_ARRAY, "contains": _STRING}),
    ("minContains", "min-contains", 1, 2, {**_ARRAY, "contains": _STRING}),
):
    _SUFFIXES[f"{_name}-increased"] = ({**_base, _keyword: _low}, {**_base, _keyword: _high})
    _SUFFIXES[f"{_name}-decreased"] = ({**_base, _keyword: _high}, {**_base, _keyword: _low})
    _SUFFIXES[f"{_name}-set"] = (dict(_base), {**_base, _keyword: _low})
    _SUFFIXES[f"{_name}-unset"] = ({**_base, _keyword: _low}, dict(_base))

_OBJ: Doc = {"type": "object", "properties": {"a": _STRING}}
for _keyword, _name, _value in (
    ("if", "if", {"properties": {"a": {"const": "x"}}}),
    ("then", "then", {"required": ["a"]}),
    ("else", "else", {"required": ["a"]}),
    ("propertyNames", "property-names", {"maxLength": 5}),
    ("unevaluatedProperties", "unevaluated-properties", False),
):
    _SUFFIXES[f"{_name}-added"] = (_OBJ, {**_OBJ, _keyword: _value})
    _SUFFIXES[f"{_name}-removed"] = ({**_OBJ, _keyword: _value}, _OBJ)
for _keyword, _name, _value2 in (
    ("contains", "contains", _STRING),
    ("prefixItems", "prefix-items", [_STRING]),
    ("unevaluatedItems", "unevaluated-items", False),
):
    _SUFFIXES[f"{_name}-added"] = (_ARRAY, {**_ARRAY, _keyword: _value2})
    _SUFFIXES[f"{_name}-removed"] = ({**_ARRAY, _keyword: _value2}, _ARRAY)
_SUFFIXES["pattern-property-added"] = (_OBJ, {**_OBJ, "patternProperties": {"^x-": _STRING}})
_SUFFIXES["pattern-property-removed"] = ({**_OBJ, "patternProperties": {"^x-": _STRING}}, _OBJ)
_SUFFIXES["dependent-required-added"] = (_OBJ, {**_OBJ, "dependentRequired": {"a": ["b"]}})
_SUFFIXES["dependent-required-removed"] = ({**_OBJ, "dependentRequired": {"a": ["b"]}}, _OBJ)
_SUFFIXES["dependent-required-changed"] = (
    {**_OBJ, "dependentRequired": {"a": ["b"]}},
    {**_OBJ, "dependentRequired": {"a": ["c"]}},
)
_SUFFIXES["dependent-schema-added"] = (_OBJ, {**_OBJ, "dependentSchemas": {"a": {"required": ["b"]}}})
_SUFFIXES["dependent-schema-removed"] = ({**_OBJ, "dependentSchemas": {"a": {"required": ["b"]}}}, _OBJ)

_CAT: Doc = {"title": "Cat", "type": "object", "properties": {"meow": _STRING}}
_DOG: Doc = {"title": "Dog", "type": "object", "properties": {"bark": _STRING}}
_FOX: Doc = {"title": "Fox", "type": "object", "properties": {"yip": _STRING}}
for _keyword, _name in (("oneOf", "one-of"), ("anyOf", "any-of"), ("allOf", "all-of")):
    _SUFFIXES[f"{_name}-added"] = ({_keyword: [_CAT, _DOG]}, {_keyword: [_CAT, _DOG, _FOX]})
    _SUFFIXES[f"{_name}-removed"] = ({_keyword: [_CAT, _DOG, _FOX]}, {_keyword: [_CAT, _DOG]})
_SUFFIXES["all-of-added-annotation-only"] = ({"allOf": [_CAT]}, {"allOf": [_CAT, {"description": "a cat"}]})
_SUFFIXES["all-of-removed-annotation-only"] = ({"allOf": [_CAT, {"description": "a cat"}]}, {"allOf": [_CAT]})
_SUFFIXES["wrapped-in-one-of"] = (_CAT, {"oneOf": [_CAT, _DOG]})
_DISC: Doc = {"type": "object", "properties": {"kind": _STRING}}
_SUFFIXES["discriminator-added"] = (_DISC, {**_DISC, "discriminator": {"propertyName": "kind"}})
_SUFFIXES["discriminator-removed"] = ({**_DISC, "discriminator": {"propertyName": "kind"}}, _DISC)
_SUFFIXES["discriminator-property-name-changed"] = (
    {**_DISC, "discriminator": {"propertyName": "kind"}},
    {**_DISC, "discriminator": {"propertyName": "type"}},
)
_SUFFIXES["discriminator-mapping-added"] = (
    {**_DISC, "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}}},
    {
        **_DISC,
        "discriminator": {
            "propertyName": "kind",
            "mapping": {"a": "#/components/schemas/A", "b": "#/components/schemas/B"},
        },
    },
)
_SUFFIXES["discriminator-mapping-deleted"] = (
    _SUFFIXES["discriminator-mapping-added"][1],
    _SUFFIXES["discriminator-mapping-added"][0],
)
_SUFFIXES["discriminator-mapping-changed"] = (
    {**_DISC, "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/A"}}},
    {**_DISC, "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/B"}}},
)

_PREFIXES = (
    "request-body-",
    "request-property-",
    "request-read-only-property-",
    "request-parameter-",
    "request-parameter-property-",
    "request-header-property-",
    "response-body-",
    "response-mediatype-",
    "response-property-",
    "response-write-only-property-",
    "response-header-",
)

# The options some recipes need (deprecation policies compare against a fixed day).
_POLICY: dict[str, Any] = {"today": "2030-01-01", "deprecation_days_stable": 30, "deprecation_days_beta": 30}
_POLICY_SUFFIXES = ("deprecated-sunset-missing", "sunset-date-too-small")


def _place(prefix: str, subject: Doc) -> Mutator:
    subject = copy.deepcopy(subject)

    def apply(doc: Doc) -> None:
        operation = _op(doc)
        if prefix == "request-body-":
            operation["requestBody"]["content"]["application/json"]["schema"] = subject
        elif prefix in ("request-property-", "request-read-only-property-"):
            if prefix == "request-read-only-property-":
                subject["readOnly"] = True
            operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["subject"] = subject
        elif prefix == "request-parameter-":
            operation["parameters"].append({"name": "q", "in": "query", "schema": subject})
        elif prefix in ("request-parameter-property-", "request-header-property-"):
            where = "header" if prefix == "request-header-property-" else "query"
            operation["parameters"].append(
                {
                    "name": "X-Filter" if where == "header" else "filter",
                    "in": where,
                    "schema": {"type": "object", "properties": {"subject": subject}},
                }
            )
        elif prefix in ("response-body-", "response-mediatype-"):
            operation["responses"]["200"]["content"]["application/json"]["schema"] = subject
        elif prefix in ("response-property-", "response-write-only-property-"):
            if prefix == "response-write-only-property-":
                subject["writeOnly"] = True
            operation["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["subject"] = subject
        elif prefix == "response-header-":
            operation["responses"]["200"]["headers"] = {"X-Rate": {"schema": subject}}

    return apply


Recipe = tuple[list[Mutator], list[Mutator], list[str], dict[str, Any]]


def _schema_recipes(known: set[str]) -> dict[str, Recipe]:
    recipes: dict[str, Recipe] = {}
    for prefix in _PREFIXES:
        for suffix, (base, revision) in _SUFFIXES.items():
            check_id = prefix + suffix
            if check_id in known:
                options = _POLICY if suffix in _POLICY_SUFFIXES else {}
                recipes[check_id] = ([_place(prefix, base)], [_place(prefix, revision)], [], options)
    return recipes


def write_fixture(check_id: str, base: Doc, revision: Doc, expected: list[str], options: dict[str, Any]) -> None:
    """Write one fixture directory."""
    folder = FIXTURES / check_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in (("base.yaml", base), ("revision.yaml", revision)):
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False, width=120), encoding="utf-8")
    (folder / "expected.txt").write_text("\n".join(expected) + "\n", encoding="utf-8")
    options_file = folder / "options.yaml"
    if options:
        options_file.write_text(yaml.safe_dump(options, sort_keys=True), encoding="utf-8")
    elif options_file.exists():
        options_file.unlink()


def build(recipes: dict[str, Recipe]) -> None:
    """Write every fixture (stale fixture directories are removed)."""
    if FIXTURES.exists():
        shutil.rmtree(FIXTURES)
    for check_id, (base_mutators, revision_mutators, extras, options) in sorted(recipes.items()):
        base, revision = _doc(), _doc()
        revision["info"]["version"] = "2.0.0"  # a major bump: versioning ids only where a recipe asks for them
        for mutate in base_mutators:
            mutate(base)
        for mutate in revision_mutators:
            mutate(revision)
        write_fixture(check_id, base, revision, [check_id, *extras], options)


def all_recipes() -> dict[str, Recipe]:
    """Every recipe: generated schema-keyword ones, then the hand-written ones (which win)."""
    from generator.diffing.catalogue import catalogue
    from tests.diffing.recipes_manual import MANUAL

    recipes = _schema_recipes(set(catalogue()))
    recipes.update(MANUAL)
    for check_id, extras in EXTRAS.items():
        if check_id in recipes:
            base, revision, _, options = recipes[check_id]
            recipes[check_id] = (base, revision, extras, options)
    return recipes


# Other ids a generated recipe is known to cause, with the reason.
EXTRAS: dict[str, list[str]] = {}


if __name__ == "__main__":
    build(all_recipes())
