"""The lint engine: our API style guide as rules over a loaded document (``asteri lint``).

Usage::

    report = lint_document(load_document("spec/openapi.yaml"), {"operation-description": "off"})

Each rule lives in ``generator/linting/rules/<rule_id>.py`` and exposes ``RULE``; the engine
builds one shared :class:`~generator.linting.context.LintContext` per run, so the operations
list, the ``$ref`` resolver and the request/response schema walk are computed once.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.diagnostics import Report
from generator.linting.engine import resolve_severities, run_rules
from generator.linting.model import Rule
from generator.linting.rules import RULES
from generator.loading import LoadedDocument

__all__ = ["RULES", "Rule", "lint_document"]


def lint_document(document: LoadedDocument, severities: Mapping[str, str] | None = None) -> Report:
    """Lint a loaded document with every rule.

    Args:
        document: The bundled document (from :func:`generator.loading.load_document`).
        severities: Rule id -> ``"error" | "warning" | "info" | "off"`` (``[tool.asteri.lint]``).

    Returns:
        The findings, sorted by file and line, each with the rule's effective severity.

    Raises:
        ValueError: ``severities`` names an unknown rule (the message lists the known ones)
            or an unknown severity.
    """
    effective = resolve_severities(RULES, severities)
    return run_rules(document, RULES, effective)
