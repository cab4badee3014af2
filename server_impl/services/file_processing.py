"""Processing uploaded files: ``pending -> processing -> ready | failed``, run by the worker.

:func:`process_pending_files` claims a batch of files (``pending`` ones, and ``processing`` ones
whose worker died more than ``lease`` ago) in one short transaction, then, for each, reads its
bytes from storage outside any transaction: the size and SHA-256 must match what the upload
recorded, and the content must hold what its type promises (image dimensions from the header, a
PDF's page count). The outcome is written in a second transaction with its audit event and the
``file.ready`` / ``file.failed`` event. A file that another worker or a delete changed meanwhile is
left alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.file_content import UnreadableContent, content_facts
from server_impl.domain.files import PROCESSING, READY, ContentFacts, StoredFile
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.tenancy import Tenant
from server_impl.services import audit, events
from server_impl.services.file_ports import ClaimedFile, FileStorage
from server_impl.services.ports import UnitOfWorkFactory

#: Returns a file in its contract shape (the event's ``data.object``).
Describe = Callable[[StoredFile], Mapping[str, Any]]

DEFAULT_LEASE = timedelta(minutes=5)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class ProcessingResult:
    """What one run of :func:`process_pending_files` did."""

    ready: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def processed(self) -> int:
        """Files that reached ``ready`` or ``failed``."""
        return self.ready + self.failed


def system_caller(tenant: Tenant) -> CallContext:
    """Return the caller of the worker's writes in a tenant (audited as the ``system`` actor)."""
    principal = Principal(tenant.organization_id, tenant.environment, ActorType.SYSTEM, None, frozenset())
    return CallContext(principal, request_id="file-processing")


def claim_files(
    uow_factory: UnitOfWorkFactory, *, limit: int, now: datetime, lease: timedelta = DEFAULT_LEASE
) -> Sequence[ClaimedFile]:
    """Move up to ``limit`` files to ``processing`` (audited) in one committed transaction and return them.

    A read-only probe comes first, so that an idle worker never opens a write transaction (on
    SQLite that would take the database's write lock on every turn of the loop).
    """
    with uow_factory(None, read_only=True) as probe:
        if not probe.files.any_claimable(stale_before=now - lease):
            return []
    with uow_factory(None) as uow:
        claimed = uow.files.claimable(limit=limit, stale_before=now - lease)
        for item in claimed:
            before = item.file.snapshot()
            item.file.start_processing(now)
            uow.files.save(item.file)
            audit.record(
                uow,
                system_caller(item.tenant),
                action="file.processing",
                resource_type="file",
                resource_id=item.file.id,
                before=before,
                after=item.file.snapshot(),
                now=now,
            )
        uow.commit()
    return claimed


def inspect_content(storage: FileStorage, file: StoredFile) -> ContentFacts | str:
    """Read a stored file: its facts, or the reason it fails (missing, altered, unreadable)."""
    if file.bucket != storage.bucket:
        return f"The content is in bucket {file.bucket!r}, which this server does not reach."
    try:
        with storage.open(file.key) as stream:
            digest = hashlib.sha256()
            size = 0
            while chunk := stream.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
            if size != file.size_bytes or digest.hexdigest() != file.sha256:
                return "The stored content does not match the uploaded size and checksum."
            stream.seek(0)
            return content_facts(file.detected_content_type, stream)
    except FileNotFoundError:
        return "The stored content is missing."
    except UnreadableContent as error:
        return f"The content cannot be read as {file.detected_content_type}: {error}."


def finish_file(
    uow_factory: UnitOfWorkFactory,
    claimed: ClaimedFile,
    outcome: ContentFacts | str,
    describe: Describe,
    *,
    now: datetime,
) -> StoredFile | None:
    """Write a processed file's outcome with its audit event and ``file.ready``/``file.failed`` event.

    Returns:
        The file after the change, or ``None`` if it was deleted or taken by another worker meanwhile.
    """
    caller = system_caller(claimed.tenant)
    with uow_factory(claimed.tenant) as uow:
        current = uow.files.get(claimed.file.id)
        if current is None or current.status != PROCESSING or current.version != claimed.file.version:
            return None
        before = describe(current)
        snapshot = current.snapshot()
        if isinstance(outcome, str):
            current.fail(outcome, now)
        else:
            current.complete(outcome, now)
        uow.files.save(current)
        action = "file.ready" if current.status == READY else "file.failed"
        audit.record(
            uow,
            caller,
            action=action,
            resource_type="file",
            resource_id=current.id,
            before=snapshot,
            after=current.snapshot(),
            now=now,
        )
        events.publish(uow, caller, action, describe(current), previous=before, now=now)
        uow.commit()
    return current


def process_pending_files(
    uow_factory: UnitOfWorkFactory,
    storage: FileStorage,
    describe: Describe,
    *,
    limit: int = 20,
    lease: timedelta = DEFAULT_LEASE,
    now: Callable[[], datetime] = utc_now,
) -> ProcessingResult:
    """Process up to ``limit`` waiting files (the worker's task; safe to run in several workers).

    Args:
        uow_factory: Opens units of work.
        storage: Where the bytes are.
        describe: The file in its contract shape, for the events.
        limit: Files per run.
        lease: How long a claim lasts before another worker may take the file over.
        now: The clock.

    Returns:
        How many files became ready, failed, or were left to someone else.
    """
    ready = failed = skipped = 0
    for claimed in claim_files(uow_factory, limit=limit, now=now(), lease=lease):
        outcome = inspect_content(storage, claimed.file)
        finished = finish_file(uow_factory, claimed, outcome, describe, now=now())
        if finished is None:
            skipped += 1
        elif finished.status == READY:
            ready += 1
        else:
            failed += 1
    return ProcessingResult(ready, failed, skipped)
