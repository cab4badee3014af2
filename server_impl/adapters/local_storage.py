"""The default file storage: a local directory, one file per key, written atomically."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

_SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")


class LocalDirectoryStorage:
    """Bytes under ``root/<key>``; keys are ``/``-separated segments of letters, digits, ``_`` and ``-``.

    A write goes to a temporary file in the target's directory and is renamed into place once
    complete, so a reader never sees half a file and a failed write (the source raising, the disk
    filling) leaves nothing behind.

    Attributes:
        bucket: The name recorded with each file (``local``).
        root: The directory.
    """

    def __init__(self, root: str | Path, bucket: str = "local") -> None:
        self.root = Path(root)
        self.bucket = bucket

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not parts or not all(_SEGMENT.fullmatch(part) for part in parts):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root.joinpath(*parts)

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        """Store the chunks under ``key`` (replacing what was there); nothing stays on error."""
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
        try:
            with os.fdopen(descriptor, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        """Open the bytes of ``key`` for reading (``FileNotFoundError`` when absent)."""
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove the bytes of ``key`` if present."""
        self._path(key).unlink(missing_ok=True)
