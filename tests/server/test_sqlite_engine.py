"""The SQLite engine's transactions: BEGIN goes straight to the driver, its errors stay SQLAlchemy's, writers queue."""

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator

from server_impl.adapters.sqlalchemy import engine as engine_module
from server_impl.adapters.sqlalchemy.checkpoints import WalCheckpointer, wal_checkpointer
from server_impl.adapters.sqlalchemy.engine import (
    build_engine,
    build_session_factory,
    first_write_without_waiting,
    json_text,
    read_only_transactions,
)
from server_impl.adapters.sqlalchemy.types import UtcDateTime, utc_column_from_sqlite_text
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory, unit_of_work_factory
from server_impl.services.ports import WriterBusy


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


def _table(path: Path) -> Engine:
    engine = build_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    return engine


def _rows(engine: Engine) -> list[int]:
    with read_only_transactions(), engine.connect() as connection, connection.begin():
        return [row.x for row in connection.execute(text("SELECT x FROM t ORDER BY x"))]


def test_the_first_write_of_a_no_wait_block_is_refused_while_another_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused at once with WriterBusy, not after busy_timeout with "database is locked"; nothing written."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_SECONDS", 2)
    path = tmp_path / "no-wait.db"
    engine = _table(path)
    with (
        _write_lock_held_elsewhere(path),
        first_write_without_waiting(),
        pytest.raises(WriterBusy, match="another process"),
        engine.begin() as connection,
    ):
        connection.execute(text("INSERT INTO t VALUES (1)"))
    with engine.connect() as connection:  # the connection waits for writers again, as configured
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        assert driver.execute("PRAGMA busy_timeout").fetchone() == (2000,)
    with engine.begin() as connection:  # and this process's writer lock was let go
        connection.execute(text("INSERT INTO t VALUES (2)"))
    assert _rows(engine) == [2]
    engine.dispose()


def test_the_first_write_of_a_no_wait_block_is_refused_while_a_thread_of_this_process_writes(
    tmp_path: Path,
) -> None:
    engine = _table(tmp_path / "threads.db")
    writing, done = threading.Event(), threading.Event()

    def write_slowly() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
            writing.set()
            assert done.wait(10)

    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(write_slowly)
        assert writing.wait(10)
        try:
            with first_write_without_waiting(), pytest.raises(WriterBusy, match="this process"), engine.begin():
                pass
        finally:
            done.set()
        slow.result()
    assert _rows(engine) == [1]
    engine.dispose()


