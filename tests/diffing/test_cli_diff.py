"""``asteri diff`` through the real CLI: formats, the gate, overrides, ignores, bad input, git, oasdiff."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from generator.cli import app
from tests.diffing.helpers import operation, spec, write

runner = CliRunner()


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    def doc(enum: list[str], version: str) -> dict[str, Any]:
        return spec(
            {
                "/customers": {
                    "post": operation(
                        request={"type": "object", "properties": {"status": {"type": "string", "enum": enum}}},
                        operationId="createCustomer",
                    ),
                    "get": operation(
                        response={"type": "object", "properties": {"status": {"type": "string", "enum": enum}}}
                    ),
                }
            },
            info_version=version,
        )

    base = write(tmp_path / "base.yaml", doc(["active", "archived"], "1.0.0"))
    revision = write(tmp_path / "revision.yaml", doc(["active"], "1.1.0"))
    return base, revision


def test_text_groups_by_operation_and_explains(pair):
    result = invoke("diff", str(pair[0]), str(pair[1]))
    assert result.exit_code == 1
    assert "POST /api/public/v1/customers\n  error   request-property-enum-value-removed" in result.stdout
    assert "why: Callers still sending the removed value will have their requests rejected." in result.stdout
    assert "1 error(s), 0 warning(s), 2 info" in result.stdout


def test_json_shape(pair):
    result = invoke("diff", str(pair[0]), str(pair[1]), "--format", "json")
    data = json.loads(result.stdout)
    assert data["summary"] == {"error": 1, "warning": 0, "info": 2}
    change = next(c for c in data["changes"] if c["level"] == "error")
    assert {
        "id",
        "level",
        "operation",
        "operation_id",
        "location",
        "text",
        "base_source",
        "revision_source",
        "fingerprint",
    } <= set(change)
    assert change["operation"] == "POST /api/public/v1/customers"
    assert change["operation_id"] == "createCustomer"
    assert change["base_source"].startswith(str(pair[0].name)) or "base.yaml:" in change["base_source"]


@pytest.mark.parametrize("fmt", ["yaml", "markdown", "githubactions", "junit"])
def test_other_formats(pair, fmt):
    result = invoke("diff", str(pair[0]), str(pair[1]), "--format", fmt)
    assert result.exit_code == 1
    out = result.stdout
    if fmt == "yaml":
        assert yaml.safe_load(out)["summary"]["error"] == 1
    elif fmt == "markdown":
        assert "| error | `request-property-enum-value-removed` |" in out
    elif fmt == "githubactions":
        assert out.startswith("::")
        assert "::error file=" in out
    else:
        suite = ET.fromstring(out).find("testsuite")
        assert suite is not None
        assert (suite.get("failures"), suite.get("tests")) == ("1", "3")


def test_fail_on_threshold(pair):
    assert invoke("diff", str(pair[0]), str(pair[1]), "--fail-on", "error").exit_code == 1
    assert invoke("diff", str(pair[1]), str(pair[0]), "--fail-on", "warning").exit_code == 1  # enum added: WARN
    assert invoke("diff", str(pair[1]), str(pair[0]), "--fail-on", "error").exit_code == 0
    assert invoke("diff", str(pair[0]), str(pair[0])).exit_code == 0


def test_severity_levels_file(pair, tmp_path):
    levels = tmp_path / "levels.txt"
    levels.write_text("# relax\nrequest-property-enum-value-removed info\nresponse-property-enum-value-removed none\n")
    result = invoke("diff", str(pair[0]), str(pair[1]), "--severity-levels", str(levels), "--format", "json")
    assert result.exit_code == 0
    # the relaxed enum change and api-major-version-not-bumped (computed before overrides, as oasdiff does)
    assert json.loads(result.stdout)["summary"] == {"error": 0, "warning": 0, "info": 2}
    levels.write_text("no-such-check error\n")
    bad = invoke("diff", str(pair[0]), str(pair[1]), "--severity-levels", str(levels))
    assert bad.exit_code == 2
    assert "unknown check id 'no-such-check'" in bad.stderr


def test_ignore_by_fingerprint_and_by_id_and_path(pair, tmp_path):
    data = json.loads(invoke("diff", str(pair[0]), str(pair[1]), "--format", "json").stdout)
    error = next(c for c in data["changes"] if c["level"] == "error")
    ignore = tmp_path / "ignore.txt"
    ignore.write_text(f"{error['fingerprint']}  # accepted in review\n")
    assert invoke("diff", str(pair[0]), str(pair[1]), "--ignore", str(ignore)).exit_code == 0
    ignore.write_text("request-property-enum-value-removed POST /api/public/v1/cust*\n")
    assert invoke("diff", str(pair[0]), str(pair[1]), "--ignore", str(ignore)).exit_code == 0
    ignore.write_text("request-property-enum-value-removed GET /api/public/v1/customers\n")
    assert invoke("diff", str(pair[0]), str(pair[1]), "--ignore", str(ignore)).exit_code == 1


def test_match_path(pair):
    result = invoke("diff", str(pair[0]), str(pair[1]), "--match-path", "^/nothing", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["changes"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("openapi: [unclosed", "line"),
        ("just: a mapping\n", "not an OpenAPI document"),
        ("swagger: '2.0'\ninfo: {}\n", "Swagger 2.0 is not supported"),
        (
            "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n"
            "      responses:\n        '200':\n"
            "          $ref: '#/components/responses/Missing'\n",
            "points to nothing",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(pair, tmp_path, content, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    result = invoke("diff", str(pair[0]), str(bad))
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_file_and_bad_regex(pair):
    assert invoke("diff", str(pair[0]), "nope.yaml").exit_code == 2
    result = invoke("diff", str(pair[0]), str(pair[1]), "--match-path", "(")
    assert result.exit_code == 2
    assert "--match-path" in result.stderr


def test_no_release_yet_is_a_note_and_exit_0(tmp_path, pair):
    result = invoke("diff", "--releases", str(tmp_path / "releases"))
    assert result.exit_code == 0
    assert "nothing to compare" in result.stderr


def test_default_base_is_the_latest_release(tmp_path, pair):
    releases = tmp_path / "releases"
    releases.mkdir()
    (releases / "0.9.0.yaml").write_text("not: used\n")
    (releases / "1.0.0.yaml").write_text(pair[0].read_text())
    result = invoke("diff", "--releases", str(releases), "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0  # the working spec of this repo vs the fixture: compared without error
    result = invoke("diff", str(releases / "1.0.0.yaml"), str(pair[1]), "--format", "json")
    assert result.exit_code == 1


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@e",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@e",
        },
    )


def test_git_source_with_a_split_spec(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "api" / "schemas").mkdir(parents=True)
    _git(repo, "init", "-q")
    root = spec({"/things": {"post": operation(request={"$ref": "schemas/thing.yaml"})}})
    write(repo / "api" / "openapi.yaml", root)
    write(
        repo / "api" / "schemas" / "thing.yaml",
        {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a", "b"]}}},
    )
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "v1")
    write(
        repo / "api" / "schemas" / "thing.yaml",
        {"type": "object", "properties": {"kind": {"type": "string", "enum": ["a"]}}},
    )
    root["info"]["version"] = "2.0.0"
    write(repo / "api" / "openapi.yaml", root)
    monkeypatch.chdir(repo)
    result = invoke("diff", "git:HEAD:api/openapi.yaml", "api/openapi.yaml", "--format", "json")
    assert result.exit_code == 1, result.output
    change = json.loads(result.stdout)["changes"][0]
    assert change["id"] == "request-property-enum-value-removed"
    assert change["base_source"].startswith("HEAD:api/schemas/thing.yaml:")
    assert invoke("diff", "git:HEAD:api/missing.yaml", "api/openapi.yaml").exit_code == 2
    assert invoke("diff", "git:nosuchref:api/openapi.yaml", "api/openapi.yaml").exit_code == 2


def _stand_in(folder: Path, body: str) -> None:
    folder.mkdir()
    script = folder / "oasdiff"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_oasdiff_engine_with_a_stand_in(pair, tmp_path):
    bin_dir = tmp_path / "bin"
    changes = [
        {
            "id": "request-property-enum-value-removed",
            "text": "removed enum value 'archived'",
            "level": 3,
            "operation": "POST",
            "operationId": "createCustomer",
            "path": "/customers",
            "section": "paths",
            "baseSource": {"file": "base.yaml", "line": 9},
        },
        {"id": "endpoint-added", "text": "endpoint added", "level": 1, "operation": "GET", "path": "/x"},
    ]
    _stand_in(bin_dir, f"test \"$1\" = changelog || exit 9\ncat <<'EOF'\n{json.dumps(changes)}\nEOF\n")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = invoke("diff", str(pair[0]), str(pair[1]), "--engine", "oasdiff", "--format", "json", env=env)
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert data["summary"] == {"error": 1, "warning": 0, "info": 1}
    assert {c["operation"] for c in data["changes"]} == {"POST /customers", "GET /x"}
    assert any(c["base_source"] == "base.yaml:9" for c in data["changes"])


def test_oasdiff_engine_failures_are_clear(pair, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = invoke("diff", str(pair[0]), str(pair[1]), "--engine", "oasdiff", env={"PATH": str(empty)})
    assert result.exit_code == 2
    assert "oasdiff is not on PATH" in result.stderr
    broken = tmp_path / "broken"
    _stand_in(broken, "echo 'failed to load base' >&2\nexit 1\n")
    result = invoke("diff", str(pair[0]), str(pair[1]), "--engine", "oasdiff", env={"PATH": f"{broken}:/usr/bin:/bin"})
    assert result.exit_code == 2
    assert "failed to load base" in result.stderr
