"""One app per backend and test module, with a victim and an attacker tenant full of real objects."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from server_impl.app import create_app
from server_impl.settings import Settings
from tests.server.attacks.world import Tenant, make_tenant
from tests.server.conftest import SPEC, Harness
from tests.server.things import Hooks


@dataclass
class World:
    """The app, and two tenants that must never see each other."""

    harness: Harness
    victim: Tenant
    attacker: Tenant


def build_harness(database_url: str, **overrides: object) -> tuple[Harness, TestClient]:
    """An app on ``database_url`` with a started test client (uploads go to a fresh temporary directory)."""
    overrides.setdefault("files_dir", tempfile.mkdtemp(prefix="asteri-attack-files-"))
    # Every operation is attacked with bad credentials from one address: the address throttle
    # (tests/server/test_address_quota.py) would answer most of them 429 before their own check ran.
    overrides.setdefault("unauthenticated_per_minute", 1_000_000)
    overrides.setdefault("unauthenticated_per_day", 1_000_000)
    app = create_app(Settings(database_url=database_url, spec_path=str(SPEC), **overrides))  # type: ignore[arg-type]
    client = TestClient(app, raise_server_exceptions=False)
    client.__enter__()
    return Harness(client, app.state.context, Hooks()), client


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    files = str(tmp_path_factory.mktemp("files"))
    harness, client = build_harness(str(request.getfixturevalue(f"{request.param}_url")), files_dir=files)
    try:
        yield World(harness, make_tenant(harness, "Victim"), make_tenant(harness, "Attacker"))
    finally:
        client.__exit__(None, None, None)