def test_later_writes_of_a_no_wait_block_wait_for_the_writer(tmp_path: Path) -> None:
    """Once the block has committed a write, refusing the next would leave half of its work done."""
    path = tmp_path / "later.db"
    engine = _table(path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    with first_write_without_waiting():
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        holder.execute("BEGIN IMMEDIATE")
        release = threading.Timer(0.3, lambda: holder.execute("ROLLBACK"))
        release.start()
        with engine.begin() as connection:  # waits for the other writer instead of raising WriterBusy
            connection.execute(text("INSERT INTO t VALUES (2)"))
        release.join()
    holder.close()
    assert _rows(engine) == [1, 2]
    engine.dispose()


def _driver(connection: Connection) -> sqlite3.Connection:
    driver = connection.connection.driver_connection
    assert isinstance(driver, sqlite3.Connection)
    return driver


def test_read_only_units_of_a_thread_share_one_connection_and_leave_no_transaction_open(tmp_path: Path) -> None:
    engine = _table(tmp_path / "readers.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    drivers = []
    for _ in range(2):
        with factory(None, read_only=True) as uow:
            uow.connection().execute(text("SELECT count(*) FROM t"))
            drivers.append(_driver(uow.connection()))
            assert drivers[-1].in_transaction
        assert not drivers[-1].in_transaction  # no read snapshot outlives its unit
    assert drivers[0] is drivers[1]
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(lambda: _driver_of_a_read(factory)).result() is not drivers[0]
    factory.close()
    engine.dispose()


def test_each_read_only_unit_on_the_kept_connection_sees_what_was_committed_before_it(tmp_path: Path) -> None:
    """The kept connection's own transaction stays open; SQLite's snapshot must not outlive a unit."""
    engine = _table(tmp_path / "fresh.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    seen = []
    for value in (1, 2, 3):
        with engine.begin() as writer:
            writer.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
        with factory(None, read_only=True) as uow:
            seen.append(uow.connection().execute(text("SELECT count(*) FROM t")).scalar_one())
            assert uow.session.execute(text("SELECT max(x) FROM t")).scalar_one() == value  # a session joins it
    assert seen == [1, 2, 3]
    factory.close()
    engine.dispose()


def _driver_of_a_read(factory: SqlAlchemyUnitOfWorkFactory) -> sqlite3.Connection:
    with factory(None, read_only=True) as uow:
        return _driver(uow.connection())


def test_a_failed_read_only_unit_gives_its_connection_back_to_the_pool(tmp_path: Path) -> None:
    """Kept connections are reused only after a clean unit; a failed one goes back through the pool's reset."""
    engine = _table(tmp_path / "failed.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    with factory(None, read_only=True) as uow:
        kept = uow.connection()
    failing = factory(None, read_only=True)
    with pytest.raises(ZeroDivisionError), failing as uow:
        _fail_in_a_read(uow.connection())
    assert kept.closed
    with factory(None, read_only=True) as uow:
        assert uow.connection() is not kept
        assert uow.connection().execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    factory.close()
    engine.dispose()


def _fail_in_a_read(connection: Connection) -> None:
    connection.execute(text("SELECT count(*) FROM t"))
    raise ZeroDivisionError


def _timestamp_readers() -> tuple[Any, Any]:
    dialect = sqlite_dialect()
    column = UtcDateTime().dialect_impl(dialect)
    assert isinstance(column, UtcDateTime)
    # SQLAlchemy's own: the dialect's DATETIME processor, then UtcDateTime.process_result_value
    return column.result_processor(dialect, None), TypeDecorator.result_processor(column, dialect, None)


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-29 04:13:45.123456",
        "2026-11-29 04:13:45.000000",
        "2026-11-29 04:13:45",
        "0001-01-01 00:00:00.000000",
        "9999-12-31 23:59:59.999999",
    ],
)
def test_utc_timestamps_read_from_sqlite_text_as_sqlalchemy_reads_them(stored: str) -> None:
    ours, sqlalchemys = _timestamp_readers()
    assert ours(stored) == sqlalchemys(stored)
    assert ours(stored).tzinfo is UTC
    assert ours(None) is None


@pytest.mark.parametrize(
    ("stored", "moment"),
    [
        ("2026-11-29 06:13:45.500000+02:00", datetime(2026, 11, 29, 4, 13, 45, 500000, tzinfo=UTC)),
        ("2026-11-29 01:13:45-03:00", datetime(2026, 11, 29, 4, 13, 45, tzinfo=UTC)),
        ("2026-11-29T04:13:45Z", datetime(2026, 11, 29, 4, 13, 45, tzinfo=UTC)),
    ],
)
def test_a_sqlite_timestamp_with_an_offset_is_read_as_that_moment_in_utc(stored: str, moment: datetime) -> None:
    ours, _ = _timestamp_readers()
    assert ours(stored) == moment
    assert ours(stored).tzinfo is UTC


SPELLINGS = [
    "2026-11-29 04:13:45.123456",
    "2026-11-29 04:13:45",
    "2026-11-29",
    "2026-11-29T04:13:45",
    "2026-11-29 06:13:45.500000+02:00",
    "2026-11-29 01:13:45-03:00",
    "2026-11-29T04:13:45Z",
    "2026-11-29 04:13:45+00:00",
    None,
]


@pytest.mark.parametrize("stored", SPELLINGS)
def test_a_whole_column_reads_as_each_value_reads_or_refuses_and_leaves_it_to_them(stored: str | None) -> None:
    ours, _ = _timestamp_readers()
    column = ["2026-11-29 04:13:45.123456", stored, None]
    try:
        whole = utc_column_from_sqlite_text(column)
    except ValueError:  # a spelling of its own: the caller reads the column value by value
        assert stored is not None
        assert "+" in stored[10:] or "-" in stored[10:] or stored.endswith("Z")
        return
    assert whole == [ours(value) for value in column]
    assert [value.tzinfo if value else None for value in whole] == [
        value.tzinfo if value else None for value in map(ours, column)
    ]


@pytest.mark.parametrize(
    "value",
    [
        {"emails": [{"address": "dana@example.com", "label": None, "is_primary": True}], "tags": ["vip", "é"]},
        {"quantity": 2**63 - 1, "nested": {"1": [1.5, True, None]}},
        {"beyond_64_bits": 2**80},  # orjson refuses it; the standard library writes it
        [],
    ],
)
def test_json_columns_store_text_that_reads_back_as_the_same_value(value: Any) -> None:
    assert json.loads(json_text(value)) == value


def test_a_read_only_unit_opened_inside_another_of_its_thread_reads_on_a_connection_of_its_own(
    tmp_path: Path,
) -> None:
    """Sharing the kept connection would end the outer unit's transaction when the inner one ends."""
    engine = _table(tmp_path / "nested.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    with factory(None, read_only=True) as outer:
        kept = outer.connection()
        kept.execute(text("SELECT count(*) FROM t"))
        with factory(None, read_only=True) as inner:
            assert inner.connection() is not outer.connection()
            inner.connection().execute(text("SELECT count(*) FROM t"))
        assert _driver(outer.connection()).in_transaction  # the outer read is still one snapshot
    with factory(None, read_only=True) as again:
        assert again.connection() is kept  # given back when the outer unit ended
    factory.close()
    engine.dispose()


def _autocheckpoint(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())


def test_while_the_wal_checkpointer_runs_commits_leave_checkpoints_to_its_thread(tmp_path: Path) -> None:
    engine = build_engine(f"sqlite:///{tmp_path / 'a.db'}")
    checkpointer = wal_checkpointer(engine)
    assert checkpointer is not None
    assert _autocheckpoint(engine) == 1000  # SQLite's default, before the thread runs
    engine.dispose()
    checkpointer.interval = 0.01  # a fast tick for the test
    checkpointer.start()
    try:
        assert _autocheckpoint(engine) == 0
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE t (x TEXT)")
        for _ in range(20):
            with engine.begin() as connection:
                connection.exec_driver_sql("INSERT INTO t VALUES (?)", ("x" * 5000,))
        deadline = time.monotonic() + 10
        while (checkpointer.last is None or checkpointer.last[1] < 20) and time.monotonic() < deadline:
            time.sleep(0.01)
        busy, log_frames, checkpointed = checkpointer.last or (1, 0, 0)
        assert busy == 0
        assert log_frames >= 20  # twenty commits of a page and more each
        assert checkpointed == log_frames  # copied into the database file by the thread
    finally:
        checkpointer.stop()
    assert not checkpointer.running
    engine.dispose()
    assert _autocheckpoint(engine) == 1000  # no thread: connections checkpoint themselves again
    engine.dispose()


def test_a_checkpoint_that_fails_is_logged_and_the_thread_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    checkpointer = WalCheckpointer(str(tmp_path / "missing-dir" / "a.db"), interval=0.01)
    checkpointer.start()
    time.sleep(0.1)
    assert checkpointer.running
    checkpointer.stop()
    assert "WAL checkpoint" in caplog.text


def test_only_an_engine_on_a_sqlite_file_has_a_wal_checkpointer(tmp_path: Path) -> None:
    assert wal_checkpointer(build_engine("sqlite://")) is None
    assert wal_checkpointer(build_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")) is None
    assert wal_checkpointer(build_engine(f"sqlite:///{tmp_path / 'a.db'}")) is not None


def test_a_read_only_unit_that_ends_sqlalchemys_transaction_leaves_the_next_unit_reading(tmp_path: Path) -> None:
    engine = _table(tmp_path / "ended.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    with factory(None, read_only=True) as uow:
        uow.connection().rollback()  # a unit may end the transaction itself through SQLAlchemy
    for _ in range(2):
        with factory(None, read_only=True) as uow:
            assert uow.connection().execute(text("SELECT count(*) FROM t")).scalar_one() == 0
            assert _in_transaction(uow.connection())
    factory.close()
    engine.dispose()


def _insert(uow: Any, value: int) -> Connection:
    connection: Connection = uow.connection()
    connection.execute(text("INSERT INTO t VALUES (:x)"), {"x": value})
    return connection


def _fail_after_inserting(uow: Any, value: int) -> None:
    _insert(uow, value)
    raise ZeroDivisionError


def test_writing_units_of_a_thread_share_one_connection_and_commit_or_roll_back_on_it(tmp_path: Path) -> None:
    engine = _table(tmp_path / "writers.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    drivers = []
    for value in (1, 2):
        with factory(None) as uow:
            drivers.append(_insert(uow, value))
            uow.commit()
        assert not _in_transaction(drivers[-1])
    with factory(None) as uow:  # not committed: rolled back when the unit ends
        drivers.append(_insert(uow, 3))
    assert drivers[0] is drivers[1] is drivers[2]
    with factory(None) as outer:  # a unit inside another of its thread writes on a pooled connection
        _insert(outer, 4)
        outer.commit()
        with factory(None) as inner:
            assert _insert(inner, 5) is not drivers[0]
            inner.commit()
    assert _rows(engine) == [1, 2, 4, 5]
    factory.close()
    engine.dispose()


def test_a_failed_writing_unit_closes_its_kept_connection_and_a_refused_one_keeps_it(tmp_path: Path) -> None:
    engine = _table(tmp_path / "failed-writer.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    with factory(None) as uow:
        kept = _insert(uow, 1)
        uow.commit()
    with pytest.raises(ZeroDivisionError), factory(None) as uow:
        _fail_after_inserting(uow, 2)
    with factory(None) as uow:
        fresh = _insert(uow, 3)
        uow.commit()
    assert kept.closed  # the failed unit's connection went back through the pool's reset, not reused as it was
    assert fresh is not kept
    held = _write_lock_held_elsewhere(tmp_path / "failed-writer.db")
    with held, first_write_without_waiting(), pytest.raises(WriterBusy), factory(None) as uow:
        _insert(uow, 4)
    with factory(None) as uow:
        assert _insert(uow, 5) is fresh  # refused before it began: the connection was clean
        uow.commit()
    assert _rows(engine) == [1, 3, 5]
    factory.close()
    engine.dispose()


def test_only_a_few_threads_keep_connections_so_a_busy_thread_pool_never_exhausts_the_pool(tmp_path: Path) -> None:
    """Twenty threads alive at once, each having written and read: 15 pooled connections suffice."""
    engine = _table(tmp_path / "threads.db")
    factory = unit_of_work_factory(build_session_factory(engine))
    turn, all_done = threading.Lock(), threading.Barrier(20, timeout=10)

    def write_then_wait(value: int) -> None:
        with turn:  # one writer at a time, as SQLite's writer lock would have it
            with factory(None) as uow:
                _insert(uow, value)
                uow.commit()
            with factory(None, read_only=True) as uow:
                uow.connection().execute(text("SELECT count(*) FROM t"))
        all_done.wait()  # every thread stays alive until all have written

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(write_then_wait, range(20)))
    assert _rows(engine) == list(range(20))
    for kept in (factory._writers, factory._readers):
        assert kept is not None
        assert len(kept._open) <= kept.MAX_KEPT
    with factory(None) as uow:  # the pool's threads have ended: their slots are given back
        _insert(uow, 20)
        uow.commit()
    assert factory._writers is not None
    assert len(factory._writers._open) == 1
    factory.close()
    engine.dispose()
