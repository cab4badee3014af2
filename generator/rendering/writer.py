"""Write output trees: only changed files are written; stale files under an owned root are deleted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["TreeDiff", "compare_tree", "write_tree"]

_IGNORED_PARTS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "build", "dist"})


@dataclass(frozen=True, slots=True)
class TreeDiff:
    """How a tree on disk differs from a fresh generation (relative paths, sorted)."""

    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def stale(self) -> tuple[str, ...]:
        """Every path that differs, sorted."""
        return tuple(sorted({*self.changed, *self.missing, *self.extra}))


def _owned_files(root: Path, owned: tuple[str, ...]) -> set[str]:
    if not root.is_dir():
        return set()
    found = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if (
            path.is_file()
            and not (set(rel.parts) & _IGNORED_PARTS)
            and not any(part.endswith(".egg-info") for part in rel.parts)
        ):
            name = rel.as_posix()
            if not owned or any(
                name == prefix or (prefix.endswith("/") and name.startswith(prefix)) for prefix in owned
            ):
                found.add(name)
    return found


def compare_tree(root: Path, files: dict[str, str], owned: tuple[str, ...] = ()) -> TreeDiff:
    """Compare the generator-owned files under ``root`` (all, or those under ``owned`` prefixes) with ``files``."""
    present = _owned_files(root, owned)
    changed = [p for p in files if p in present and (root / p).read_text(encoding="utf-8") != files[p]]
    missing = [p for p in files if p not in present]
    extra = [p for p in present if p not in files]
    return TreeDiff(tuple(sorted(changed)), tuple(sorted(missing)), tuple(sorted(extra)))


def write_tree(root: Path, files: dict[str, str], owned: tuple[str, ...] = ()) -> TreeDiff:
    """Bring ``root`` in line with ``files`` (deleting stale owned files); return what was changed."""
    diff = compare_tree(root, files, owned)
    for rel in (*diff.changed, *diff.missing):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(files[rel], encoding="utf-8")
    for rel in diff.extra:
        (root / rel).unlink()
    for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return diff
