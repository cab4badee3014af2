"""``asteri release`` / ``asteri changelog`` and the CI gate, on throw-away projects in tmp dirs."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from generator.cli import app
from generator.loading import load_document
from generator.releasing import ReleaseError, cut_release, latest_release
from generator.releasing.changelog import prepend_entry
from tests.diffing.helpers import operation, spec, write

runner = CliRunner()
REPO_SPEC = Path(__file__).parents[2] / "spec"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def _contract(
    version: str,
    base_path: str = "/api/public/v1",
    extra: bool = False,
    breaking: bool = False,
    deprecate: bool = False,
) -> dict[str, Any]:
    status = ["active"] if breaking else ["active", "archived"]
    customer = {"type": "object", "properties": {"status": {"type": "string", "enum": status}}}
    get: dict[str, Any] = operation(response=customer, operationId="listCustomers")
    if deprecate:
        get.update({"deprecated": True, "x-sunset": "2031-01-01"})
    paths: dict[str, Any] = {"/customers": {"get": get, "post": operation(request=customer)}}
    if extra:
        paths["/invoices"] = {"get": operation(operationId="listInvoices")}
    doc = spec(paths, info_version=version)
    doc["servers"] = [{"url": base_path}]
    return doc


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text('[tool.asteri]\nspec = "spec/openapi.yaml"\n')
    write(tmp_path / "spec" / "openapi.yaml", _contract("1.0.0"))
    return tmp_path


def _release(project: Path, version: str, **changes: Any):
    write(project / "spec" / "openapi.yaml", _contract(version, **changes))
    return invoke(
        "release",
        version,
        "--spec",
        str(project / "spec" / "openapi.yaml"),
        "--releases",
        str(project / "spec" / "releases"),
        "--changelog",
        str(project / "CHANGELOG.md"),
        "--date",
        "2030-01-01",
    )


def test_first_release_writes_snapshot_and_changelog(project: Path) -> None:
    result = _release(project, "1.0.0")
    assert result.exit_code == 0, result.output
    assert "first release" in result.stdout
    snapshot = project / "spec" / "releases" / "1.0.0.yaml"
    assert yaml.safe_load(snapshot.read_text())["info"]["version"] == "1.0.0"
    changelog = (project / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n\n## 1.0.0 - 2030-01-01\n")
    assert "Initial release of the contract: 2 operation(s)." in changelog
    assert "- `GET /api/public/v1/customers`: endpoint added" in changelog
    assert latest_release(project / "spec" / "releases") == ("1.0.0", snapshot)


def test_minor_release_prepends_added_and_deprecated(project: Path) -> None:
    assert _release(project, "1.0.0").exit_code == 0
    result = _release(project, "1.1.0", extra=True, deprecate=True)
    assert result.exit_code == 0, result.output
    changelog = (project / "CHANGELOG.md").read_text()
    assert changelog.index("## 1.1.0") < changelog.index("## 1.0.0")
    entry = changelog[changelog.index("## 1.1.0") : changelog.index("## 1.0.0")]
    assert "### Added\n\n- `GET /api/public/v1/invoices`: endpoint added" in entry
    assert "### Deprecated\n\n- `GET /api/public/v1/customers`: operation deprecated with x-sunset 2031-01-01" in entry


def test_breaking_change_is_refused_without_a_new_major(project: Path) -> None:
    assert _release(project, "1.0.0").exit_code == 0
    result = _release(project, "1.1.0", breaking=True)
    assert result.exit_code == 1
    assert "breaking change(s) against 1.0.0" in result.stderr
    assert "request-property-enum-value-removed" in result.stderr
    assert not (project / "spec" / "releases" / "1.1.0.yaml").exists()


def test_new_major_must_move_the_base_path(project: Path) -> None:
    assert _release(project, "1.0.0").exit_code == 0
    result = _release(project, "2.0.0", breaking=True)
    assert result.exit_code == 1
    assert "base path to '/v2'" in result.stderr
    result = _release(project, "2.0.0", breaking=True, base_path="/api/public/v2")
    assert result.exit_code == 0, result.output
    changelog = (project / "CHANGELOG.md").read_text()
    assert "**Breaking:**" in changelog


@pytest.mark.parametrize(
    ("version", "spec_version", "message"),
    [
        ("1.0", "1.0", "not semver"),
        ("1.1.0", "1.0.0", "bump it to '1.1.0'"),
    ],
)
def test_version_rules(project: Path, version: str, spec_version: str, message: str) -> None:
    write(project / "spec" / "openapi.yaml", _contract(spec_version))
    with pytest.raises(ReleaseError, match=message):
        cut_release(
            load_document(project / "spec" / "openapi.yaml"),
            version,
            project / "releases",
            project / "CHANGELOG.md",
            released=date(2030, 1, 1),
        )


def test_version_must_grow_and_not_exist(project: Path) -> None:
    assert _release(project, "1.1.0").exit_code == 0
    again = _release(project, "1.1.0")
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    older = _release(project, "1.0.5")
    assert older.exit_code == 1
    assert "must be greater than the latest release 1.1.0" in older.stderr


def test_changelog_command_prints_without_writing(project: Path) -> None:
    assert _release(project, "1.0.0").exit_code == 0
    write(project / "spec" / "openapi.yaml", _contract("1.1.0", extra=True))
    result = invoke(
        "changelog",
        str(project / "spec" / "releases" / "1.0.0.yaml"),
        str(project / "spec" / "openapi.yaml"),
        "--date",
        "2030-02-01",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("## 1.1.0 - 2030-02-01\n")
    assert "endpoint added" in result.stdout
    assert not (project / "spec" / "releases" / "1.1.0.yaml").exists()


def test_prepend_keeps_the_intro() -> None:
    existing = "# Changelog\n\nAll contract changes.\n\n## 1.0.0 - 2030-01-01\n\n- x\n"
    updated = prepend_entry(existing, "## 1.1.0 - 2030-02-01\n\n- y\n")
    assert updated == (
        "# Changelog\n\nAll contract changes.\n\n## 1.1.0 - 2030-02-01\n\n- y\n\n## 1.0.0 - 2030-01-01\n\n- x\n"
    )
    assert prepend_entry("", "## 1.0.0 - 2030-01-01\n\n- x\n\n") == "# Changelog\n\n## 1.0.0 - 2030-01-01\n\n- x\n"


def test_ci_gate_stops_a_planted_breaking_change(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``.ci/run`` does: ``asteri diff`` (base = latest release, revision = working spec)."""
    monkeypatch.chdir(project)
    assert invoke("diff").exit_code == 0  # no release yet: nothing to compare
    assert invoke("release", "1.0.0", "--date", "2030-01-01").exit_code == 0
    assert invoke("diff").exit_code == 0
    write(project / "spec" / "openapi.yaml", _contract("1.0.1", breaking=True))
    gate = invoke("diff")
    assert gate.exit_code == 1
    assert "request-property-enum-value-removed" in gate.stdout


@pytest.mark.skipif(not (REPO_SPEC / "openapi.yaml").exists(), reason="the v1 spec is not written yet")
def test_ci_gate_on_a_copy_of_the_real_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(REPO_SPEC, tmp_path / "spec", ignore=shutil.ignore_patterns("releases"))
    (tmp_path / "pyproject.toml").write_text('[tool.asteri]\nspec = "spec/openapi.yaml"\n')
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "spec" / "openapi.yaml"
    data = yaml.safe_load(root.read_text())
    version = str(data["info"]["version"])
    released = invoke("release", version, "--date", "2030-01-01")
    assert released.exit_code == 0, released.output
    assert invoke("diff").exit_code == 0
    removed = next(iter(data["paths"]))
    del data["paths"][removed]  # plant a breaking change: an operation removed without deprecation
    root.write_text(yaml.safe_dump(data, sort_keys=False))
    gate = invoke("diff", "--format", "json")
    assert gate.exit_code == 1
    assert "removed-without-deprecation" in gate.stdout
