"""Fixtures: the golden mini spec generated once per session under test-only package names."""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from generator.codegen import generate_trees, write_trees
from generator.ir import BuildOptions
from generator.loading import load_document

GOLDEN = Path(__file__).parent / "golden"
# The DTO cache lives in a throwaway folder during tests (never the user's ~/.cache).
os.environ.setdefault("ASTERI_CACHE_DIR", tempfile.mkdtemp(prefix="asteri-test-cache-"))
SERVER_PACKAGE = "mini_server"
SDK_PACKAGE = "mini_sdk"


@dataclass
class MiniPackages:
    root: Path
    server_models: ModuleType
    server: ModuleType
    sdk: ModuleType


@pytest.fixture(scope="session")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniPackages]:
    root = tmp_path_factory.mktemp("mini")
    doc = load_document(GOLDEN / "basic" / "openapi.yaml")
    options = BuildOptions(package=SDK_PACKAGE, server_package=SERVER_PACKAGE, client_class="Asteri")
    write_trees(generate_trees(doc.data, options=options), root)
    sys.path[:0] = [str(root), str(root / "sdk")]
    try:
        yield MiniPackages(
            root,
            importlib.import_module(f"{SERVER_PACKAGE}.models"),
            importlib.import_module(f"{SERVER_PACKAGE}.server"),
            importlib.import_module(SDK_PACKAGE),
        )
    finally:
        sys.path.remove(str(root))
        sys.path.remove(str(root / "sdk"))
