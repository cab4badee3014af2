"""Engines and session factories, with SQLite made safe for concurrent writers."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from server_impl.adapters.sqlalchemy.checkpoints import WalCheckpointer, register
from server_impl.adapters.sqlalchemy.tenancy import install_tenant_guard
from server_impl.services.ports import WriterBusy

SQLITE_BUSY_TIMEOUT_SECONDS = 30
_READING: ContextVar[bool] = ContextVar("asteri_sqlite_reading", default=False)
_NO_WAIT: ContextVar[list[bool] | None] = ContextVar("asteri_sqlite_no_wait", default=None)


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


@contextmanager
def first_write_without_waiting() -> Iterator[None]:
    """Begin the first SQLite write transaction of this block only if the writer lock is free now.

    If this process's writer lock or SQLite's own (another process writing) is taken, that first
    ``BEGIN IMMEDIATE`` raises :class:`~server_impl.services.ports.WriterBusy` instead of waiting,
    having written nothing. Later write transactions of the block wait as usual: by then the block
    has committed a write, and refusing would leave half of its work done. Other databases ignore it.
    """
    token = _NO_WAIT.set([True])
    try:
        yield
    finally:
        _NO_WAIT.reset(token)


def json_text(value: Any) -> str:
    """Return the JSON text a JSON column stores: orjson's, or the standard library's where orjson refuses.

    orjson writes the same values several times faster (a create stores six JSON documents: the
    customer's five columns and its audit event's changes). It refuses integers beyond 64 bits,
    which Python's ``json`` writes; those fall back to it.
    """
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(value)


def json_from_text(value: Any) -> Any:
    """Return the value of a JSON column's text, decoded by orjson; a value that is not text raises TypeError.

    SQLite's NUMERIC affinity stores a JSON scalar number as a number. SQLAlchemy's SQLite JSON
    type passes such a value through when the deserializer raises ``TypeError``, as ``json.loads``
    does; ``orjson.loads`` raises ``JSONDecodeError`` instead, which failed the read. The bare
    decoder is ``json_from_text.__wrapped__`` (prepared reads try it on whole columns first).
    """
    if isinstance(value, (str, bytes)):
        return orjson.loads(value)
    raise TypeError(f"JSON text expected, got {type(value).__name__}")


json_from_text.__wrapped__ = orjson.loads  # type: ignore[attr-defined]


def build_engine(database_url: str, *, echo: bool = False) -> Engine:
    """Create the engine for a database URL.

    On SQLite, transactions start with ``BEGIN IMMEDIATE`` (writers queue instead of failing with
    "database is locked" on a lock upgrade), those inside :func:`read_only_transactions` with a
    deferred ``BEGIN`` (WAL readers never wait for writers), the journal is WAL with
    ``synchronous=NORMAL`` (a process crash loses nothing; a power loss may lose the last commits)
    and foreign keys are enforced. JSON columns are decoded by orjson (:func:`json_from_text`: same values as ``json``,
    several times faster: contact points, tags and metadata are JSON on every customer row) and
    written by :func:`json_text`. On a SQLite file, ``checkpoints.wal_checkpointer(engine)`` returns
    the engine's WAL checkpointer, which the server runs for its lifetime.

    Args:
        database_url: A SQLAlchemy URL (``sqlite:///./asteri.db``, ``postgresql+psycopg://...``).
        echo: Log SQL statements.

    Returns:
        The engine.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(
            url, echo=echo, pool_pre_ping=True, json_serializer=json_text, json_deserializer=json_from_text
        )
    engine = create_engine(
        url,
        echo=echo,
        json_serializer=json_text,
        json_deserializer=json_from_text,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )

    on_file = bool(url.database) and url.database != ":memory:"
    checkpointer = WalCheckpointer(str(url.database)) if on_file else None
    if checkpointer is not None:
        register(engine, checkpointer)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if checkpointer is not None:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # WAL: durable on a crash, no fsync per commit
            checkpointer.configure(dbapi_connection)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.close()

    _SqliteWriter(engine.dialect).install()
    return engine


class _SqliteWriter:
    """SQLite's begin, commit and rollback steps, with this process's writers queued on one lock.

    SQLite has one writer. Its busy handler polls with sleeps of up to 100 ms, so writers of this
    process queue on a blocking lock instead, taken where SQLite's write lock is (``BEGIN
    IMMEDIATE``) and released with it; other processes still meet ``busy_timeout``.

    These are the dialect's own steps, not engine events: one listener of the engine's connection
    events makes every statement of every connection dispatch its (empty) execute events, about a
    third of a one-row read's time in SQLAlchemy.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._commit, self._rollback = dialect.do_commit, dialect.do_rollback
        self._lock = threading.Lock()
        self._holder: object = None  # the driver connection holding the lock: one at a time

    def install(self) -> None:
        """Replace the begin, commit and rollback steps of this engine's dialect instance (only)."""
        setattr(self._dialect, "do_begin", self.begin)  # noqa: B010
        setattr(self._dialect, "do_commit", self.commit)  # noqa: B010
        setattr(self._dialect, "do_rollback", self.rollback)  # noqa: B010

    def begin(self, dbapi_connection: Any) -> None:
        """Begin deferred (a read-only block), without waiting (once, when asked) or queued."""
        driver = dbapi_connection.driver_connection
        if _READING.get():
            driver.execute("BEGIN")  # SQLAlchemy wraps a driver error raised here as its own
            return
        no_wait = _NO_WAIT.get()
        if no_wait is not None and no_wait[0]:
            no_wait[0] = False
            self._begin_without_waiting(driver)
            return
        # Bounded wait: past busy_timeout, SQLite's own lock decides (and reports "database is locked").
        if self._lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_SECONDS):
            self._holder = driver
        try:
            driver.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._release(driver)
            raise

    def _begin_without_waiting(self, driver: Any) -> None:
        if not self._lock.acquire(blocking=False):
            raise WriterBusy("another writer of this process holds the database")
        self._holder = driver
        try:
            driver.execute("PRAGMA busy_timeout=0")
            try:
                driver.execute("BEGIN IMMEDIATE")
            finally:
                driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        except BaseException as error:
            self._release(driver)
            busy = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
            if isinstance(error, sqlite3.OperationalError) and error.sqlite_errorcode in busy:
                raise WriterBusy("another process is writing to the database") from error
            raise

    def commit(self, dbapi_connection: Any) -> None:
        """Commit, then let the next writer in."""
        try:
            self._commit(dbapi_connection)
        finally:
            self._release(dbapi_connection.driver_connection)

    def rollback(self, dbapi_connection: Any) -> None:
        """Roll back, then let the next writer in."""
        try:
            self._rollback(dbapi_connection)
        finally:
            self._release(dbapi_connection.driver_connection)

    def _release(self, driver: object) -> None:
        if self._holder is not None and self._holder is driver:
            self._holder = None
            self._lock.release()


def build_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return the session factory, with the tenant guard installed on it."""
    factory = sessionmaker(engine, expire_on_commit=False, autoflush=True)
    install_tenant_guard(factory)
    return factory
