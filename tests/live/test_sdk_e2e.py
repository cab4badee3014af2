"""The SDK built as a wheel, installed alone in a fresh virtual environment, against the live server.

The suite itself is tests/live/sdk_suite/ (run by that environment's pytest); this test builds the
wheel and the environment once per session, starts a server per backend with the credentials the
suite needs, and fails with the suite's output when any of its tests fails.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest

from tests.live.sdk_venv import build_wheel, create_sdk_venv, run_suite
from tests.live.server import LiveServer, fresh_database

pytestmark = pytest.mark.slow

LIMITED_PER_MINUTE = 2


@pytest.fixture(scope="session")
def sdk_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sdk")
    wheel = build_wheel(folder / "dist")
    return create_sdk_venv(folder / "venv", wheel)


def _suite_environment(server: LiveServer) -> dict[str, str]:
    test_key = server.mint_key(env="test", name="e2e test environment")
    readonly = server.mint_key(scopes="read:customers", name="e2e read-only")
    limited = server.mint_key(per_minute=LIMITED_PER_MINUTE, name="e2e limited")
    other_organization = server.create_organization("Someone else")
    technician = server.create_user("tech@example.com")
    with httpx.Client(base_url=server.base_url) as client:  # spend the limited key's minute now
        for _ in range(LIMITED_PER_MINUTE):
            assert client.get("/api/public/v1/customers", headers=server.headers(limited)).status_code == 200
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "ASTERI_BASE_URL": server.base_url,
        "ASTERI_ORGANIZATION_ID": server.organization_id,
        "ASTERI_API_KEY": server.key.secret,
        "ASTERI_E2E_TEST_KEY": test_key.secret,
        "ASTERI_E2E_READONLY_KEY": readonly.secret,
        "ASTERI_E2E_LIMITED_KEY": limited.secret,
        "ASTERI_E2E_LIMITED_AT": str(time.time()),
        "ASTERI_E2E_OTHER_ORGANIZATION_ID": other_organization,
        "ASTERI_E2E_TECHNICIAN_ID": technician,
    }


def test_the_installed_sdk_against_the_live_server(backend: str, sdk_python: Path, tmp_path: Path) -> None:
    with (
        fresh_database(backend, tmp_path) as url,
        LiveServer.start(url, tmp_path, worker_in_process="true", webhooks_allow_private="true") as server,
    ):
        done = run_suite(sdk_python, _suite_environment(server))
        log = server.log_text()
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}\n--- server log ---\n{log[-5000:]}"
    assert " passed" in done.stdout.splitlines()[-1]
