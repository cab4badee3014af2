"""The engine: severity overrides, unknown rule ids, robustness on odd documents, 3.0 handling."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from generator.diagnostics import Finding, Report, Severity
from generator.linting import RULES, lint_document
from generator.loading import load_document
from tests.linting.helpers import FIXTURES

BAD_IDS = FIXTURES / "operation-id-unique" / "bad.yaml"


def _write(tmp_path: Path, text: str, name: str = "openapi.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _of(report: Report, rule_id: str) -> list[Finding]:
    return [finding for finding in report.findings if finding.rule == rule_id]


def test_defaults_apply_without_overrides():
    report = lint_document(load_document(BAD_IDS))
    assert {f.severity for f in _of(report, "operation-id-unique")} == {Severity.ERROR}


def test_override_error_to_warning():
    report = lint_document(load_document(BAD_IDS), {"operation-id-unique": "warning"})
    found = _of(report, "operation-id-unique")
    assert found
    assert {f.severity for f in found} == {Severity.WARNING}


def test_override_to_info():
    report = lint_document(load_document(BAD_IDS), {"operation-id-unique": "info"})
    assert {f.severity for f in _of(report, "operation-id-unique")} == {Severity.INFO}


def test_off_removes_the_rule_findings_only():
    document = load_document(BAD_IDS)
    report = lint_document(document, {"operation-id-unique": "off"})
    assert _of(report, "operation-id-unique") == []
    assert _of(report, "operation-summary")  # other rules still run


def test_unknown_rule_id_raises_naming_it_and_listing_known_ones():
    with pytest.raises(ValueError, match="no-such-rule") as caught:
        lint_document(load_document(BAD_IDS), {"no-such-rule": "off"})
    assert "operation-id-unique" in str(caught.value)
    assert "request-body-strict" in str(caught.value)


def test_unknown_severity_raises():
    with pytest.raises(ValueError, match="fatal"):
        lint_document(load_document(BAD_IDS), {"operation-id-unique": "fatal"})


def test_report_is_sorted_by_line():
    report = lint_document(load_document(BAD_IDS))
    lines = [f.line for f in report.findings]
    assert lines == sorted(lines)


def test_odd_shapes_do_not_crash(tmp_path):
    path = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: odd, version: '1'}
        tags: not-a-list
        security: [1, {apiKey: nope}]
        paths:
          /a:
            get: 7
            post:
              parameters: [1, {$ref: '#/nowhere'}, {name: x}]
              requestBody: {$ref: '#/components/requestBodies/Missing'}
              responses: [1, 2]
            put:
              tags: [1, 2]
              responses:
                '200': {$ref: 'other.yaml#/x'}
                '400': 3
          /b: {$ref: '#/paths/~1b'}
          /c: null
        components:
          schemas:
            Loop: {$ref: '#/components/schemas/Loop'}
            A: {allOf: [{$ref: '#/components/schemas/B'}], properties: 5}
            B: {allOf: [{$ref: '#/components/schemas/A'}], enum: 3, example: {x: 1}}
            C: {type: object, properties: {child: {$ref: '#/components/schemas/C'}}, example: {child: {}}}
            D: [1, 2]
          parameters: 4
    """,
    )
    report = lint_document(load_document(path))
    assert [f for f in report.findings if "internal error" in f.message] == []


def test_a_crashing_rule_becomes_one_finding_not_a_crash(monkeypatch):
    from generator import linting
    from generator.linting.model import Rule

    def explode(context):
        raise RuntimeError("boom")

    broken = Rule("broken-rule", Severity.ERROR, "Always crashes.", explode)
    monkeypatch.setattr(linting, "RULES", (*RULES, broken))
    report = linting.lint_document(load_document(BAD_IDS))
    crashed = _of(report, "broken-rule")
    assert len(crashed) == 1
    assert "internal error" in crashed[0].message
    assert "boom" in crashed[0].message


def test_30_examples_understand_nullable(tmp_path):
    path = _write(
        tmp_path,
        """
        openapi: 3.0.3
        info: {title: three-oh, version: '1'}
        paths: {}
        components:
          schemas:
            Customer:
              type: object
              properties:
                company: {type: string, nullable: true, example: null}
                status: {type: string, enum: [active], nullable: true, example: null}
                parent:
                  nullable: true
                  allOf: [{$ref: '#/components/schemas/Customer'}]
                  example: null
                count: {type: integer, minimum: 0, exclusiveMinimum: true, example: 0}
    """,
    )
    report = lint_document(load_document(path))
    assert [(f.pointer, f.line) for f in _of(report, "example-valid")] == [
        ("/components/schemas/Customer/properties/count/example", 16),
    ]


def test_nullable_keyword_is_fine_in_30(tmp_path):
    path = _write(
        tmp_path,
        """
        openapi: 3.0.3
        info: {title: three-oh, version: '1'}
        paths: {}
        components:
          schemas:
            Customer: {type: object, properties: {company: {type: string, nullable: true}}}
    """,
    )
    assert _of(lint_document(load_document(path)), "no-nullable-keyword") == []


def test_split_spec_findings_point_at_the_file_they_were_written_in(tmp_path):
    _write(
        tmp_path,
        """
        Customer:
          type: object
          properties:
            createdAt: {type: string}
    """,
        "customers.yaml",
    )
    root = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: split, version: '1'}
        paths: {}
        components:
          schemas:
            Customer: {$ref: 'customers.yaml#/Customer'}
    """,
    )
    found = _of(lint_document(load_document(root)), "property-snake-case")
    assert [(Path(f.file).name, f.line) for f in found] == [("customers.yaml", 5)]


def test_lint_ignore_extension_silences_the_listed_rules_below_the_node(tmp_path):
    path = _write(
        tmp_path,
        """
        openapi: 3.1.0
        info: {title: ignore, version: '1'}
        paths:
          /a:
            x-asteri-lint-ignore: [operation-summary]
            get:
              x-asteri-lint-ignore: [operation-description]
              responses: {'200': {description: ok}}
          /b:
            get:
              responses: {'200': {description: ok}}
    """,
    )
    report = lint_document(load_document(path))
    assert [f.pointer for f in _of(report, "operation-summary")] == ["/paths/~1b/get"]
    assert [f.pointer for f in _of(report, "operation-description")] == ["/paths/~1b/get"]
    assert len(_of(report, "operation-sdk-method")) == 2
