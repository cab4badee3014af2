"""A content-addressed cache of datamodel-code-generator output (its slowest step is a pure function).

The key hashes the schema document, the datamodel-code-generator version and our option set, so a
hit is byte-identical to a fresh run. ``ASTERI_NO_CACHE=1`` disables it; ``ASTERI_CACHE_DIR``
moves it (default ``$XDG_CACHE_HOME/asteri`` or ``~/.cache/asteri``).
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


def cache_key(document: dict[str, Any], options: str) -> str:
    """A digest of everything the DTO source depends on."""
    digest = hashlib.sha256()
    digest.update(version("datamodel-code-generator").encode())
    digest.update(options.encode())
    digest.update(json.dumps(document, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def read_cached(key: str) -> str | None:
    """The cached source for ``key``, if any."""
    folder = _cache_dir()
    if folder is None:
        return None
    try:
        return (folder / f"dto-{key}.py").read_text(encoding="utf-8")
    except OSError:
        return None


def write_cached(key: str, source: str) -> None:
    """Store ``source`` under ``key`` (atomically; failures are ignored: the cache is an optimisation)."""
    folder = _cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(source)
        Path(handle.name).replace(folder / f"dto-{key}.py")
    except OSError:
        return
