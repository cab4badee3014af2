"""SQLite's WAL checkpoints run by a thread of their own, not by whichever commit crosses the threshold.

By default SQLite checkpoints inside the commit that takes the write-ahead log past 1,000 pages:
that commit copies the log into the database file and syncs it, about 5 ms on this machine, once
every hundred or so creates. On a server whose writes run on the event loop
(``server_impl.web.database_work``) every request in flight waits those 5 ms: measured in
process, one create in a hundred took 5 ms instead of 0.9 ms (p99 5.0 ms; 1.5 ms without them).

While a :class:`WalCheckpointer` runs, the engine's new connections turn automatic checkpoints off
(``PRAGMA wal_autocheckpoint=0``) and the thread runs a ``PASSIVE`` checkpoint every
``interval`` seconds on a connection of its own: it never waits for readers or writers, and
SQLite releases the GIL while it copies and syncs. Connections opened before :meth:`start` or
after :meth:`stop`, and other processes (``asteri worker``, the CLI), keep checkpointing
themselves, so the log never grows without bound when no checkpointer runs. A checkpoint that
fails (the database busy with another process's checkpoint, a full disk) is logged once a minute
and tried again at the next tick.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import weakref
from typing import Any

from sqlalchemy import Engine

__all__ = ["DEFAULT_INTERVAL_SECONDS", "WalCheckpointer", "wal_checkpointer"]

DEFAULT_INTERVAL_SECONDS = 0.25
_WARNING_INTERVAL_SECONDS = 60.0
_log = logging.getLogger("asteri.sqlite")
_BY_ENGINE: weakref.WeakKeyDictionary[Engine, WalCheckpointer] = weakref.WeakKeyDictionary()


class WalCheckpointer:
    """Checkpoints one SQLite database file's write-ahead log from a background thread.

    Args:
        path: The database file.
        interval: Seconds between checkpoints.
    """

    def __init__(self, path: str, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self._path = path
        self.interval = interval
        """Seconds between checkpoints."""
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned_at = -_WARNING_INTERVAL_SECONDS
        self.last: tuple[int, int, int] | None = None
        """SQLite's answer to the latest checkpoint: ``(busy, log frames, checkpointed frames)``."""

    @property
    def running(self) -> bool:
        """Whether the thread checkpoints (new connections then leave checkpoints to it)."""
        return self._thread is not None

    def configure(self, driver_connection: Any) -> None:
        """Turn a new connection's automatic checkpoints off while the thread runs."""
        if self.running:
            driver_connection.execute("PRAGMA wal_autocheckpoint=0")

    def start(self) -> None:
        """Start the thread (once; a second call does nothing)."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="asteri-wal-checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread after one last checkpoint."""
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stopping.set()
        thread.join()

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """Run one ``PASSIVE`` checkpoint; return SQLite's ``(busy, log frames, checkpointed frames)``."""
        busy, log_frames, done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.last = (int(busy), int(log_frames), int(done))
        return self.last

    def _run(self) -> None:
        connection: sqlite3.Connection | None = None
        try:
            while not self._stopping.wait(self.interval):
                connection = self._tick(connection)
            connection = self._tick(connection)
        finally:
            if connection is not None:
                connection.close()

    def _tick(self, connection: sqlite3.Connection | None) -> sqlite3.Connection | None:
        try:
            if connection is None:
                connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            self.checkpoint(connection)
        except sqlite3.Error as error:
            now = time.monotonic()
            if now - self._warned_at >= _WARNING_INTERVAL_SECONDS:
                self._warned_at = now
                _log.warning("WAL checkpoint of %s failed, retrying: %s", self._path, error)
        return connection


def register(engine: Engine, checkpointer: WalCheckpointer) -> None:
    """Make ``checkpointer`` the one :func:`wal_checkpointer` returns for ``engine``."""
    _BY_ENGINE[engine] = checkpointer


def wal_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """Return the checkpointer of an engine on a SQLite file, or ``None`` (PostgreSQL, in-memory SQLite)."""
    return _BY_ENGINE.get(engine)
