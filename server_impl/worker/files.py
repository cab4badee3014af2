"""The worker task that processes uploaded files (``pending -> processing -> ready | failed``)."""

from __future__ import annotations

from datetime import timedelta

from server_impl.handlers.files import file_document
from server_impl.services.file_ports import FileStorage
from server_impl.services.file_processing import DEFAULT_LEASE, process_pending_files
from server_impl.services.ports import UnitOfWorkFactory


class FileProcessingTask:
    """Processes waiting files in batches: on every turn while there is work, every ``idle_seconds`` otherwise.

    An idle probe costs a read transaction (about 3 ms on SQLite on the shared 2-core machine), too
    much for every turn of a loop that delivers hundreds of webhooks a second; so after a turn
    that found nothing, ``interval_seconds`` becomes ``idle_seconds`` until a file turns up again.
    Safe in several workers at once: files are claimed ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
    (SQLite serializes writers), and a claim older than ``lease`` is taken over.
    """

    name = "files"

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        storage: FileStorage,
        *,
        batch: int = 20,
        lease: timedelta = DEFAULT_LEASE,
        idle_seconds: float = 0.5,
    ) -> None:
        self._uow = uow_factory
        self._storage = storage
        self._batch = batch
        self._lease = lease
        self._idle_seconds = idle_seconds
        self.interval_seconds = 0.0

    def run_once(self) -> int:
        """Process one batch; return how many files it handled."""
        result = process_pending_files(self._uow, self._storage, file_document, limit=self._batch, lease=self._lease)
        handled = result.processed + result.skipped
        self.interval_seconds = 0.0 if handled else self._idle_seconds
        return handled

    def close(self) -> None:
        """Nothing to release: the units of work close themselves."""
