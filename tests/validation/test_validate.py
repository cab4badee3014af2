"""``validate_document``: each check reports the right rule at the right file and line."""

from __future__ import annotations

from pathlib import Path

from generator.loading import load_document
from generator.validation import validate_document

VALID = """\
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /things/{thing_id}:
    parameters:
      - {name: thing_id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
components:
  schemas:
    Thing:
      type: object
      properties:
        size: {type: integer, default: 3}
"""


def findings(tmp_path: Path, text: str) -> list[tuple[str, int]]:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(text)
    return [(f.rule, f.line) for f in validate_document(load_document(spec)).findings]


def test_a_valid_document_has_no_findings(tmp_path):
    assert findings(tmp_path, VALID) == []


def test_undeclared_path_parameter(tmp_path):
    text = VALID.replace(
        "      - {name: thing_id, in: path, required: true, schema: {type: string}}\n",
        "      - {name: other, in: query, schema: {type: string}}\n",
    )
    assert findings(tmp_path, text) == [("path-parameter-undeclared", 7)]


def test_declared_path_parameter_missing_from_the_template(tmp_path):
    text = VALID.replace("/things/{thing_id}:", "/things:")
    assert findings(tmp_path, text) == [("path-parameter-unused", 7)]


def test_duplicate_operation_id(tmp_path):
    text = VALID.replace(
        "components:",
        "  /other:\n    get:\n      operationId: getThing\n      responses: {'200': {description: ok}}\ncomponents:",
    )
    assert findings(tmp_path, text) == [("operation-id-duplicate", 17)]


def test_dangling_internal_ref_does_not_crash_the_validator(tmp_path):
    text = VALID.replace("#/components/schemas/Thing", "#/components/schemas/Nope")
    assert findings(tmp_path, text) == [("ref-unresolved", 14)]


def test_schema_errors_are_located_where_the_node_is_written_not_at_the_ref(tmp_path):
    text = VALID.replace("default: 3", "default: three")
    assert findings(tmp_path, text) == [("openapi-schema", 20)]


def test_invalid_type_name(tmp_path):
    text = VALID.replace("{type: integer, default: 3}", "{type: intger}")
    result = findings(tmp_path, text)
    assert result == [("openapi-schema", 20)]


def test_missing_required_top_level_field(tmp_path):
    text = VALID.replace("info: {title: t, version: '1'}\n", "")
    result = validate_document(load_document(_write(tmp_path, text))).findings
    assert [f.rule for f in result] == ["openapi-schema"]
    assert "info" in result[0].message


def test_duplicate_yaml_keys(tmp_path):
    text = VALID + "    Thing:\n      type: string\n"
    assert ("yaml-duplicate-key", 21) in findings(tmp_path, text)


def test_unsupported_openapi_version(tmp_path):
    text = VALID.replace("openapi: 3.1.0", "swagger: '2.0'")
    result = validate_document(load_document(_write(tmp_path, text))).findings
    assert [(f.rule, f.line) for f in result] == [("openapi-version", 1)]
    assert "3.0.x and 3.1.x" in result[0].message


def _write(tmp_path: Path, text: str) -> Path:
    spec = tmp_path / "openapi.yaml"
    spec.write_text(text)
    return spec
