"""Statements prepared for SQLite's driver give what SQLAlchemy's execution gives, errors included."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError

from server_impl.adapters.sqlalchemy.engine import build_engine, read_only_transactions
from server_impl.adapters.sqlalchemy.prepared import insert_of, prepared_insert, prepared_read
from server_impl.adapters.sqlalchemy.types import UtcDateTime, json_type

METADATA = MetaData()
THINGS = Table(
    "prepared_things",
    METADATA,
    Column("id", String, primary_key=True),
    Column("seen_at", UtcDateTime(), nullable=True),
    Column("doc", json_type(), nullable=True),
    Column("size", Integer, nullable=True),
    Column("version", Integer, nullable=False, default=1),
)
BY_ID = select(THINGS.c.id, THINGS.c.seen_at, THINGS.c.doc, THINGS.c.size).where(THINGS.c.id == bindparam("id"))
EVERY = select(THINGS.c.id, THINGS.c.seen_at, THINGS.c.doc, THINGS.c.size).order_by(THINGS.c.id)
ROW = {"id": "a", "seen_at": datetime(2026, 11, 29, 4, 13, 45, 123456, tzinfo=UTC), "doc": {"tags": ["x"]}, "size": 3}


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = build_engine(f"sqlite:///{tmp_path / 'prepared.db'}")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def test_an_insert_and_its_reads_match_sqlalchemys(engine: Engine) -> None:
    prepared = prepared_insert(THINGS, frozenset({*ROW, "version"}), engine.dialect)
    assert prepared is not None
    with engine.begin() as connection:
        prepared.execute(connection, {**ROW, "version": 1})
        connection.execute(insert_of(THINGS), {"id": "b", "seen_at": None, "doc": None, "size": None, "version": 1})

    by_id, every = prepared_read(BY_ID, engine.dialect), prepared_read(EVERY, engine.dialect)
    assert by_id is not None
    assert every is not None
    with read_only_transactions(), engine.connect() as connection:
        theirs = [tuple(row) for row in connection.execute(EVERY)]
        ours = every.rows(connection, {})
        assert ours == theirs
        assert ours[0].seen_at == ROW["seen_at"]
        assert ours[0].doc == {"tags": ["x"]}
        assert by_id.rows(connection, {"id": "b"}) == [("b", None, None, None)]
        assert by_id.rows(connection, {"id": "missing"}) == []


def test_a_json_scalar_number_reads_back_as_the_number(engine: Engine) -> None:
    """SQLite's NUMERIC affinity of a JSON column stores the text of a scalar number as a number."""
    with engine.begin() as connection:
        connection.execute(insert_of(THINGS), {"id": "c", "seen_at": None, "doc": 5, "size": None, "version": 1})
    by_id = prepared_read(BY_ID, engine.dialect)
    assert by_id is not None
    with read_only_transactions(), engine.connect() as connection:
        assert by_id.rows(connection, {"id": "c"}) == [("c", None, 5, None)]


def test_a_unique_clash_is_sqlalchemys_integrity_error(engine: Engine) -> None:
    """The unit of work answers IntegrityError with a Conflict (409); a raw sqlite3 error would be a 500."""
    prepared = prepared_insert(THINGS, frozenset({*ROW, "version"}), engine.dialect)
    assert prepared is not None
    with engine.begin() as connection:
        prepared.execute(connection, {**ROW, "version": 1})
    with pytest.raises(IntegrityError, match="UNIQUE"), engine.begin() as connection:
        prepared.execute(connection, {**ROW, "version": 1})


def test_statements_sqlalchemy_rewrites_per_execution_are_left_to_it(engine: Engine) -> None:
    assert prepared_insert(THINGS, frozenset(ROW), engine.dialect) is None  # version's default is computed in Python
    assert prepared_read(select(THINGS.c.id).where(THINGS.c.id.in_(["a", "b"])), engine.dialect) is None
    assert prepared_read(select(THINGS.c.id.label("_private")), engine.dialect) is None


def test_a_json_column_of_text_null_numbers_and_malformed_text_reads_as_sqlalchemy_reads_it(engine: Engine) -> None:
    documents = {"a": {"tags": ["x"]}, "b": None, "c": 5, "d": [1, "two"], "e": "text"}
    with engine.begin() as connection:
        for key, document in documents.items():
            connection.execute(insert_of(THINGS), {"id": key, "seen_at": None, "doc": document, "size": None})
    every = prepared_read(EVERY, engine.dialect)
    assert every is not None
    with read_only_transactions(), engine.connect() as connection:
        expected = [tuple(row) for row in connection.execute(EVERY)]
        assert [row[2] for row in expected] == list(documents.values())
        assert every.rows(connection, {}) == expected  # the mixed column, value by value
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM prepared_things WHERE id IN ('b', 'c')")
    with read_only_transactions(), engine.connect() as connection:
        assert every.rows(connection, {}) == [tuple(row) for row in connection.execute(EVERY)]  # all JSON text
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE prepared_things SET doc = '{not json' WHERE id = 'd'")
    with read_only_transactions(), engine.connect() as connection:
        with pytest.raises(ValueError, match="line 1") as ours:
            every.rows(connection, {})
        with pytest.raises(ValueError, match="line 1") as theirs:
            connection.execute(EVERY).all()
        assert type(ours.value) is type(theirs.value)


def test_a_timestamp_column_with_offsets_and_nulls_reads_as_sqlalchemy_reads_it(engine: Engine) -> None:
    with engine.begin() as connection:
        for key in "abc":
            connection.execute(insert_of(THINGS), {**ROW, "id": key, "seen_at": ROW["seen_at"] if key != "b" else None})
    every = prepared_read(EVERY, engine.dialect)
    assert every is not None
    with read_only_transactions(), engine.connect() as connection:
        assert every.rows(connection, {}) == [tuple(row) for row in connection.execute(EVERY)]  # whole column
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE prepared_things SET seen_at = '2026-11-29 06:13:45+02:00' WHERE id = 'c'")
    with read_only_transactions(), engine.connect() as connection:
        rows = every.rows(connection, {})
        assert rows == [tuple(row) for row in connection.execute(EVERY)]  # value by value
        assert rows[2][1] == datetime(2026, 11, 29, 4, 13, 45, tzinfo=UTC)
