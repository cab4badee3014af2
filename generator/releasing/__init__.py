"""Releases of the contract: snapshots under ``spec/releases/`` and the generated ``CHANGELOG.md`` entries."""

from __future__ import annotations

from generator.releasing.changelog import changelog_entry
from generator.releasing.release import ReleaseError, ReleaseOutcome, cut_release
from generator.releasing.store import latest_release, list_releases

__all__ = ["ReleaseError", "ReleaseOutcome", "changelog_entry", "cut_release", "latest_release", "list_releases"]
