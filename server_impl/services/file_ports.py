"""Ports of the files area: the file repository (``uow.files``) and the storage of the bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, Protocol

from server_impl.domain.files import StoredFile
from server_impl.domain.tenancy import Tenant

if TYPE_CHECKING:
    from server_impl.services.ports import Page


@dataclass(frozen=True)
class FileFilter:
    """Filters of the file list (combined with AND)."""

    status: str | None = None
    purpose: str | None = None
    attached_to: str | None = None
    updated_since: datetime | None = None


@dataclass(frozen=True)
class ClaimedFile:
    """A file a worker took for processing, with the tenant it belongs to."""

    tenant: Tenant
    file: StoredFile


class FileRepository(Protocol):
    """The tenant's files (a system unit of work sees every tenant's, for the worker)."""

    def add(self, file: StoredFile) -> None:
        """Stage a new file."""

    def get(self, file_id: str) -> StoredFile | None:
        """Return the file, or ``None`` outside the tenant."""

    def save(self, file: StoredFile) -> None:
        """Write back a changed file."""

    def delete(self, file_id: str) -> None:
        """Remove the file's row."""

    def list(self, filters: FileFilter, *, limit: int, before_id: str | None = None) -> Page[StoredFile]:
        """Return files newest first."""

    def any_claimable(self, *, stale_before: datetime) -> bool:
        """Tell, without locking anything, whether :meth:`claimable` would find a file."""

    def claimable(self, *, limit: int, stale_before: datetime) -> Sequence[ClaimedFile]:
        """Return files to process, oldest first, locked until the transaction ends.

        Those are ``pending`` files and ``processing`` ones whose worker started before
        ``stale_before`` (it died). On PostgreSQL the rows are taken ``FOR UPDATE SKIP LOCKED``,
        so concurrent workers never take the same file; SQLite serializes writers already.
        """


class FileStorage(Protocol):
    """Where the bytes of files live, by key inside one bucket.

    Attributes:
        bucket: The bucket (or directory) name recorded with each file.
    """

    bucket: str

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the chunks under ``key`` atomically: on any error (the source's included) nothing stays."""

    def open(self, key: str) -> BinaryIO:
        """Open the bytes for reading.

        Raises:
            FileNotFoundError: Nothing is stored under the key.
        """

    def delete(self, key: str) -> None:
        """Remove the bytes (nothing happens if they are already gone)."""
