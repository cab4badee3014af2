"""Run the rules over a document and turn their hits into located, severity-resolved findings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from generator.diagnostics import Finding, Report, Severity
from generator.linting.context import LintContext
from generator.linting.model import Rule
from generator.linting.suppression import Suppressions
from generator.loading import LoadedDocument

__all__ = ["OFF", "resolve_severities", "run_rules"]

OFF = "off"
_CHOICES = {"error", "warning", "info", OFF}


def resolve_severities(rules: Iterable[Rule], overrides: Mapping[str, str] | None) -> dict[str, str]:
    """Each rule's effective severity: its default, or the project's override.

    Raises:
        ValueError: an override names an unknown rule or an unknown severity.
    """
    effective = {rule.id: rule.severity.value for rule in rules}
    for rule_id, severity in (overrides or {}).items():
        if rule_id not in effective:
            known = ", ".join(sorted(effective))
            raise ValueError(f"unknown lint rule {rule_id!r} in [tool.asteri.lint]; known rules: {known}")
        if severity not in _CHOICES:
            raise ValueError(f"[tool.asteri.lint] {rule_id} = {severity!r}: use one of error, warning, info, off")
        effective[rule_id] = severity
    return effective


def run_rules(document: LoadedDocument, rules: Iterable[Rule], severities: Mapping[str, str]) -> Report:
    """Run every rule that is not ``off``; a rule that crashes becomes one finding, not a crash.

    Hits under a node whose ``x-asteri-lint-ignore`` lists the rule are dropped.
    """
    context = LintContext(document)
    suppressions = Suppressions(context.data)
    findings: list[Finding] = []
    for rule in rules:
        level = severities.get(rule.id, rule.severity.value)
        if level == OFF:
            continue
        severity = Severity(level)
        try:
            hits = list(rule.check(context))
        except Exception as exc:
            hits = [
                (
                    "",
                    f"internal error in rule {rule.id} ({type(exc).__name__}: {exc}); "
                    "this is a bug in asteri, please report it with the spec",
                )
            ]
        for pointer, message in hits:
            if suppressions.silenced(rule.id, pointer):
                continue
            where = document.locate(pointer)
            findings.append(Finding(rule.id, severity, message, where.file, where.line, pointer))
    return Report.of(findings)
