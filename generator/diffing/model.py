"""Findings are data: one :class:`Change` per detected difference, and the :class:`DiffResult` of a run."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from generator.diagnostics import Severity

__all__ = ["Change", "DiffOptions", "DiffResult", "fingerprint_of"]


def fingerprint_of(check_id: str, operation: str, location: str, detail: str = "") -> str:
    """A stable key for one change: the id, the operation (path params anonymised), the location and detail.

    Line numbers are left out on purpose so that unrelated edits do not change the key of an
    ignored change; ``detail`` tells apart several changes of one kind at one place (two enum values).
    """
    key = f"{check_id}|{operation}|{location}|{detail}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Change:
    """One difference between the base and the revision, with oasdiff's id and level.

    Attributes:
        id: the oasdiff check id.
        level: the (possibly overridden) level.
        operation: ``"GET /api/public/v1/customers"``; ``""`` for document-level changes.
        operation_id: the operationId (revision's, else base's), ``""`` when none.
        path: the path template as written in the revision (or the base when removed).
        location: where in the operation, in words (``"request body property 'name'"``).
        text: what changed, one sentence.
        why: for breaking changes, why it breaks callers (one sentence), else ``""``.
        base_source: ``file:line`` in the base, ``""`` when the node does not exist there.
        revision_source: ``file:line`` in the revision, ``""`` when the node does not exist there.
        component: the shared component the change was found in (``"Customer"``), ``""`` if inline.
        fingerprint: stable key for ignoring this change.
    """

    id: str
    level: Severity
    operation: str
    operation_id: str
    path: str
    location: str
    text: str
    why: str = ""
    base_source: str = ""
    revision_source: str = ""
    component: str = ""
    fingerprint: str = ""

    @property
    def is_breaking(self) -> bool:
        """Breaking in oasdiff's sense: error or warning."""
        return self.level is not Severity.INFO

    def with_level(self, level: Severity) -> Change:
        """The same change at another level."""
        return replace(self, level=level)

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        """Changes are listed by path, operation, location, id."""
        return (self.path, self.operation, self.location, self.id)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of one change."""
        return {
            "id": self.id,
            "level": self.level.value,
            "operation": self.operation,
            "operation_id": self.operation_id,
            "path": self.path,
            "location": self.location,
            "text": self.text,
            "why": self.why,
            "component": self.component,
            "base_source": self.base_source,
            "revision_source": self.revision_source,
            "fingerprint": self.fingerprint,
        }


@dataclass(frozen=True, slots=True)
class DiffOptions:
    """Knobs of one comparison.

    Attributes:
        today: the date sunsets are compared with (injectable for tests).
        deprecation_days_stable: minimum days between deprecation and sunset for stable operations (0: off).
        deprecation_days_beta: the same for beta operations (0: off).
        include_path_params: path-parameter names matter when matching endpoints.
    """

    today: date = field(default_factory=date.today)
    deprecation_days_stable: int = 0
    deprecation_days_beta: int = 0
    include_path_params: bool = False


@dataclass(frozen=True, slots=True)
class DiffResult:
    """All the changes of one comparison, sorted."""

    changes: tuple[Change, ...]

    def count(self, level: Severity) -> int:
        """How many changes have exactly this level."""
        return sum(1 for change in self.changes if change.level is level)

    @property
    def summary(self) -> dict[str, int]:
        """Counts per level."""
        counts = Counter(change.level.value for change in self.changes)
        return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}

    def breaking(self) -> tuple[Change, ...]:
        """The error and warning changes."""
        return tuple(change for change in self.changes if change.is_breaking)

    def at_or_above(self, level: Severity) -> tuple[Change, ...]:
        """The changes at ``level`` or more severe."""
        return tuple(change for change in self.changes if change.level.rank >= level.rank)

    def to_json(self) -> dict[str, Any]:
        """``{"changes": [...], "summary": {...}}``."""
        return {"changes": [change.to_json() for change in self.changes], "summary": self.summary}
