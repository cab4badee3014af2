"""The check catalogue: every oasdiff id with its default level, family, direction and meaning.

Levels are oasdiff's (ERR/WARN/INFO mapped to error/warning/info). The engine proposes candidate ids
for what it saw (for example ``response-property-max-length-decreased``) and only ids that exist in
the catalogue are reported: that is how direction decides the verdict without hand-written tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from generator.diagnostics import Severity
from generator.diffing.catalogue_data import CATALOGUE_TSV

__all__ = ["Check", "catalogue", "level_of"]

_LEVELS = {"ERR": Severity.ERROR, "WARN": Severity.WARNING, "INFO": Severity.INFO}


@dataclass(frozen=True, slots=True)
class Check:
    """One oasdiff check id and what it means."""

    id: str
    level: Severity
    family: str
    direction: str
    location: str
    meaning: str

    @property
    def impact(self) -> str:
        """The bracketed impact at the end of the meaning (``"existing callers break"``)."""
        start = self.meaning.rfind("[")
        return self.meaning[start + 1 :].rstrip("]") if start >= 0 else ""

    @property
    def summary(self) -> str:
        """The meaning without its bracketed impact."""
        start = self.meaning.rfind("[")
        return (self.meaning[:start] if start >= 0 else self.meaning).strip()


@cache
def catalogue() -> dict[str, Check]:
    """All 509 checks by id, in oasdiff's order."""
    checks: dict[str, Check] = {}
    for line in CATALOGUE_TSV.splitlines():
        if not line.strip():
            continue
        ident, level, family, direction, location, meaning = line.split("\t")
        checks[ident] = Check(ident, _LEVELS[level], family, direction, location, meaning)
    return checks


def level_of(check_id: str) -> Severity:
    """The default level of a check id.

    Raises:
        KeyError: the id is not in the catalogue.
    """
    return catalogue()[check_id].level
