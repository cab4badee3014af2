"""The worker task that processes uploaded files (``pending -> processing -> ready | failed``)."""

from __future__ import annotations

from datetime import timedelta

from server_impl.handlers.files import file_document
from server_impl.services.file_ports import FileStorage
from server_impl.services.file_processing import DEFAULT_LEASE, process_pending_files
from server_impl.services.ports import UnitOfWorkFactory


class FileProcessingTask:
    """Processes waiting files in batches on every turn of the loop (a queue: interval 0).

    Safe in several workers at once: files are claimed ``FOR UPDATE SKIP LOCKED`` on PostgreSQL
    (SQLite serializes writers), and a claim older than ``lease`` is taken over.
    """

    name = "files"
    interval_seconds = 0.0

    def __init__(
        self, uow_factory: UnitOfWorkFactory, storage: FileStorage, *, batch: int = 20, lease: timedelta = DEFAULT_LEASE
    ) -> None:
        self._uow = uow_factory
        self._storage = storage
        self._batch = batch
        self._lease = lease

    def run_once(self) -> int:
        """Process one batch; return how many files it handled."""
        result = process_pending_files(self._uow, self._storage, file_document, limit=self._batch, lease=self._lease)
        return result.processed + result.skipped

    def close(self) -> None:
        """Nothing to release: the units of work close themselves."""
