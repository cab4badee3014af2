"""Turn a diff into a changelog entry: contract changes grouped as Added / Changed / Deprecated / Removed."""

from __future__ import annotations

from datetime import date

from generator.diffing.model import Change, DiffResult

__all__ = ["SECTIONS", "changelog_entry", "prepend_entry", "section_of"]

SECTIONS = ("Added", "Changed", "Deprecated", "Removed")
_SKIPPED = ("api-version-not-bumped", "api-version-decreased", "api-major-version-not-bumped")
_HEADER = "# Changelog"


def section_of(change: Change) -> str:
    """Which changelog section a change belongs to."""
    check_id = change.id
    if "deprecated" in check_id and "removed" not in check_id:
        return "Deprecated"
    if check_id.startswith(("new-", "endpoint-added", "webhook-added")) or check_id.endswith(
        ("-added", "-added-optional", "-added-required")
    ):
        return "Added"
    if "removed" in check_id or "deleted" in check_id:
        return "Removed"
    return "Changed"


def _line(change: Change) -> str:
    where = f"`{change.operation}`: " if change.operation else ""
    breaking = "**Breaking:** " if change.is_breaking else ""
    return f"- {breaking}{where}{change.text}"


def changelog_entry(result: DiffResult, version: str, released: date, *, initial: bool = False) -> str:
    """The markdown entry for one release (``## <version> - <date>`` then one list per section)."""
    lines = [f"## {version} - {released.isoformat()}", ""]
    if initial:
        operations = sum(1 for change in result.changes if change.id == "endpoint-added")
        lines += [f"Initial release of the contract: {operations} operation(s).", ""]
    grouped: dict[str, list[Change]] = {section: [] for section in SECTIONS}
    for change in result.changes:
        if change.id not in _SKIPPED:
            grouped[section_of(change)].append(change)
    if not any(grouped.values()):
        lines += ["No contract changes.", ""]
    for section in SECTIONS:
        if grouped[section]:
            lines += [f"### {section}", ""]
            ordered = sorted(
                grouped[section], key=lambda change: (not change.is_breaking, not change.operation, change.sort_key)
            )
            lines += [_line(change) for change in ordered]
            lines.append("")
    return "\n".join(lines)


def prepend_entry(existing: str, entry: str) -> str:
    """``existing`` CHANGELOG.md text with ``entry`` inserted as the newest release (under the title)."""
    entry = entry.rstrip("\n") + "\n"
    if not existing.strip():
        return f"{_HEADER}\n\n{entry}"
    if existing.startswith(_HEADER):
        head, _, rest = existing.partition("\n")
        body = rest.lstrip("\n")
        intro, marker, releases = body.partition("\n## ")
        if body.startswith("## "):
            return f"{head}\n\n{entry}\n{body}"
        if marker:
            return f"{head}\n\n{intro.rstrip()}\n\n{entry}\n## {releases}"
        return f"{head}\n\n{body.rstrip()}\n\n{entry}"
    return f"{_HEADER}\n\n{entry}\n{existing}"
