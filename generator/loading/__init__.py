"""Read specs: YAML/JSON parsing with line numbers, $ref bundling, and the source map."""

from __future__ import annotations

from generator.loading.bundler import BundleProblem
from generator.loading.document import LoadedDocument, dump_document, load_document
from generator.loading.source import LoadError, SourceLocation

__all__ = ["BundleProblem", "LoadError", "LoadedDocument", "SourceLocation", "dump_document", "load_document"]
