"""The docs engine on small inline specs: type labels, constraints, examples, and specs without our conventions."""

from __future__ import annotations

import json
from typing import Any

from generator.docs import build_site, build_view
from generator.docs.markdown import code_table, inline_html, markdown_html, plain_text
from generator.docs.schema_view import SchemaView

COMPONENTS: dict[str, Any] = {
    "Pet": {
        "type": "object",
        "required": ["id", "kind"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": "^pet_[0-9A-Z]{26}$", "example": "pet_01"},
            "kind": {"$ref": "#/components/schemas/Kind"},
            "nickname": {"type": ["string", "null"], "maxLength": 40},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}, "maxItems": 5},
            "owner": {"type": "object", "properties": {"name": {"type": "string", "description": "Who."}}},
            "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
            "either": {"anyOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "integer"}]},
        },
    },
    "Kind": {"type": "string", "enum": ["cat", "dog"], "default": "cat"},
}


def _text(parts) -> str:
    return "".join(p.text for p in parts)


def test_type_labels_link_named_schemas():
    view = SchemaView(COMPONENTS)
    props = COMPONENTS["Pet"]["properties"]
    assert _text(view.type_of(props["nickname"])) == "string | null"
    assert _text(view.type_of(props["tags"])) == "array of string"
    assert _text(view.type_of(props["extra"])) == "map of string to integer"
    either = view.type_of(props["either"])
    assert _text(either) == "Kind | integer"
    assert either[0].schema == "Kind"


def test_constraints_and_flattened_fields():
    view = SchemaView(COMPONENTS)
    fields = {f.name: f for f in view.fields({"$ref": "#/components/schemas/Pet"})}
    assert list(fields) == ["id", "kind", "nickname", "tags", "owner", "owner.name", "extra", "either"]
    assert fields["id"].required
    assert not fields["nickname"].required
    assert "pattern: `^pet_[0-9A-Z]{26}$`" in fields["id"].constraints
    assert fields["tags"].constraints == ("max items 5", "items: min length 1")
    assert fields["owner.name"].depth == 1
    assert fields["owner.name"].anchor == "owner-name"
    assert view.constraints(COMPONENTS["Kind"]) == ("one of `cat`, `dog`", 'default `"cat"`')
    assert "no other fields" in view.constraints(COMPONENTS["Pet"])


def test_examples_are_assembled_from_properties():
    view = SchemaView(COMPONENTS)
    assert view.example({"$ref": "#/components/schemas/Pet"}) == {"id": "pet_01", "kind": "cat"}
    assert json.loads(view.example_json({"type": "array", "items": {"type": "integer"}}) or "") == [0]


def test_markdown_escapes_raw_html_and_reads_code_tables():
    assert "<script>" not in markdown_html("Hi <script>alert(1)</script>")
    assert inline_html("use `x`") == "use <code>x</code>"
    assert plain_text("A [link](http://x) and `code`", 12) == "A link and…"
    assert code_table("| a | b |\n|---|---|\n| `gone` | 410 | Past sunset. |\n") == {"gone": ["410", "Past sunset."]}


def test_a_spec_without_tags_components_or_problem_codes_still_builds():
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "Tiny", "version": "0.1.0"},
        "paths": {
            "/ping": {
                "get": {
                    "operationId": "ping",
                    "summary": "Ping",
                    "responses": {"200": {"description": "Pong"}, "404": {"description": "No"}},
                }
            }
        },
    }
    site = build_site(spec)
    assert "reference/other/index.html" in site
    assert 'id="ping"' in site["reference/other/index.html"]
    api = build_view(spec)
    assert api.errors == ()
    assert api.operations[0].sdk is None
    assert api.server_url == "http://localhost:3000"
