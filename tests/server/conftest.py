"""Fixtures for the server suite: one migrated database per backend and worker, apps and credentials."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from server_impl.adapters.sqlalchemy.engine import build_engine
from server_impl.adapters.sqlalchemy.migrate import upgrade
from server_impl.app import AppContext, create_app
from server_impl.domain.clock import utc_now
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services import api_keys, identity
from server_impl.settings import Settings
from tests.server.services import require_url
from tests.server.things import Hooks, create_things_table, things_router

SPEC = Path(__file__).parent / "fixtures" / "mini_spec.json"


def _migrate(url: str) -> None:
    upgrade(url)
    engine = build_engine(url)
    try:
        create_things_table(engine)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'asteri.db'}"
    _migrate(url)
    return url


def postgres_base_url() -> str:
    """Return ASTERI_TEST_POSTGRES_URL if PostgreSQL answers; skip (or fail in CI) otherwise."""
    base = os.environ.get("ASTERI_TEST_POSTGRES_URL")
    error = None
    if base:
        try:
            probe = create_engine(base)
            with probe.connect():
                pass
            probe.dispose()
        except Exception as exc:
            error = exc
    return require_url("ASTERI_TEST_POSTGRES_URL", error)


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    base = postgres_base_url()
    schema = f"asteri_{worker_id}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_url"))


@dataclass
class Harness:
    """An app with its context, a client and helpers to create tenants and credentials."""

    client: TestClient
    context: AppContext
    hooks: Hooks

    @property
    def settings(self) -> Settings:
        return self.context.settings

    def organization(self, name: str = "Acme") -> str:
        return identity.create_organization(self.context.uow_factory, name).id

    def key(
        self,
        organization_id: str,
        scopes: tuple[str, ...] | frozenset[str] = ALL_SCOPES,
        environment: Environment = Environment.LIVE,
        *,
        per_minute: int = 1000,
        per_day: int = 100_000,
        expires_in: timedelta = timedelta(days=30),
    ) -> tuple[str, str]:
        """Create a key as the system (CLI); return (key id, secret)."""
        system = CallContext(
            Principal(organization_id, environment, ActorType.SYSTEM, None, ALL_SCOPES), request_id="test"
        )
        request = api_keys.NewKey("test key", tuple(scopes), environment, utc_now() + expires_in, per_minute, per_day)
        key, secret = api_keys.create_key(
            self.context.uow_factory, system, organization_id, request, pepper=self.settings.api_key_pepper
        )
        return key.id, secret

    def headers(self, organization_id: str, secret: str, **extra: str) -> dict[str, str]:
        return {"x-organization-id": organization_id, "x-api-key": secret, **extra}


@pytest.fixture
def make_harness(database_url: str, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    clients: list[TestClient] = []

    def make(**overrides: Any) -> Harness:
        hooks = Hooks()
        holder: dict[str, AppContext] = {}

        def routers(context: AppContext) -> list[APIRouter]:
            holder["context"] = context
            return [things_router(context, hooks)]

        files_dir = str(tmp_path / "files")  # uploads never land in the working directory
        settings = Settings(database_url=database_url, spec_path=str(SPEC), **{"files_dir": files_dir, **overrides})
        app = create_app(settings, routers=routers)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Harness(client, holder["context"], hooks)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()
