"""Configuration errors are one sentence; a configured contract file is served as written."""

import json
from pathlib import Path

import pytest

from server_impl.app import create_app
from server_impl.settings import ConfigurationError, Settings, load_settings
from tests.server.conftest import SPEC, Harness


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"database_url": "not a url"}, "ASTERI_DATABASE_URL 'not a url' is not a database URL."),
        ({"mode": "production"}, "ASTERI_SECRET_KEY must be set"),
        ({"mode": "production", "secret_key": "short"}, "at least 32 characters"),
        ({"redis_url": "http://localhost"}, "ASTERI_REDIS_URL 'http://localhost' must start with redis://"),
        ({"jwt_algorithm": "none"}, "ASTERI_JWT_ALGORITHM must be HS256 or RS256."),
        ({"jwt_algorithm": "RS256"}, "ASTERI_JWT_PUBLIC_KEY must hold a PEM public key"),
        ({"max_body_bytes": "lots"}, "ASTERI_MAX_BODY_BYTES: "),
    ],
)
def test_configuration_errors_are_one_clear_sentence(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(**overrides)
    text = str(caught.value)
    assert text.startswith(message) or message in text
    assert text.endswith(".")
    assert "\n" not in text


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTERI_DATABASE_URL", "sqlite:///./x.db")
    monkeypatch.setenv("ASTERI_DEFAULT_PER_MINUTE", "7")
    settings = load_settings()
    assert settings.database_url == "sqlite:///./x.db"
    assert settings.default_per_minute == 7
    assert settings.api_key_pepper != settings.derived_key("bearer-token")


def test_a_missing_configured_spec_stops_start_up(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="ASTERI_SPEC_PATH"):
        create_app(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", spec_path=str(tmp_path / "none.json")))


def test_the_contract_is_served_as_written(harness: Harness) -> None:
    response = harness.client.get("/api/public/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(SPEC.read_text())
    assert harness.client.get("/openapi.json").status_code == 404
    assert "swagger" not in harness.client.get("/docs/").text.lower()  # /docs is our portal, not FastAPI's UI
    assert harness.client.get("/redoc").status_code == 404


def test_the_developer_portal_is_served_at_docs(harness: Harness) -> None:
    landing = harness.client.get("/docs/")
    assert landing.status_code == 200
    assert landing.headers["content-type"].startswith("text/html")
    problem = harness.client.get("/api/public/v1/customers/cus_01HV3K8Z9Q4N7M2R5T6W8X0Y1B")
    code = problem.json()["code"]
    page = harness.client.get(f"/docs/errors/{code}/")
    assert page.status_code == 200
    assert code in page.text
