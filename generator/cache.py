"""A content-addressed cache for the toolchain's slow pure functions (DTO codegen, spec validation).

A key hashes everything the result depends on (the input document, the versions of the libraries
that compute it, our own options), so a hit is identical to a fresh run. ``ASTERI_NO_CACHE=1``
disables it; ``ASTERI_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/asteri`` or
``~/.cache/asteri``). Failures to read or write are ignored: the cache is only an optimisation.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

__all__ = ["cache_key", "read_cached", "write_cached"]


def _cache_dir() -> Path | None:
    if os.environ.get("ASTERI_NO_CACHE"):
        return None
    explicit = os.environ.get("ASTERI_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "asteri"


def cache_key(document: dict[str, Any], options: str, *, libraries: tuple[str, ...]) -> str:
    """A digest of the document, our options and the installed versions of ``libraries``."""
    digest = hashlib.sha256()
    for library in libraries:
        digest.update(f"{library}=={version(library)};".encode())
    digest.update(options.encode())
    digest.update(json.dumps(document, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def read_cached(kind: str, key: str, suffix: str = "") -> str | None:
    """The cached text of ``kind`` (``dto``, ``validation``...) for ``key``, if any."""
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        return (folder / f"{kind}-{key}{suffix}").read_text(encoding="utf-8")
    except OSError:
        return None


def write_cached(kind: str, key: str, text: str, suffix: str = "") -> None:
    """Store ``text`` under ``kind`` and ``key``, atomically."""
    folder = _cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        Path(handle.name).replace(folder / f"{kind}-{key}{suffix}")
    except OSError:
        return
