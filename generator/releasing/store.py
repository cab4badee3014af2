"""The release store: ``spec/releases/<version>.yaml``, one bundled contract per released version."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["SEMVER", "latest_release", "list_releases", "version_key"]

SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?$")


def version_key(version: str) -> tuple[int, int, int, int, str]:
    """Sort key for semver strings (a pre-release sorts before its release)."""
    match = SEMVER.match(version)
    if match is None:
        return (-1, -1, -1, -1, version)
    major, minor, patch, pre = match.groups()
    return (int(major), int(minor), int(patch), 0 if pre else 1, pre or "")


def list_releases(releases_dir: Path) -> list[tuple[str, Path]]:
    """Released versions and their files, oldest first (files not named by a semver are ignored)."""
    if not releases_dir.is_dir():
        return []
    found = [(path.stem, path) for path in releases_dir.glob("*.yaml") if SEMVER.match(path.stem)]
    return sorted(found, key=lambda item: version_key(item[0]))


def latest_release(releases_dir: Path) -> tuple[str, Path] | None:
    """The newest release, or ``None`` when nothing was released yet."""
    releases = list_releases(releases_dir)
    return releases[-1] if releases else None
