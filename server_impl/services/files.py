"""Use cases for files: receive an upload, record it, read, list, download, delete (audited, tenant-scoped).

An upload is checked and stored before its row exists: :func:`receive_upload` sniffs the first
bytes (type allow-list, declared against detected), then streams the content into storage while
counting and hashing it, so nothing is held in memory whole and an oversize file never stays.
:func:`create_file` then records the row and its audit event in the caller's unit of work; the
handler removes the stored bytes if that write does not commit. Processing is in
:mod:`server_impl.services.file_processing`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.files import (
    ALLOWED_TYPES,
    ATTACHABLE,
    UNSPECIFIED_TYPES,
    Attachment,
    ContentTooLarge,
    StoredFile,
    UnsupportedContent,
    media_type,
    safe_filename,
)
from server_impl.domain.principal import CallContext
from server_impl.domain.tenancy import Tenant
from server_impl.services import audit
from server_impl.services.file_ports import FileFilter, FileStorage
from server_impl.services.ports import Page, UnitOfWork

SNIFF_BYTES = 8192
COPY_CHUNK = 1 << 16

#: Detects a content type from the first bytes of a content (``None`` when unknown).
Detector = Callable[[bytes], str | None]


class Readable(Protocol):
    """A binary source: ``read(n)`` returns at most ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""


@dataclass(frozen=True)
class StagedContent:
    """Bytes accepted and stored for a file whose row is not written yet.

    Attributes:
        file_id: The id the file will have (its storage key ends with it).
        bucket: The storage bucket.
        key: The storage key.
        detected_content_type: The type detected from the bytes.
        size_bytes: The content's length.
        sha256: Hex SHA-256 of the content.
    """

    file_id: str
    bucket: str
    key: str
    detected_content_type: str
    size_bytes: int
    sha256: str


def storage_key(tenant: Tenant, file_id: str) -> str:
    """Return the storage key of a file: ``<organization>/<environment>/<file id>``."""
    return f"{tenant.organization_id}/{tenant.environment.value}/{file_id}"


def check_type(declared: str | None, head: bytes, detect: Detector) -> str:
    """Return the detected type of a content if it is accepted and agrees with the declared one.

    Args:
        declared: The part's ``Content-Type`` (``application/octet-stream`` or none: take the detected).
        head: The first bytes of the content.
        detect: The detector.

    Returns:
        The detected type, one of :data:`~server_impl.domain.files.ALLOWED_TYPES`.

    Raises:
        UnsupportedContent: The type is not accepted, or differs from the declared one.
    """
    detected = media_type(detect(head) or "")
    accepted = ", ".join(ALLOWED_TYPES)
    if detected not in ALLOWED_TYPES:
        found = f"detected {detected}" if detected else "its type could not be recognised"
        raise UnsupportedContent(f"The file's content is not an accepted type ({found}); send one of: {accepted}.")
    wanted = media_type(declared)
    if wanted not in UNSPECIFIED_TYPES and wanted != detected:
        raise UnsupportedContent(
            f"The file part is declared as {wanted} but its content is {detected}; declare {detected} "
            "or application/octet-stream."
        )
    return detected


def receive_upload(
    storage: FileStorage,
    tenant: Tenant,
    source: Readable,
    *,
    file_id: str,
    declared_type: str | None,
    max_bytes: int,
    detect: Detector,
) -> StagedContent:
    """Check an upload's type and stream it into storage while counting and hashing it.

    Args:
        storage: Where the bytes go.
        tenant: The uploader's tenant (the key is inside its prefix).
        source: The content, from its first byte.
        file_id: The new file's id.
        declared_type: The part's ``Content-Type``.
        max_bytes: The upload limit.
        detect: The content type detector.

    Returns:
        What was stored.

    Raises:
        ValidationFailed: The file is empty (``/file``).
        UnsupportedContent: The type is not accepted or not the declared one (nothing stored).
        ContentTooLarge: Past ``max_bytes`` (nothing stored).
    """
    head = source.read(SNIFF_BYTES)
    if not head:
        raise ValidationFailed((FieldError("/file", "The file is empty; send its content."),))
    detected = check_type(declared_type, head, detect)
    digest = hashlib.sha256()
    size = 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        chunk = head
        while chunk:
            size += len(chunk)
            if size > max_bytes:
                raise ContentTooLarge(max_bytes)
            digest.update(chunk)
            yield chunk
            chunk = source.read(COPY_CHUNK)

    key = storage_key(tenant, file_id)
    storage.write(key, chunks())
    return StagedContent(file_id, storage.bucket, key, detected, size, digest.hexdigest())


