"""Resolve a split spec (root file + relative file refs) into one self-contained document.

Rules (documented for API designers in ``spec/README.md``):

* A ``$ref`` to another file whose target is registered in the root's ``components``
  (``components.schemas.Customer: {$ref: 'components/schemas/customers.yaml#/Customer'}``)
  becomes the internal ref ``#/components/schemas/Customer``.
* Any other file ref is inlined in place; a cycle through such inlined refs is a finding
  (register the target as a component to break it).
* Refs inside a referenced file are relative to that file (``#/Address`` means that file).
* Internal refs of the root file are kept as they are.

The result remembers where every subtree came from (a list of mounts) so any pointer of the
bundled document can be traced back to ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from generator.loading.pointers import MISSING, escape, resolve
from generator.loading.source import LoadError, SourceFile, SourceLocation, parse_source

__all__ = ["BundleProblem", "Bundled", "bundle_file"]

_Target = tuple[Path, str]


@dataclass(frozen=True, slots=True)
class BundleProblem:
    """A broken reference found while bundling (reported by ``validate`` as a finding)."""

    rule: str
    message: str
    location: SourceLocation
    pointer: str


@dataclass(slots=True)
class Bundled:
    """A bundled document with the sources it was made of."""

    data: Any
    root: SourceFile
    files: dict[Path, SourceFile]
    mounts: dict[str, tuple[Path, str]]
    problems: list[BundleProblem] = field(default_factory=list)


class _Bundler:
    def __init__(self, root_path: Path) -> None:
        self.root_path = root_path.resolve()
        self.files: dict[Path, SourceFile] = {}
        self.registry: dict[_Target, str] = {}
        self.mounts: dict[str, tuple[Path, str]] = {"": (self.root_path, "")}
        self.problems: list[BundleProblem] = []
        self.resolved: dict[tuple[Path, str], Path] = {}

    def source(self, path: Path) -> SourceFile:
        cached = self.files.get(path)
        if cached is None:
            cached = parse_source(path)
            self.files[path] = cached
        return cached

    def run(self) -> Bundled:
        root = self.source(self.root_path)
        if not isinstance(root.data, dict):
            raise LoadError("not an OpenAPI document: the top level must be a mapping", SourceLocation(root.display, 1))
        self._register_components(root)
        data = self._walk(root.data, self.root_path, "", "", ())
        return Bundled(data, root, self.files, self.mounts, self.problems)

    def _register_components(self, root: SourceFile) -> None:
        components = root.data.get("components")
        if not isinstance(components, dict):
            return
        for kind, entries in components.items():
            if not isinstance(entries, dict):
                continue
            for name, value in entries.items():
                if isinstance(value, dict) and isinstance(value.get("$ref"), str):
                    target = self._target(value["$ref"], self.root_path)
                    if target[0] != self.root_path:
                        self.registry.setdefault(target, f"#/components/{escape(kind)}/{escape(name)}")

    def _target(self, ref: str, current: Path) -> _Target:
        file_part, _, fragment = ref.partition("#")
        if not file_part:
            return current, unquote(fragment)
        key = (current, file_part)
        path = self.resolved.get(key)
        if path is None:  # Path.resolve() asks the file system; a spec repeats the same few refs
            path = self.resolved[key] = (current.parent / unquote(file_part)).resolve()
        return path, unquote(fragment)

    def _walk(self, node: Any, file: Path, src: str, out: str, stack: tuple[_Target, ...]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                siblings = {
                    k: self._walk(v, file, f"{src}/{escape(k)}", f"{out}/{escape(k)}", stack)
                    for k, v in node.items()
                    if k != "$ref"
                }
                resolved = self._ref(ref, file, src, out, stack)
                if siblings and isinstance(resolved, dict):
                    return {**resolved, **siblings}
                return resolved
            return {
                key: self._walk(value, file, f"{src}/{escape(key)}", f"{out}/{escape(key)}", stack)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [self._walk(item, file, f"{src}/{i}", f"{out}/{i}", stack) for i, item in enumerate(node)]
        return node

    def _ref(self, ref: str, file: Path, src: str, out: str, stack: tuple[_Target, ...]) -> Any:
        """Rewrite a ref to an internal one, or inline its target; ``{"$ref": ref}`` when broken."""
        target = self._target(ref, file)
        internal = self.registry.get(target)
        if file == self.root_path and ref.startswith("#"):
            internal = ref
        elif internal is None and target[0] == self.root_path:
            internal = "#" + target[1]
        if internal is not None and internal[1:] != out:
            return {"$ref": internal}
        location = SourceLocation(self.files[file].display, self.files[file].line_of(src))
        content = self._target_content(ref, target, location, out=out, stack=stack)
        if content is MISSING:
            return {"$ref": ref}
        self.mounts[out] = target
        return self._walk(content, target[0], target[1], out, (*stack, target))

    def _target_content(
        self, ref: str, target: _Target, location: SourceLocation, *, out: str, stack: tuple[_Target, ...]
    ) -> Any:
        if target in stack:
            self._problem(
                "ref-cycle",
                f"cyclic file reference {ref!r}: register its target in the root "
                "components so it becomes an internal $ref",
                location,
                out,
            )
            return MISSING
        try:
            source = self.source(target[0])
        except LoadError as exc:
            if exc.location is not None:
                raise
            self._problem("ref-unresolved", f"$ref {ref!r} points to a missing file ({exc.message})", location, out)
            return MISSING
        content = resolve(source.data, target[1])
        if content is MISSING:
            self._problem(
                "ref-unresolved",
                f"$ref {ref!r} points to nothing: {source.display} has no node at '{target[1] or '/'}'",
                location,
                out,
            )
        return content

    def _problem(self, rule: str, message: str, location: SourceLocation, pointer: str) -> None:
        self.problems.append(BundleProblem(rule, message, location, pointer))


def bundle_file(path: Path) -> Bundled:
    """Bundle the spec rooted at ``path``.

    Raises:
        LoadError: the root (or a referenced file) cannot be parsed at all.
    """
    return _Bundler(path).run()
