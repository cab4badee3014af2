"""Every rule against its fixtures: ``bad.yaml`` gives exactly the marked findings, ``good.yaml`` none."""

from __future__ import annotations

import pytest

from generator.diagnostics import Severity
from generator.linting import RULES
from tests.linting.helpers import FIXTURES, expected_hits, hits_of, lint_file

RULE_IDS = [rule.id for rule in RULES]


def test_every_rule_has_a_good_and_a_bad_fixture():
    missing = [
        f"{rule_id}/{name}"
        for rule_id in RULE_IDS
        for name in ("bad.yaml", "good.yaml")
        if not (FIXTURES / rule_id / name).is_file()
    ]
    assert missing == []


def test_no_fixture_folder_without_a_rule():
    folders = {path.name for path in FIXTURES.iterdir() if path.is_dir() and not path.name.startswith("_")}
    assert folders - set(RULE_IDS) == set()


def test_rule_ids_are_unique():
    assert len(RULE_IDS) == len(set(RULE_IDS))


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixture_gives_exactly_the_marked_findings(rule_id):
    path = FIXTURES / rule_id / "bad.yaml"
    expected = expected_hits(path)
    assert expected, f"{path} marks no expected finding (add `# expect: <pointer>` comments)"
    report = lint_file(path)
    assert hits_of(report, rule_id) == expected
    rule = next(rule for rule in RULES if rule.id == rule_id)
    for finding in report.findings:
        if finding.rule == rule_id:
            assert finding.severity is rule.severity
            assert finding.file.endswith("bad.yaml")
            assert "internal error" not in finding.message


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixture_gives_no_finding_for_its_rule(rule_id):
    report = lint_file(FIXTURES / rule_id / "good.yaml")
    assert [f for f in report.findings if f.rule == rule_id] == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_no_rule_crashes_on_any_fixture(rule_id):
    report = lint_file(FIXTURES / rule_id / "bad.yaml")
    assert [f for f in report.findings if "internal error" in f.message] == []


def test_messages_say_how_to_fix():
    report = lint_file(FIXTURES / "request-body-strict" / "bad.yaml")
    messages = [f.message for f in report.findings if f.rule == "request-body-strict"]
    assert any("add `additionalProperties: false`" in message for message in messages)


def test_default_severities():
    severities = {rule.id: rule.severity for rule in RULES}
    assert severities["operation-description"] is Severity.WARNING
    assert severities["no-unused-components"] is Severity.WARNING
    assert severities["operation-id-unique"] is Severity.ERROR


def test_a_document_following_every_convention_has_no_findings():
    report = lint_file(FIXTURES / "_clean" / "openapi.yaml")
    assert [(f.rule, f.pointer, f.message) for f in report.findings] == []
