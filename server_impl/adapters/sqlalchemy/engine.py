"""Engines and session factories, with SQLite made safe for concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from server_impl.adapters.sqlalchemy.tenancy import install_tenant_guard

SQLITE_BUSY_TIMEOUT_SECONDS = 30
_READING: ContextVar[bool] = ContextVar("asteri_sqlite_reading", default=False)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Begin the SQLite transactions opened inside this block deferred: they read and never write.

    A deferred ``BEGIN`` takes no lock, so a WAL reader never waits for a writer; a write in such a
    transaction would fail on the lock upgrade instead of queueing. Elsewhere every transaction
    begins ``IMMEDIATE``. Other databases ignore it. The choice follows the caller's thread or
    task (a context variable), because the dialect's begin step sees only the driver connection.
    """
    token = _READING.set(True)
    try:
        yield
    finally:
        _READING.reset(token)


def build_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for a database URL.

    On SQLite, transactions start with ``BEGIN IMMEDIATE`` (writers queue instead of failing with
    "database is locked" on a lock upgrade), those inside :func:`read_only_transactions` with a
    deferred ``BEGIN`` (WAL readers never wait for writers), the journal is WAL with
    ``synchronous=NORMAL`` (a process crash loses nothing; a power loss may lose the last commits)
    and foreign keys are enforced. JSON columns are decoded by orjson (same values as ``json``,
    several times faster: contact points, tags and metadata are JSON on every customer row).

    Args:
        database_url: A SQLAlchemy URL (``sqlite:///./asteri.db``, ``postgresql+psycopg://...``).
        echo: Log SQL statements.

    Returns:
        The engine.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True, json_deserializer=orjson.loads)
    engine = create_engine(
        url,
        echo=echo,
        json_deserializer=orjson.loads,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
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
    #
    # These are the dialect's own begin/commit/rollback steps, not engine events: one listener of
    # the engine's connection events makes every statement of every connection dispatch its
    # (empty) execute events, about a third of a one-row read's time in SQLAlchemy.
    dialect = engine.dialect
    writer = threading.Lock()
    holder: list[object] = [None]  # the driver connection holding ``writer``: one at a time
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def do_begin(dbapi_connection: Any) -> None:
        driver = dbapi_connection.driver_connection
        if _READING.get():
            driver.execute("BEGIN")  # SQLAlchemy wraps a driver error raised here as its own
            return
        # Bounded wait: past busy_timeout, SQLite's own lock decides (and reports "database is locked").
        if writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS):
            holder[0] = driver
        try:
            driver.execute("BEGIN IMMEDIATE")
        except BaseException:
            _release(dbapi_connection)
            raise

    def do_commit(dbapi_connection: Any) -> None:
        try:
            commit(dbapi_connection)
        finally:
            _release(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        try:
            rollback(dbapi_connection)
        finally:
            _release(dbapi_connection)

    def _release(dbapi_connection: Any) -> None:
        if holder[0] is not None and holder[0] is dbapi_connection.driver_connection:
            holder[0] = None
            writer.release()

    # Bound to this engine's dialect instance only (each engine has its own).
    setattr(dialect, "do_begin", do_begin)  # noqa: B010
    setattr(dialect, "do_commit", do_commit)  # noqa: B010
    setattr(dialect, "do_rollback", do_rollback)  # noqa: B010
    return engine


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory, with the tenant guard installed on it."""
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
    install_tenant_guard(factory)
    return factory
