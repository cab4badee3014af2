"""Files: uploaded bytes with their declared and detected type, checksum, storage place and processing state.

``pending -> processing -> ready | failed``: the upload stores the bytes and creates the file
``pending``; the worker claims it (``processing``), verifies and reads the content, and ends it
``ready`` or ``failed`` with a reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from typing import Any

from server_impl.domain.errors import Conflict, DomainError, InvalidStateTransition
from server_impl.domain.plain import plain_fields

PENDING, PROCESSING, READY, FAILED = "pending", "processing", "ready", "failed"

#: Accepted content types (as detected from the bytes) and the extension a download name gets.
ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "application/pdf": ".pdf",
}

#: Declared types that say "I do not know": the detected type is taken as is.
UNSPECIFIED_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

#: Other names clients use for the accepted types.
TYPE_ALIASES: dict[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
    "image/heic-sequence": "image/heic",
    "image/heif-sequence": "image/heic",
    "application/x-pdf": "application/pdf",
}

#: Which attachment field names which resource, and the id prefix it carries.
ATTACHABLE: dict[str, str] = {
    "customer": "cus",
    "job": "job",
    "estimate": "est",
    "invoice": "inv",
    "payment": "pay",
}

_ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    PENDING: ("process", "delete"),
    PROCESSING: ("complete", "fail", "delete"),
    READY: ("download", "delete"),
    FAILED: ("delete",),
}

MAX_FILENAME = 255
_UNSAFE = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def media_type(value: str | None) -> str:
    """Return the bare, lower-case media type of a ``Content-Type`` value, aliases resolved (``""`` if none)."""
    if not value:
        return ""
    message = Message()
    message["content-type"] = value
    bare = message.get_content_type().lower() if "/" in value else ""
    return TYPE_ALIASES.get(bare, bare)


def safe_filename(name: str | None, fallback: str = "file") -> str:
    r"""Return a file name safe to store and to send back in ``Content-Disposition``.

    Directory parts (``../``, ``C:\\``) are dropped, and so are control, format (bidi overrides
    that disguise ``exe`` as ``jpg``), private-use and unassigned characters (other spaces become
    plain spaces); quotes, separators and other characters that could break a header or a path
    become ``_``; leading dots are removed (no hidden or relative names) and the result is at most
    255 characters. An empty result gives ``fallback``.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = "".join(_printable(ch) for ch in text)
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text).lstrip(". ").rstrip()
    if len(text) > MAX_FILENAME:
        stem, dot, extension = text.rpartition(".")
        keep = extension if dot and len(extension) <= 16 else ""
        text = (stem if keep else text)[: MAX_FILENAME - len(keep) - 1] + ("." + keep if keep else "")
    return text or fallback


def _printable(ch: str) -> str:
    """Drop control, format (bidi overrides), private and unassigned characters; other spaces become ``" "``."""
    category = unicodedata.category(ch)
    if category.startswith("C"):
        return ""
    return " " if category.startswith("Z") else ch


@dataclass(frozen=True)
class Attachment:
    """An object a file is attached to (``customer``, ``job``, ``estimate``, ``invoice``, ``payment``)."""

    resource_type: str
    resource_id: str


@dataclass(frozen=True)
class Dimensions:
    """The size of an image in pixels."""

    width: int
    height: int


class UnsupportedContent(DomainError):
    """The content is not an accepted type, or not the type it was declared as (415)."""