def check_attachments(uow: UnitOfWork, requested: dict[str, str]) -> tuple[Attachment, ...]:
    """Return the attachments of an upload, each checked to exist in the caller's tenant.

    Args:
        uow: The write's unit of work.
        requested: ``resource_type -> id`` from the upload's ``<resource>_id`` fields.

    Returns:
        The attachments, in the contract's order of resources.

    Raises:
        ValidationFailed: Naming each ``/<resource>_id`` that does not exist in the tenant.
    """
    errors = []
    attachments = []
    for resource_type in ATTACHABLE:
        resource_id = requested.get(resource_type)
        if resource_id is None:
            continue
        if _find(uow, resource_type, resource_id) is None:
            errors.append(FieldError(f"/{resource_type}_id", f"No such {resource_type} in this organization."))
            continue
        attachments.append(Attachment(resource_type, resource_id))
    if errors:
        raise ValidationFailed(tuple(errors))
    return tuple(attachments)


def _find(uow: UnitOfWork, resource_type: str, resource_id: str) -> object | None:
    """Return the object an attachment names, or ``None`` when the tenant has no such object."""
    if resource_type == "customer":
        return uow.customers.get(resource_id)
    if resource_type == "job":
        return uow.jobs.get(resource_id)
    if resource_type == "estimate":
        return uow.estimates.get(resource_id)
    if resource_type == "invoice":
        return uow.invoices.get(resource_id)
    return uow.payments.get(resource_id)


def create_file(
    uow: UnitOfWork,
    caller: CallContext,
    staged: StagedContent,
    *,
    purpose: str,
    filename: str | None,
    declared_type: str | None,
    attachments: dict[str, str],
    now: datetime | None = None,
) -> StoredFile:
    """Record a stored upload as a ``pending`` file and audit it (not committed here).

    Raises:
        ValidationFailed: An attachment does not exist in the tenant.
    """
    moment = now or utc_now()
    file = StoredFile(
        id=staged.file_id,
        purpose=purpose,
        filename=safe_filename(filename),
        content_type=media_type(declared_type) or "application/octet-stream",
        detected_content_type=staged.detected_content_type,
        size_bytes=staged.size_bytes,
        sha256=staged.sha256,
        attachments=check_attachments(uow, attachments),
        bucket=staged.bucket,
        key=staged.key,
        created_at=moment,
        updated_at=moment,
    )
    uow.files.add(file)
    audit.record(
        uow,
        caller,
        action="file.created",
        resource_type="file",
        resource_id=file.id,
        before=None,
        after=file.snapshot(),
        now=moment,
    )
    return file


def get_file(uow: UnitOfWork, file_id: str) -> StoredFile:
    """Return a file of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    file = uow.files.get(file_id)
    if file is None:
        raise NotFound("file", file_id)
    return file


def list_files(uow: UnitOfWork, filters: FileFilter, *, limit: int, before_id: str | None) -> Page[StoredFile]:
    """Return the tenant's files newest first."""
    return uow.files.list(filters, limit=limit, before_id=before_id)


def delete_file(uow: UnitOfWork, caller: CallContext, file_id: str, *, now: datetime | None = None) -> StoredFile:
    """Delete a file's row and audit it; the caller removes the bytes once this commits.

    Raises:
        NotFound: Outside the tenant.
    """
    file = get_file(uow, file_id)
    uow.files.delete(file_id)
    audit.record(
        uow,
        caller,
        action="file.deleted",
        resource_type="file",
        resource_id=file_id,
        before=file.snapshot(),
        after=None,
        now=now,
    )
    return file


def open_content(uow: UnitOfWork, storage: FileStorage, file_id: str) -> tuple[StoredFile, BinaryIO]:
    """Return a ready file and its bytes, open for reading (the caller closes them).

    Raises:
        NotFound: Outside the tenant, or the bytes are gone.
        InvalidStateTransition: The file is not ready (409).
    """
    file = get_file(uow, file_id)
    file.require_ready()
    try:
        return file, storage.open(file.key)
    except FileNotFoundError:
        raise NotFound("file", file_id) from None
