"""What a lint rule is: a stable id, a default severity, a one-line summary and a check."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from generator.diagnostics import Severity

if TYPE_CHECKING:
    from generator.linting.context import LintContext

__all__ = ["Check", "Hit", "Rule"]

Hit = tuple[str, str]
"""One problem a check found: ``(json_pointer, message saying how to fix it)``."""

Check = Callable[["LintContext"], Iterable[Hit]]
"""A rule's check: reads the shared context, yields hits; never raises on odd input."""

_KEBAB = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule of the API style guide.

    Attributes:
        id: Stable kebab-case id, used in findings and in ``[tool.asteri.lint]``.
        severity: Default severity (overridable per project).
        summary: One line for the docs and ``asteri lint --list-rules``.
        check: Yields ``(pointer, message)`` for every violation in a document.
    """

    id: str
    severity: Severity
    summary: str
    check: Check

    def __post_init__(self) -> None:
        if not _KEBAB.match(self.id):
            raise ValueError(f"rule id must be kebab-case: {self.id!r}")
