"""Findings are data: the one record every engine (validate, lint) returns, and its summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Report", "Severity"]


class Severity(StrEnum):
    """How much a finding matters; ``ERROR`` fails the command."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe (for sorting and ``--fail-on`` thresholds)."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a spec: which rule, how bad, how to fix it, and where."""

    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    pointer: str

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON-ready dict (``severity`` as its string value)."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        """Findings are listed by file, line, then rule."""
        return (self.file, self.line, self.rule, self.pointer)


@dataclass(frozen=True, slots=True)
class Report:
    """The findings of one run, sorted, with counts per severity."""

    findings: tuple[Finding, ...]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Report:
        """Build a report with findings sorted and exact duplicates dropped."""
        return cls(tuple(sorted(set(findings), key=lambda f: f.sort_key)))

    def count(self, severity: Severity) -> int:
        """How many findings have exactly this severity."""
        return sum(1 for finding in self.findings if finding.severity is severity)

    @property
    def summary(self) -> dict[str, int]:
        """Counts per severity plus the total."""
        counts = Counter(finding.severity.value for finding in self.findings)
        return {
            "error": counts["error"],
            "warning": counts["warning"],
            "info": counts["info"],
            "total": len(self.findings),
        }

    def has_errors(self) -> bool:
        """Whether any finding is an error."""
        return any(finding.severity is Severity.ERROR for finding in self.findings)

    def to_json(self) -> dict[str, Any]:
        """``{"findings": [...], "summary": {...}}``."""
        return {"findings": [finding.to_json() for finding in self.findings], "summary": self.summary}
