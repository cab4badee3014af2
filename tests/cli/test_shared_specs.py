"""Every real-world spec in ../shared/specs goes through bundle/validate/lint/check without crashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from generator.cli import app

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "specs"
DOCUMENTS = sorted(SHARED.glob("*.y*ml"))
runner = CliRunner()

pytestmark = pytest.mark.slow


def test_the_shared_specs_are_there():
    assert len(DOCUMENTS) >= 5, f"expected the shared real-world specs in {SHARED}"


@pytest.mark.parametrize("command", ["validate", "lint", "check"])
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_spec_commands_never_crash_on_real_world_documents(command, document):
    result = runner.invoke(app, [command, str(document), "--format", "json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert set(report) == {"findings", "summary"}
    for finding in report["findings"]:
        assert finding["file"].endswith(document.name)
        assert finding["line"] >= 1
