"""The worker loop: runs registered :class:`WorkerTask` objects until told to stop."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Protocol

logger = logging.getLogger("asteri.worker")


class WorkerTask(Protocol):
    """A unit of background work the loop runs again and again.

    Attributes:
        name: Shown in logs.
        interval_seconds: Least time between two runs (0: every turn of the loop, for queues).
    """

    name: str
    interval_seconds: float

    def run_once(self) -> int:
        """Do one batch of work and return how many items it handled (0 when there was nothing to do)."""

    def close(self) -> None:
        """Release what the task holds (connections); called once when the worker stops."""


class Worker:
    """Runs tasks in turn; sleeps ``poll_seconds`` when a whole turn found nothing to do.

    A task that raises is logged and retried on the next turn: one failing task never stops the others.
    """

    def __init__(self, tasks: Sequence[WorkerTask], *, poll_seconds: float = 0.5) -> None:
        self.tasks = tuple(tasks)
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._last_run: dict[str, float] = {}
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Run every task that is due once; return the number of items handled."""
        handled = 0
        for task in self.tasks:
            now = time.monotonic()
            last = self._last_run.get(task.name)
            if last is not None and now - last < task.interval_seconds:
                continue
            self._last_run[task.name] = now
            try:
                handled += task.run_once()
            except Exception:
                logger.exception("worker task %s failed; retrying on the next turn", task.name)
        return handled

    def run_until_idle(self, *, max_turns: int = 1000) -> int:
        """Run turns until one handles nothing (tests, benchmarks); return the items handled."""
        total = 0
        for _ in range(max_turns):
            handled = self.run_once()
            total += handled
            if handled == 0:
                break
        return total

    def run_forever(self) -> None:
        """Run turns until :meth:`stop`, sleeping when idle; then close the tasks."""
        try:
            while not self._stop.is_set():
                if self.run_once() == 0:
                    self._stop.wait(self._poll)
        finally:
            for task in self.tasks:
                task.close()

    def start(self) -> threading.Thread:
        """Run :meth:`run_forever` in a daemon thread (the server's in-process worker)."""
        self._thread = threading.Thread(target=self.run_forever, name="asteri-worker", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, timeout: float | None = 30) -> None:
        """Ask the loop to stop after the current turn and wait for its thread, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
