"""``asteri docs build``: writes the site, ``--check`` fails on drift, and the committed site is current."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from generator.cli import docs
from generator.docs import DEFAULT_SITE_DIR, build_site
from generator.rendering.writer import compare_tree
from tests.docs.conftest import ROOT, SPEC


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _main() -> None:
        """Test app."""

    docs.register(app)
    return app


def _run(app, *args: str):
    return CliRunner().invoke(app, ["docs", "build", "--spec", str(SPEC), *args])


def test_build_then_check_then_drift(app, tmp_path):
    out = tmp_path / "site"
    result = _run(app, "-o", str(out), "--changelog", str(tmp_path / "missing.md"))
    assert result.exit_code == 2
    assert "no such changelog" in result.output
    result = _run(app, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "errors" / "missing_scope" / "index.html").is_file()
    assert _run(app, "-o", str(out), "--check").exit_code == 0
    (out / "reference" / "payments" / "index.html").write_text("edited", encoding="utf-8")
    (out / "stray.html").write_text("x", encoding="utf-8")
    result = _run(app, "-o", str(out), "--check")
    assert result.exit_code == 1
    assert "reference/payments/index.html" in result.output
    assert "stray.html" in result.output
    assert _run(app, "-o", str(out)).exit_code == 0
    assert not (out / "stray.html").exists()
    assert _run(app, "-o", str(out), "--check").exit_code == 0


def test_refuses_to_overwrite_a_folder_that_is_not_a_site(app, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = _run(app, "-o", str(tmp_path))
    assert result.exit_code == 2
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_build_is_deterministic(spec_data, changelog_text):
    assert build_site(spec_data, changelog_text=changelog_text) == build_site(spec_data, changelog_text=changelog_text)


def test_committed_site_is_up_to_date(site):
    """The same guard as ``asteri docs build --check``: rebuild and commit generated/docs_site after a spec change."""
    stale = compare_tree(ROOT / DEFAULT_SITE_DIR, site).stale
    assert not stale, f"stale docs site (run `asteri docs build`): {list(stale)[:10]}"


def test_unbundlable_spec_is_a_usage_error(app, tmp_path: Path):
    broken = tmp_path / "openapi.yaml"
    broken.write_text(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    $ref: 'nope.yaml#/x'\n", encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["docs", "build", "--spec", str(broken), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
