"""What the user decided about changes: per-check level overrides, ignores, and path filters.

Severity file: one ``check-id error|warning|info|none`` per line (oasdiff's ``ERR|WARN|INFO`` too);
``none`` drops the check. Ignore file: one entry per line, either a change fingerprint, or a check id
followed by an optional METHOD and a path glob (``request-parameter-removed GET /customers/*``).
Blank lines and ``#`` comments are skipped in both.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from generator.diagnostics import Severity
from generator.diffing.catalogue import catalogue
from generator.diffing.model import Change, DiffResult

__all__ = ["IgnoreRule", "Policy", "PolicyError", "parse_ignores", "parse_severity_levels"]

_LEVEL_WORDS = {
    "error": Severity.ERROR,
    "err": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "info": Severity.INFO,
    "none": None,
}
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")
_METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}


class PolicyError(ValueError):
    """A severity or ignore file cannot be used (the message names file and line)."""


def _lines(path: Path) -> list[tuple[int, str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read ({exc.strerror})") from exc
    result = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if line:
            result.append((number, line))
    return result


def parse_severity_levels(path: Path) -> dict[str, Severity | None]:
    """Parse a severity-levels file into ``{check_id: level or None (disabled)}``."""
    levels: dict[str, Severity | None] = {}
    known = catalogue()
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) != 2 or parts[1].lower() not in _LEVEL_WORDS:
            raise PolicyError(f"{path}:{number}: expected 'check-id error|warning|info|none', got {line!r}")
        if parts[0] not in known:
            raise PolicyError(f"{path}:{number}: unknown check id {parts[0]!r}")
        levels[parts[0]] = _LEVEL_WORDS[parts[1].lower()]
    return levels


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One ignore entry: a fingerprint, or an id with an optional method and path glob."""

    fingerprint: str = ""
    check_id: str = ""
    method: str = ""
    path_glob: str = ""

    def matches(self, change: Change) -> bool:
        """Whether the change is ignored by this entry."""
        if self.fingerprint:
            return change.fingerprint == self.fingerprint
        if change.id != self.check_id:
            return False
        method, _, path = change.operation.partition(" ")
        if self.method and method != self.method:
            return False
        return (
            not self.path_glob
            or fnmatch.fnmatchcase(path, self.path_glob)
            or fnmatch.fnmatchcase(change.path, self.path_glob)
        )


def parse_ignores(path: Path) -> list[IgnoreRule]:
    """Parse an ignore file."""
    rules: list[IgnoreRule] = []
    known = catalogue()
    for number, line in _lines(path):
        parts = line.split()
        if len(parts) == 1 and _FINGERPRINT.match(parts[0]):
            rules.append(IgnoreRule(fingerprint=parts[0]))
            continue
        if parts[0] not in known:
            raise PolicyError(f"{path}:{number}: expected a fingerprint or 'check-id [METHOD] [PATH]', got {line!r}")
        method = parts[1].upper() if len(parts) > 1 and parts[1].upper() in _METHODS else ""
        rest = parts[2:] if method else parts[1:]
        if len(rest) > 1:
            raise PolicyError(f"{path}:{number}: too many fields in {line!r}")
        rules.append(IgnoreRule(check_id=parts[0], method=method, path_glob=rest[0] if rest else ""))
    return rules


@dataclass(frozen=True, slots=True)
class Policy:
    """Overrides and filters applied to a :class:`DiffResult` after the comparison."""

    levels: dict[str, Severity | None]
    ignores: tuple[IgnoreRule, ...] = ()
    match_path: re.Pattern[str] | None = None

    def apply(self, result: DiffResult) -> DiffResult:
        """The result with levels overridden, disabled checks and ignored changes dropped, paths narrowed."""
        kept: list[Change] = []
        for change in result.changes:
            if self.match_path is not None and not change.path:
                continue
            if self.match_path is not None and not (
                self.match_path.search(change.path) or self.match_path.search(change.operation)
            ):
                continue
            if change.id in self.levels:
                level = self.levels[change.id]
                if level is None:
                    continue
                change = change.with_level(level)  # noqa: PLW2901
            if any(rule.matches(change) for rule in self.ignores):
                continue
            kept.append(change)
        return DiffResult(tuple(kept))
