"""Fixtures for the docs portal tests: the bundled spec and one build of the site per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.docs import build_site
from generator.loading import load_document

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "openapi.yaml"


@pytest.fixture(scope="session")
def spec_data() -> dict[str, Any]:
    doc = load_document(SPEC)
    assert not doc.problems, doc.problems
    return doc.data


@pytest.fixture(scope="session")
def changelog_text() -> str:
    path = ROOT / "CHANGELOG.md"
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@pytest.fixture(scope="session")
def site(spec_data: dict[str, Any], changelog_text: str) -> dict[str, str]:
    return build_site(spec_data, changelog_text=changelog_text)


@pytest.fixture(scope="session")
def site_dir(site: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs_site")
    for rel, text in site.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
