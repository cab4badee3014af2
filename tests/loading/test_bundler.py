"""The bundler: registered components become internal refs, the rest is inlined, sources map back."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.loading import LoadError, dump_document, load_document

FIXTURES = Path(__file__).parent / "fixtures"
SPLIT = FIXTURES / "split" / "openapi.yaml"


def test_registered_targets_become_internal_refs():
    doc = load_document(SPLIT)
    thing = doc.data["paths"]["/things/{thing_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert thing["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert doc.data["paths"]["/things/{thing_id}"]["parameters"] == [{"$ref": "#/components/parameters/ThingId"}]


def test_unregistered_targets_are_inlined_and_recursive_components_stay_refs():
    doc = load_document(SPLIT)
    thing = doc.data["components"]["schemas"]["Thing"]
    assert thing["properties"]["size"] == {"type": "integer", "minimum": 0}
    assert thing["properties"]["tree"] == {"$ref": "#/components/schemas/Node"}
    node = doc.data["components"]["schemas"]["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Node"}
    assert doc.problems == []


def test_locate_maps_bundled_pointers_back_to_the_file_and_line_they_were_written_at():
    doc = load_document(SPLIT)
    size = doc.locate("/components/schemas/Thing/properties/size/minimum")
    assert size.file.endswith("components/schemas/things.yaml")
    assert size.line == 12
    op = doc.locate("/paths/~1things/get/operationId")
    assert op.file.endswith("paths/things.yaml")
    assert op.line == 3
    assert doc.locate("/info/title").line == 3


def test_bundle_output_is_deterministic_and_self_contained():
    first = dump_document(load_document(SPLIT).data)
    second = dump_document(load_document(SPLIT).data)
    assert first == second
    assert ".yaml#" not in first


def test_missing_root_file_is_a_load_error(tmp_path):
    with pytest.raises(LoadError, match="file not found"):
        load_document(tmp_path / "nope.yaml")


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\ninfo:\n  title: [unclosed\n  version: 1\n")
    with pytest.raises(LoadError) as caught:
        load_document(spec)
    assert caught.value.location is not None
    assert caught.value.location.file.endswith("openapi.yaml")
    assert caught.value.location.line >= 3
    assert "YAML syntax error" in str(caught.value)


def test_dangling_file_refs_and_missing_files_are_problems_not_crashes(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
        "    A: {$ref: 'missing.yaml#/A'}\n    B: {$ref: 'other.yaml#/Nope'}\n"
    )
    (tmp_path / "other.yaml").write_text("Yes: {type: string}\n")
    doc = load_document(spec)
    rules = sorted((p.rule, p.location.line) for p in doc.problems)
    assert rules == [("ref-unresolved", 6), ("ref-unresolved", 7)]
    assert "missing.yaml" in doc.problems[0].message or "missing.yaml" in doc.problems[1].message


def test_a_cycle_through_inlined_file_refs_is_reported(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    A:\n      type: object\n      properties:\n"
        "        loop: {$ref: 'loop.yaml#/L'}\n"
    )
    (tmp_path / "loop.yaml").write_text("L:\n  type: object\n  properties:\n    again: {$ref: '#/L'}\n")
    doc = load_document(spec)
    assert [p.rule for p in doc.problems] == ["ref-cycle"]
    assert doc.problems[0].location.file.endswith("loop.yaml")


def test_top_level_must_be_a_mapping(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text("- just\n- a list\n")
    with pytest.raises(LoadError, match="must be a mapping"):
        load_document(spec)
