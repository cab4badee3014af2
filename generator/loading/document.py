"""The loaded document every engine works on: bundled data plus a way back to file:line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.loading.bundler import Bundled, BundleProblem, bundle_file
from generator.loading.source import SourceLocation

__all__ = ["LoadedDocument", "dump_document", "load_document"]

_Dumper: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(slots=True)
class LoadedDocument:
    """A self-contained OpenAPI document (internal refs only) and its source map."""

    data: dict[str, Any]
    path: Path
    bundled: Bundled
    problems: list[BundleProblem] = field(default_factory=list)

    @property
    def root_display(self) -> str:
        """The root file as shown in messages."""
        return self.bundled.root.display

    def locate(self, pointer: str) -> SourceLocation:
        """Where the node at ``pointer`` of the bundled document was written."""
        mounts = self.bundled.mounts
        probe = pointer
        while probe not in mounts:
            probe = probe.rsplit("/", 1)[0] if probe else ""
        file, src = mounts[probe]
        source = self.bundled.files[file]
        return SourceLocation(source.display, source.line_of(src + pointer[len(probe) :]))

    @property
    def openapi_version(self) -> str:
        """The ``openapi`` field (``""`` when absent)."""
        return str(self.data.get("openapi", ""))


def load_document(path: str | Path) -> LoadedDocument:
    """Load and bundle a spec from ``path`` (a single file or the root of a split spec).

    Raises:
        LoadError: the document cannot be read at all.
    """
    bundled = bundle_file(Path(path))
    return LoadedDocument(bundled.data, bundled.root.path, bundled, list(bundled.problems))


def dump_document(data: dict[str, Any], fmt: str = "yaml") -> str:
    """Serialize a bundled document deterministically (source key order, no timestamps)."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False
    )
    return text
