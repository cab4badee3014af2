"""IR building: names, unsupported constructs (all reported, by pointer), pagination and security."""

from __future__ import annotations

from typing import Any

import pytest

from generator.ir import BuildOptions, CodegenError, build_api
from generator.naming import UniqueNames, class_name, python_identifier, snake_case


def _doc(paths: dict[str, Any], schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": paths,
        "components": {"schemas": schemas or {}},
    }


def _op(**extra: Any) -> dict[str, Any]:
    return {"responses": {"200": {"description": "OK"}}, **extra}


@pytest.mark.parametrize(
    ("text", "snake", "cls"),
    [
        ("listCustomers", "list_customers", "ListCustomers"),
        ("X-Request-Id", "x_request_id", "XRequestId"),
        ("api.v2010.account", "api_v2010_account", "ApiV2010Account"),
        ("HTTPServer", "http_server", "HTTPServer"),
    ],
)
def test_case_conversion(text, snake, cls):
    assert snake_case(text) == snake
    assert class_name(text) == cls


def test_identifiers_escape_keywords_and_digits():
    assert python_identifier("class") == "class_"
    assert python_identifier("2fa") == "n2fa"
    assert python_identifier("list", avoid_builtins=True) == "list_"
    assert class_name("none") == "NoneModel"


def test_unique_names_are_deterministic_and_reported():
    names = UniqueNames({"body"})
    assert [names.take("body"), names.take("x"), names.take("x")] == ["body_2", "x", "x_2"]
    assert names.renamed == [("body", "body_2"), ("x", "x_2")]


def test_every_unsupported_construct_is_reported_at_once():
    doc = _doc(
        {
            "/a/{id}": {
                "get": _op(
                    operationId="getA",
                    parameters=[
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "q", "in": "query", "content": {"application/json": {}}},
                        {"name": "f", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                        {"name": "n", "in": "query", "schema": {"type": "integer", "default": "ten"}},
                    ],
                    **{"x-sdk-method": "A.Get"},
                )
            }
        }
    )
    with pytest.raises(CodegenError) as error:
        build_api(doc)
    pointers = [p.pointer for p in error.value.problems]
    assert pointers == [
        "/paths/~1a~1{id}/get/parameters/1",
        "/paths/~1a~1{id}/get/parameters/2/style",
        "/paths/~1a~1{id}/get/parameters/3/schema/default",
        "/paths/~1a~1{id}/get/x-sdk-method",
    ]


def test_duplicate_sdk_methods_are_refused():
    doc = _doc(
        {
            "/a": {"get": _op(operationId="a", **{"x-sdk-method": "things.list"})},
            "/b": {"get": _op(operationId="b", **{"x-sdk-method": "things.list"})},
        }
    )
    with pytest.raises(CodegenError, match=r"things\.list"):
        build_api(doc)


def test_sdk_names_default_to_tag_and_operation_id():
    doc = _doc({"/pets": {"get": _op(operationId="listPets", tags=["Pet Store"])}})
    api, _ = build_api(doc)
    (namespace,) = api.namespaces
    assert namespace.attr == "pet_store"
    assert namespace.operations[0].sdk_method == "list_pets"


def test_sub_namespaces_nest():
    doc = _doc(
        {
            "/i": {
                "patch": _op(operationId="u", tags=["invoices"], **{"x-sdk-method": "invoices.accounting_sync.update"})
            }
        }
    )
    api, _ = build_api(doc, BuildOptions())
    (invoices,) = api.namespaces
    assert invoices.operations == ()
    assert invoices.children[0].attr == "accounting_sync"
    assert invoices.children[0].class_name == "InvoicesAccountingSync"


def test_operation_security_overrides_the_root_and_keeps_scopes():
    doc = _doc(
        {
            "/a": {
                "get": _op(operationId="a", security=[{"apiKey": ["read:a"]}, {"bearer": ["read:a"]}]),
                "post": _op(operationId="b", security=[]),
            }
        }
    )
    doc["security"] = [{"apiKey": []}]
    api, _ = build_api(doc)
    get, post = api.operations
    assert [dict(r.schemes) for r in get.security] == [{"apiKey": ("read:a",)}, {"bearer": ("read:a",)}]
    assert post.security == ()


def test_list_responses_with_a_cursor_are_paginated():
    schemas = {
        "Thing": {"type": "object"},
        "ThingList": {
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                "has_more": {"type": "boolean"},
                "next_cursor": {"type": ["string", "null"]},
            },
        },
    }
    ok = {
        "200": {
            "description": "OK",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingList"}}},
        }
    }
    doc = _doc(
        {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "responses": ok,
                    "parameters": [{"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                }
            }
        },
        schemas,
    )
    api, _ = build_api(doc)
    assert api.operations[0].pagination is not None
    assert api.operations[0].pagination.item.annotation == "models.Thing"


def test_inline_bodies_are_hoisted_under_operation_names():
    body = {"content": {"application/json": {"schema": {"type": "object", "properties": {"a": {"type": "string"}}}}}}
    doc = _doc({"/a": {"post": _op(operationId="createThing", requestBody=body)}})
    api, registry = build_api(doc)
    assert api.operations[0].body is not None
    assert api.operations[0].body.type.annotation == "models.CreateThingRequest"
    assert "CreateThingRequest" in registry.dto_document()["components"]["schemas"]