class ContentTooLarge(DomainError):
    """The content exceeds the upload limit (413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The file exceeds the limit of {limit} bytes.")
        self.limit = limit


@dataclass(frozen=True)
class ContentFacts:
    """What processing learnt from the bytes: image dimensions or PDF page count."""

    dimensions: Dimensions | None = None
    page_count: int | None = None


@dataclass
class StoredFile:
    """An uploaded file of a tenant.

    Attributes:
        id: ``file_`` + ULID.
        purpose: ``attachment``, ``photo``, ``signature`` or ``document``.
        filename: The uploaded name, made safe (:func:`safe_filename`).
        content_type: The type the uploader declared.
        detected_content_type: The type detected from the bytes (one of :data:`ALLOWED_TYPES`).
        size_bytes: The content's length.
        sha256: Hex SHA-256 of the content, computed while it was stored.
        attachments: The objects the file is attached to.
        bucket: Where the bytes live (the storage's bucket or directory name).
        key: The bytes' key inside the bucket.
        status: ``pending``, ``processing``, ``ready`` or ``failed``.
        failure_reason: Why processing failed.
        dimensions: Of an image, once processed.
        page_count: Of a PDF, once processed.
        processing_started_at: When a worker claimed it (a stale claim is taken over).
        ready_at: When it became ready.
    """

    id: str
    purpose: str
    filename: str
    content_type: str
    detected_content_type: str
    size_bytes: int
    sha256: str
    attachments: tuple[Attachment, ...]
    bucket: str
    key: str
    created_at: datetime
    updated_at: datetime
    status: str = PENDING
    failure_reason: str | None = None
    dimensions: Dimensions | None = None
    page_count: int | None = None
    processing_started_at: datetime | None = None
    ready_at: datetime | None = None
    version: int = 1

    def snapshot(self) -> dict[str, Any]:
        """Return the audited fields (never the storage key's secrets: there are none, but no bytes either)."""
        return {
            "status": self.status,
            "purpose": self.purpose,
            "filename": self.filename,
            "content_type": self.content_type,
            "detected_content_type": self.detected_content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "attachments": [plain_fields(item) for item in self.attachments],
            "bucket": self.bucket,
            "key": self.key,
            "failure_reason": self.failure_reason,
            "dimensions": None if self.dimensions is None else plain_fields(self.dimensions),
            "page_count": self.page_count,
        }

    def _require(self, status: str, action: str) -> None:
        if self.status != status:
            raise InvalidStateTransition(
                f"A {self.status} file cannot {action}.", self.status, _ALLOWED_ACTIONS[self.status]
            )

    def start_processing(self, now: datetime) -> None:
        """``pending -> processing`` (a worker claimed it); a ``processing`` file whose worker died is taken over."""
        if self.status != PROCESSING:
            self._require(PENDING, "start processing")
        self.status, self.processing_started_at = PROCESSING, now
        self._touch(now)

    def complete(self, facts: ContentFacts, now: datetime) -> None:
        """``processing -> ready`` with what was learnt from the content."""
        self._require(PROCESSING, "become ready")
        self.status, self.ready_at, self.failure_reason = READY, now, None
        self.dimensions, self.page_count = facts.dimensions, facts.page_count
        self._touch(now)

    def fail(self, reason: str, now: datetime) -> None:
        """``processing -> failed`` with the reason."""
        self._require(PROCESSING, "fail")
        self.status, self.failure_reason = FAILED, reason
        self._touch(now)

    def require_ready(self) -> None:
        """Check that the content may be downloaded.

        Raises:
            Conflict: Unless the file is ready (409 ``conflict``, as the contract says).
        """
        if self.status != READY:
            reason = f" ({self.failure_reason})" if self.failure_reason else ""
            raise Conflict(f"The file is {self.status}{reason}; its content can be downloaded once it is ready.")

    @property
    def download_name(self) -> str:
        """The name a download is given: the uploaded name, safe, with an extension of the detected type."""
        extension = ALLOWED_TYPES.get(self.detected_content_type, "")
        name = safe_filename(self.filename)
        if extension and not name.lower().endswith(extension):
            aliases = {".jpg": (".jpeg", ".jpe"), ".heic": (".heif",)}.get(extension, ())
            if not name.lower().endswith(aliases):
                name = safe_filename(name[: MAX_FILENAME - len(extension)] + extension)
        return name

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
