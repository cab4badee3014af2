"""Detecting a content's type from its first bytes, with the ``filetype`` library (magic numbers)."""

from __future__ import annotations

import filetype


def detect_content_type(head: bytes) -> str | None:
    """Return the MIME type the first bytes of a content reveal, or ``None`` when unknown.

    ``filetype`` reads magic numbers in the first 8 KiB (it recognises images, documents,
    archives and executables alike: an executable renamed ``.jpg`` is still reported as one).
    """
    kind = filetype.guess(head)
    return None if kind is None else str(kind.mime)
