"""Engines and session factories, with SQLite made safe for concurrent writers."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from server_impl.adapters.sqlalchemy.tenancy import install_tenant_guard

SQLITE_BUSY_TIMEOUT_SECONDS = 30
READ_ONLY_OPTION = "asteri_read_only"
_HOLDS_WRITER = "asteri_holds_writer"
"""Execution option of read-only units of work: on SQLite they begin deferred and never take the write lock."""


def build_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for a database URL.

    On SQLite, write transactions start with ``BEGIN IMMEDIATE`` (writers queue instead of failing
    with "database is locked" on a lock upgrade), read-only ones (:data:`READ_ONLY_OPTION`) with a
    deferred ``BEGIN`` (WAL readers never wait for writers), the journal is WAL with
    ``synchronous=NORMAL`` (a process crash loses nothing; a power loss may lose the last commits)
    and foreign keys are enforced.

    Args:
        database_url: A SQLAlchemy URL (``sqlite:///./asteri.db``, ``postgresql+psycopg://...``).
        echo: Log SQL statements.

    Returns:
        The engine.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_engine(
        url, echo=echo, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if url.database and url.database != ":memory:":
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable on a crash, no fsync per commit
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    # SQLite has one writer. Its busy handler polls with sleeps of up to 100 ms, so writers of this
    # process queue on a blocking lock instead, taken where SQLite's write lock is (BEGIN IMMEDIATE)
    # and released with it; other processes still meet busy_timeout.
    writer = threading.Lock()

    # BEGIN goes to the driver connection directly: through Connection.exec_driver_sql it cost
    # about a quarter of a read's database time (events, cursor result), and it returns nothing.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY_OPTION, False):
            _begin(connection, "BEGIN")
            return
        # Bounded wait: past busy_timeout, SQLite's own lock decides (and reports "database is locked").
        if writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS):
            connection.info[_HOLDS_WRITER] = True
        try:
            _begin(connection, "BEGIN IMMEDIATE")
        except BaseException:
            _release(connection)
            raise

    def _begin(connection: Any, statement: str) -> None:
        try:
            connection.connection.driver_connection.execute(statement)
        except sqlite3.Error as error:  # as SQLAlchemy would raise it (a locked database answers 503)
            raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error

    def _release(connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITER, False):
            writer.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory, with the tenant guard installed on it."""
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
    install_tenant_guard(factory)
    return factory
