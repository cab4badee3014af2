"""Breaking-change detection between two OpenAPI documents, in oasdiff's language (ids and levels).

``diff_documents(base, revision)`` returns a :class:`DiffResult` of :class:`Change` records; the
``policy`` module applies user overrides; ``render`` formats a result; ``sources`` resolves the
``git:REF:path`` and release specs the CLI accepts.
"""

from __future__ import annotations

from generator.diffing.catalogue import Check, catalogue
from generator.diffing.engine import diff_documents
from generator.diffing.model import Change, DiffOptions, DiffResult
from generator.diffing.policy import Policy, PolicyError, parse_ignores, parse_severity_levels

__all__ = [
    "Change",
    "Check",
    "DiffOptions",
    "DiffResult",
    "Policy",
    "PolicyError",
    "catalogue",
    "diff_documents",
    "parse_ignores",
    "parse_severity_levels",
]
