"""``docs/lint-rules.md`` is generated from RULES and must not go stale."""

from __future__ import annotations

from generator.linting import RULES
from generator.linting.docs import DOC_PATH, REGENERATE, render_rules_markdown


def test_rules_doc_is_up_to_date():
    expected = render_rules_markdown(RULES)
    current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.is_file() else ""
    assert current == expected, f"docs/lint-rules.md is stale; regenerate it with: {REGENERATE}"


def test_rules_doc_lists_every_rule_with_its_default():
    text = render_rules_markdown(RULES)
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.severity.value} |" in text
