"""``asteri generate`` on the command line: writing, ``--check`` drift detection, refusal by pointer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

GOLDEN = Path(__file__).parent / "golden"
runner = CliRunner()


@pytest.fixture(scope="module")
def generated_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("out")
    result = runner.invoke(
        app, ["generate", "--spec", str(GOLDEN / "basic" / "openapi.yaml"), "--output-dir", str(root)]
    )
    assert result.exit_code == 0, result.output
    return root


def test_check_passes_on_fresh_output(generated_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated_root, root)
    result = runner.invoke(
        app, ["generate", "--spec", str(GOLDEN / "basic" / "openapi.yaml"), "--check", "--output-dir", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_check_lists_stale_missing_and_extra_files(generated_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated_root, root)
    (root / "sdk" / "asteri" / "_version.py").write_text("__version__ = 'edited'\n")
    (root / "generated" / "server" / "jobs.py").unlink()
    (root / "generated" / "server" / "leftover.py").write_text("")
    result = runner.invoke(
        app, ["generate", "--spec", str(GOLDEN / "basic" / "openapi.yaml"), "--check", "--output-dir", str(root)]
    )
    assert result.exit_code == 1
    for rel in ("sdk/asteri/_version.py", "generated/server/jobs.py", "generated/server/leftover.py"):
        assert rel in result.output
    assert (root / "generated" / "server" / "leftover.py").exists()  # --check never writes


def test_generate_rewrites_changed_and_deletes_stale_files(generated_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated_root, root)
    (root / "generated" / "server" / "leftover.py").write_text("")
    (root / "sdk" / "asteri" / "_version.py").write_text("x = 1\n")
    result = runner.invoke(
        app, ["generate", "--spec", str(GOLDEN / "basic" / "openapi.yaml"), "--output-dir", str(root)]
    )
    assert result.exit_code == 0, result.output
    assert not (root / "generated" / "server" / "leftover.py").exists()
    assert (root / "sdk" / "asteri" / "_version.py").read_text() == (
        generated_root / "sdk" / "asteri" / "_version.py"
    ).read_text()


def test_files_beside_the_owned_paths_are_left_alone(generated_root, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(generated_root, root)
    (root / "generated" / "docs_site").mkdir()
    (root / "generated" / "docs_site" / "index.html").write_text("docs")
    args = ["generate", "--spec", str(GOLDEN / "basic" / "openapi.yaml"), "--output-dir", str(root)]
    assert runner.invoke(app, [*args, "--check"]).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0
    assert (root / "generated" / "docs_site" / "index.html").read_text() == "docs"


def test_unsupported_construct_is_refused_with_its_pointer_and_line(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text("""\
openapi: 3.1.0
info: {title: T, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - name: filter
          in: query
          style: deepObject
          schema: {type: object}
      responses:
        '200': {description: OK}
""")
    result = runner.invoke(app, ["generate", "--spec", str(spec), "--output-dir", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "#/paths/~1things/get/parameters/0/style" in result.output
    assert "openapi.yaml:10" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_committed_output_matches_the_spec():
    """The repo's own golden record: generated/ and sdk/ equal a fresh generation from spec/."""
    repo = Path(__file__).resolve().parents[2]
    if not (repo / "spec" / "openapi.yaml").is_file():
        pytest.skip("spec/openapi.yaml does not exist yet")
    result = runner.invoke(
        app, ["generate", "--spec", str(repo / "spec" / "openapi.yaml"), "--check", "--output-dir", str(repo)]
    )
    assert result.exit_code == 0, result.output + "\nrun: .venv/bin/asteri generate"
