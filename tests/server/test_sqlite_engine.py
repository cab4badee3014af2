"""The SQLite engine's transactions: BEGIN goes straight to the driver, and its errors stay SQLAlchemy's."""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from server_impl.adapters.sqlalchemy import engine as engine_module
from server_impl.adapters.sqlalchemy.engine import build_engine, read_only_transactions


def _in_transaction(connection: Connection) -> bool:
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver.in_transaction


@contextmanager
def _write_lock_held_elsewhere(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock on ``path`` from another connection, as another process would."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_reads_and_writes_run_in_driver_transactions(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert _in_transaction(connection)
    with read_only_transactions(), engine.connect() as connection, connection.begin():
        assert connection.execute(text("SELECT x FROM t")).scalar_one() == 1
        assert _in_transaction(connection)
    engine.dispose()


def test_a_write_meeting_a_locked_database_raises_sqlalchemy_operational_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server answers OperationalError with 503 (web/unavailable.py); a raw sqlite3 error would be 500."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_SECONDS", 1)
    path = tmp_path / "locked.db"
    engine = build_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    with (
        _write_lock_held_elsewhere(path),
        pytest.raises(OperationalError, match="locked"),
        engine.begin() as connection,
    ):
        connection.execute(text("INSERT INTO t VALUES (2)"))
    with engine.begin() as connection:  # the lock is free again: the engine recovers by itself
        connection.execute(text("INSERT INTO t VALUES (3)"))
    engine.dispose()


def test_a_read_only_transaction_reads_while_another_process_holds_the_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_SECONDS", 1)
    path = tmp_path / "busy.db"
    engine = build_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with _write_lock_held_elsewhere(path):
        with read_only_transactions(), engine.connect() as connection, connection.begin():
            assert connection.execute(text("SELECT x FROM t")).scalar_one() == 1
        with pytest.raises(OperationalError, match="locked"), engine.connect() as connection, connection.begin():
            connection.execute(text("SELECT x FROM t"))  # outside the block a transaction wants the write lock
    engine.dispose()
