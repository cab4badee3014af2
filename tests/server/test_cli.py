"""The server's CLI commands: db upgrade, orgs, users, keys, tokens, configuration errors."""

import json
import subprocess
import sys
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from server_impl.cli import cli, parse_duration
from server_impl.domain.api_keys import has_valid_checksum
from server_impl.settings import load_settings


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASTERI_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True):
        result = runner.invoke(cli, list(args))
        if ok:
            assert result.exit_code == 0, result.output
        return result

    invoke("db", "upgrade")
    return invoke


def test_orgs_keys_and_revoke(run) -> None:
    org = json.loads(run("orgs", "create", "Acme", "--json").stdout)
    assert org["name"] == "Acme"
    assert org["id"].startswith("org_")
    created = json.loads(
        run(
            "keys",
            "create",
            "--org",
            org["id"],
            "--scopes",
            "read:customers,write:customers",
            "--env",
            "live",
            "--expires-in",
            "30d",
            "--per-minute",
            "10",
            "--per-day",
            "100",
            "--json",
        ).stdout
    )
    assert set(created) == {"id", "key", "organization_id", "environment", "scopes", "expires_at"}
    assert created["environment"] == "live"
    assert has_valid_checksum(created["key"])
    assert created["scopes"] == ["read:customers", "write:customers"]
    assert run("keys", "revoke", created["id"]).stdout.strip() == f"revoked {created['id']}"
    missing = run("keys", "revoke", "key_01HWRSWVK182VYZ04SXWF6E996", ok=False)
    assert missing.exit_code == 2


def test_bad_key_requests_fail_with_one_line(run) -> None:
    org = run("orgs", "create", "Acme").stdout.strip()
    result = run("keys", "create", "--org", org, "--scopes", "read:everything", ok=False)
    assert result.exit_code == 2
    assert "Unknown scopes: read:everything" in result.output
    result = run("keys", "create", "--org", org, "--scopes", "all", "--expires-in", "2y", ok=False)
    assert result.exit_code == 2
    assert "is not a duration" in result.output


def test_users_and_tokens(run) -> None:
    org = run("orgs", "create", "Acme").stdout.strip()
    user = json.loads(run("users", "create", "Dana@Example.com", "--org", org, "--role", "admin", "--json").stdout)
    assert user["email"] == "dana@example.com"
    assert user["role"] == "admin"
    token = run("tokens", "issue", "--user", user["id"], "--ttl", "1h").stdout.strip()
    claims = jwt.decode(token, load_settings().token_secret, algorithms=["HS256"])
    assert claims["sub"] == user["id"]
    assert claims["exp"] - claims["iat"] == 3600


def test_configuration_errors_stop_with_one_sentence(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTERI_MODE", "production")
    result = run("orgs", "create", "x", ok=False)
    assert result.exit_code == 2
    assert result.output.strip().startswith("ASTERI_SECRET_KEY must be set")


@pytest.mark.parametrize(("text", "seconds"), [("90d", 90 * 86400), ("1h", 3600), ("30m", 1800), ("45s", 45)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text).total_seconds() == seconds


def test_the_cli_module_does_not_load_the_server_stack() -> None:
    """``asteri --help`` stays fast: the server commands import their stack only when they run."""
    heavy = "{'sqlalchemy', 'fastapi', 'uvicorn', 'pydantic_settings'}"
    probe = f"import sys, server_impl.cli; print(sorted({heavy} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    assert loaded == "[]"
