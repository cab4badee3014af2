"""``uniqueItems`` is enforced by the generated DTOs (datamodel-code-generator drops it)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from generator.codegen.dto import dtos_from_document


def _models() -> dict[str, Any]:
    document = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "0"},
        "paths": {},
        "components": {
            "schemas": {
                "Point": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]},
                "Shape": {
                    "type": "object",
                    "required": ["names"],
                    "properties": {
                        "names": {"type": "array", "items": {"type": "string"}, "uniqueItems": True, "maxItems": 5},
                        "points": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Point"},
                            "uniqueItems": True,
                        },
                        "loose": {"type": "array", "items": {"type": "string"}},
                    },
                },
            }
        },
    }
    module = dtos_from_document(document, ("Point", "Shape"))
    namespace: dict[str, Any] = {}
    exec(compile(module.source, "<dto>", "exec"), namespace)  # the generated module under test
    for name in ("Point", "Shape"):
        namespace[name].model_rebuild(_types_namespace=namespace)
    return namespace


def test_repeated_items_are_refused_with_the_index_of_the_repeat() -> None:
    shape = _models()["Shape"]
    with pytest.raises(ValidationError) as caught:
        shape.model_validate({"names": ["a", "b", "a"]})
    [error] = caught.value.errors()
    assert error["loc"] == ("names",)
    assert error["type"] == "unique_items"
    assert error["msg"] == "List should have unique items; item 2 repeats an earlier one"


def test_objects_are_compared_as_json_values() -> None:
    shape = _models()["Shape"]
    with pytest.raises(ValidationError):
        shape.model_validate({"names": ["a"], "points": [{"x": 1}, {"x": 1}]})
    assert len(shape.model_validate({"names": ["a"], "points": [{"x": 1}, {"x": 2}]}).points) == 2


def test_unique_lists_keep_their_order_and_other_constraints_still_apply() -> None:
    shape = _models()["Shape"]
    assert shape.model_validate({"names": ["b", "a"], "loose": ["x", "x"]}).names == ["b", "a"]
    assert shape.model_validate({"names": []}).names == []
    with pytest.raises(ValidationError):
        shape.model_validate({"names": list("abcdef")})  # maxItems
