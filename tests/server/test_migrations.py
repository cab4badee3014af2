"""Migrations upgrade an empty database, match the tables in code and downgrade cleanly."""

from pathlib import Path

import pytest
from sqlalchemy import inspect

from server_impl.adapters.sqlalchemy.engine import build_engine
from server_impl.adapters.sqlalchemy.migrate import check, downgrade, upgrade
from server_impl.adapters.sqlalchemy.tables import Base


def _tables(url: str) -> set[str]:
    engine = build_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    upgrade(url)
    assert set(Base.metadata.tables) <= _tables(url)
    check(url)
    downgrade(url, "base")
    assert _tables(url) & set(Base.metadata.tables) == set()
    upgrade(url)
    check(url)


def test_sqlite_from_empty(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_postgres_from_empty(worker_id: str) -> None:
    import secrets

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.server.conftest import postgres_base_url

    base = postgres_base_url()
    schema = f"asteri_mig_{worker_id}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        _round_trip(url.render_as_string(hide_password=False))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
