"""``asteri bundle / validate`` through the real CLI: exit codes, one clear line, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

SPLIT = Path(__file__).parents[1] / "loading" / "fixtures" / "split" / "openapi.yaml"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_bundle_prints_a_self_contained_document():
    result = invoke("bundle", str(SPLIT), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["components"]["schemas"]["Thing"]["properties"]["tree"] == {"$ref": "#/components/schemas/Node"}


def test_bundle_writes_a_file_only_when_it_changes(tmp_path):
    out = tmp_path / "bundled.yaml"
    assert invoke("bundle", str(SPLIT), "-o", str(out)).exit_code == 0
    first = out.stat().st_mtime_ns
    assert invoke("bundle", str(SPLIT), "-o", str(out)).exit_code == 0
    assert out.stat().st_mtime_ns == first
    assert "#/components/schemas/Thing" in out.read_text()


def test_validate_clean_spec_exits_0():
    result = invoke("validate", str(SPLIT))
    assert result.exit_code == 0, result.output
    assert "no findings" in result.stdout


def test_validate_missing_file_exits_2_with_one_line(tmp_path):
    result = invoke("validate", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"error: file not found: {tmp_path / 'missing.yaml'}"]


def test_validate_yaml_syntax_error_names_file_and_line(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.1.0\ninfo:\n  title: 'unterminated\n")
    result = invoke("validate", str(spec))
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert line.startswith(f"error: {spec}:")
    assert "YAML syntax error" in line


def test_validate_dangling_ref_exits_1_naming_file_and_line(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
        "components:\n  schemas:\n    A: {$ref: 'parts.yaml#/Missing'}\n"
    )
    (tmp_path / "parts.yaml").write_text("Present: {type: string}\n")
    result = invoke("validate", str(spec), "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"], f["file"]) for f in findings] == [("ref-unresolved", 6, str(spec))]
    assert json.loads(result.stdout)["summary"] == {"error": 1, "warning": 0, "info": 0, "total": 1}


def test_validate_text_output_names_file_line_rule_and_pointer(tmp_path):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n"
        "      responses: {'200': {description: ok}}\n"
    )
    result = invoke("validate", str(spec))
    assert result.exit_code == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"{spec}:5: error [path-parameter-undeclared]")
    assert first.endswith("(at /paths/~1a~1{id}/get)")


def test_no_traceback_from_a_real_process_on_a_directory(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip() == f"error: is a directory, not a spec file: {tmp_path}"


@pytest.mark.parametrize("args", [["validate", "--format", "xml"], ["bundle", "--nope"]])
def test_bad_options_exit_2(args):
    assert invoke(*args).exit_code == 2
