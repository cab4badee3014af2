"""Cut a release: refuse breaking changes (unless a new major on a new base path), snapshot, changelog.

Rules: ``VERSION`` is semver and greater than the latest release; ``info.version`` equals ``VERSION``;
a revision that breaks the latest release needs a new major version whose base path carries
``/v<major>`` (and differs from the old one); the snapshot ``<releases>/<VERSION>.yaml`` must not exist.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from generator.diffing import DiffOptions, DiffResult, diff_documents
from generator.diffing.operations import base_path
from generator.loading import LoadedDocument, LoadError, dump_document, load_document
from generator.releasing.changelog import changelog_entry, prepend_entry
from generator.releasing.store import SEMVER, latest_release, version_key

__all__ = ["ReleaseError", "ReleaseOutcome", "compare_with_latest", "cut_release", "empty_document"]


class ReleaseError(Exception):
    """The release is refused; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class ReleaseOutcome:
    """What a release wrote (or would write)."""

    version: str
    previous: str
    snapshot: Path
    changelog: Path
    entry: str
    result: DiffResult


def empty_document(openapi: str) -> LoadedDocument:
    """A document with no operations (the base of a first release)."""
    with tempfile.TemporaryDirectory(prefix="asteri-empty-") as tmp:
        path = Path(tmp) / "empty.yaml"
        path.write_text(
            f"openapi: '{openapi or '3.1.0'}'\ninfo: {{title: empty, version: '0.0.0'}}\npaths: {{}}\n",
            encoding="utf-8",
        )
        return load_document(path)


def compare_with_latest(
    revision: LoadedDocument, releases_dir: Path, options: DiffOptions | None = None
) -> tuple[str, DiffResult]:
    """The latest released version (``""`` if none) and the diff from it to ``revision``."""
    latest = latest_release(releases_dir)
    if latest is None:
        return "", diff_documents(empty_document(revision.openapi_version), revision, options)
    try:
        base = load_document(latest[1])
    except LoadError as exc:
        raise ReleaseError(f"cannot read the latest release: {exc}") from None
    return latest[0], diff_documents(base, revision, options)


def _major_base_path(revision: LoadedDocument, previous_base: str, major: int) -> None:
    paths = revision.data.get("paths") or {}
    new_base = base_path(revision.data)
    marker = f"/v{major}"
    carried = (
        new_base.endswith(marker)
        or f"{marker}/" in new_base + "/"
        or (bool(paths) and all(f"{marker}/" in str(path) + "/" for path in paths))
    )
    if not carried or (new_base and new_base == previous_base):
        raise ReleaseError(
            f"a new major version must move the base path to '{marker}' "
            f"(servers url is '{new_base or '(none)'}'); never edit the previous major in place"
        )


def cut_release(
    revision: LoadedDocument,
    version: str,
    releases_dir: Path,
    changelog: Path,
    *,
    released: date | None = None,
    write: bool = True,
    options: DiffOptions | None = None,
) -> ReleaseOutcome:
    """Check the release rules, then write the snapshot and prepend the changelog entry.

    Raises:
        ReleaseError: a rule is broken (the message lists the breaking changes, if that is why).
    """
    if not SEMVER.match(version):
        raise ReleaseError(f"version {version!r} is not semver (MAJOR.MINOR.PATCH)")
    info_version = str((revision.data.get("info") or {}).get("version", ""))
    if info_version != version:
        raise ReleaseError(f"info.version is '{info_version}'; bump it to '{version}' in the spec before releasing")
    snapshot = releases_dir / f"{version}.yaml"
    if snapshot.exists():
        raise ReleaseError(f"{snapshot} already exists: version {version} was released")
    previous, result = compare_with_latest(revision, releases_dir, options)
    if previous:
        if version_key(version) <= version_key(previous):
            raise ReleaseError(f"version {version} must be greater than the latest release {previous}")
        breaking = result.breaking()
        new_major = version_key(version)[0] > version_key(previous)[0]
        if breaking and not new_major:
            listed = "; ".join(f"{change.operation or 'document'}: {change.id}" for change in breaking[:5])
            more = f" (and {len(breaking) - 5} more)" if len(breaking) > 5 else ""
            raise ReleaseError(
                f"{len(breaking)} breaking change(s) against {previous}: {listed}{more}. "
                f"Fix them, or release a new major version on a new base path"
            )
        if new_major:
            _major_base_path(
                revision, base_path(load_document(releases_dir / f"{previous}.yaml").data), version_key(version)[0]
            )
    entry = changelog_entry(result, version, released or date.today(), initial=not previous)
    if write:
        releases_dir.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(dump_document(revision.data), encoding="utf-8")
        existing = changelog.read_text(encoding="utf-8") if changelog.exists() else ""
        changelog.write_text(prepend_entry(existing, entry), encoding="utf-8")
    return ReleaseOutcome(version, previous, snapshot, changelog, entry, result)
