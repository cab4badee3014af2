"""Where the two documents come from: a file, a split spec, or ``git:REF:path`` (a committed version).

A git source is materialised with ``git archive`` into a temporary directory (the whole top-level
folder of the path, so refs of a split spec resolve), loaded with ``load_document``, and its source
locations are shown as ``REF:path:line`` instead of the temporary path.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from generator.diffing.model import Change, DiffResult
from generator.loading import LoadedDocument, LoadError, load_document
from generator.loading.pointers import MISSING, escape, resolve

__all__ = ["LoadedSource", "SourceError", "load_source", "relabel"]


class SourceError(Exception):
    """A spec cannot be used for a comparison (one line, names the file)."""


@dataclass(frozen=True, slots=True)
class LoadedSource:
    """A loaded document and how to show its locations."""

    document: LoadedDocument
    label: str
    display_prefix: str = ""
    display_as: str = ""


def _check(document: LoadedDocument, label: str) -> LoadedDocument:
    version = document.openapi_version
    if not version:
        swagger = " (Swagger 2.0 is not supported)" if "swagger" in document.data else ""
        raise SourceError(f"{label}: not an OpenAPI document: no 'openapi' field{swagger}")
    if not version.startswith(("3.0", "3.1")):
        raise SourceError(f"{label}: OpenAPI {version} is not supported (3.0 and 3.1 are)")
    if document.problems:
        problem = document.problems[0]
        more = f" (and {len(document.problems) - 1} more)" if len(document.problems) > 1 else ""
        raise SourceError(f"{problem.location}: {problem.message}{more}")
    broken = _first_broken_ref(document.data)
    if broken is not None:
        pointer, ref = broken
        raise SourceError(f"{document.locate(pointer)}: $ref {ref!r} points to nothing")
    return document


def _first_broken_ref(data: dict[str, Any]) -> tuple[str, str] | None:
    """The first internal ``$ref`` (pointer of the node, ref) that does not resolve, if any."""
    checked: dict[str, bool] = {}
    todo: list[tuple[Any, str]] = [(data, "")]
    while todo:
        node, pointer = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                if ref not in checked:
                    checked[ref] = resolve(data, ref[1:]) is not MISSING
                if not checked[ref]:
                    return pointer, ref
            todo.extend((value, f"{pointer}/{escape(str(key))}") for key, value in node.items())
        elif isinstance(node, list):
            todo.extend((value, f"{pointer}/{index}") for index, value in enumerate(node))
    return None


def load_source(spec: str, cwd: Path | None = None) -> LoadedSource:
    """Load a file, a split spec root, or ``git:REF:path``.

    Raises:
        SourceError: the spec cannot be read, is not OpenAPI 3.0/3.1, or has a ref that does not resolve.
    """
    if spec.startswith("git:"):
        return _load_git(spec, cwd or Path.cwd())
    path = Path(spec)
    try:
        document = load_document(path)
    except LoadError as exc:
        raise SourceError(str(exc)) from None
    except RecursionError:
        raise SourceError(f"{spec}: the document is nested too deeply to load") from None
    return LoadedSource(_check(document, spec), spec)


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise SourceError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SourceError(f"git {' '.join(args[:2])}: {message[-1] if message else 'failed'}")
    return done.stdout


def _load_git(spec: str, cwd: Path) -> LoadedSource:
    _, _, rest = spec.partition(":")
    ref, sep, path_text = rest.partition(":")
    if not sep or not ref or not path_text:
        raise SourceError(f"{spec}: expected git:REF:path (for example git:HEAD~1:spec/openapi.yaml)")
    top = _git(["rev-parse", "--show-toplevel"], cwd).decode().strip()
    prefix = _git(["rev-parse", "--show-prefix"], cwd).decode().strip()
    relative = PurePosixPath(prefix) / path_text if prefix else PurePosixPath(path_text)
    folder = relative.parts[0] if len(relative.parts) > 1 else "."
    archive = _git(["archive", "--format=tar", ref, "--", folder], Path(top))
    with tempfile.TemporaryDirectory(prefix="asteri-git-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        target = Path(tmp) / relative
        if not target.is_file():
            raise SourceError(f"{spec}: {relative} does not exist at {ref}")
        try:
            document = load_document(target)
        except LoadError as exc:
            raise SourceError(str(exc).replace(str(Path(tmp)) + "/", f"{ref}:")) from None
        return LoadedSource(_check(document, spec), spec, str(Path(tmp)) + "/", f"{ref}:")


def relabel(result: DiffResult, base: LoadedSource, revision: LoadedSource) -> DiffResult:
    """Show git sources as ``REF:path:line`` instead of their temporary files."""
    if not base.display_prefix and not revision.display_prefix:
        return result

    def fix(change: Change) -> Change:
        base_source, revision_source = change.base_source, change.revision_source
        if base.display_prefix:
            base_source = base_source.replace(base.display_prefix, base.display_as)
        if revision.display_prefix:
            revision_source = revision_source.replace(revision.display_prefix, revision.display_as)
        return replace(change, base_source=base_source, revision_source=revision_source)

    return DiffResult(tuple(fix(change) for change in result.changes))
