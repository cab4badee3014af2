"""A short-lived, in-process cache of authenticated API keys (by secret hash).

Authenticating a key is a database read on every request; the cache keeps each key found for
``ttl`` seconds so a busy key costs one read per ``ttl``. Expiry is still checked on every request
(against the cached ``expires_at``). A revocation or rotation made through this process forgets
the key at once; one made by another process (another worker, the CLI) takes effect within ``ttl``
(ADR 0411). Unknown keys are never cached, so a new key works at once everywhere.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from server_impl.domain.api_keys import ApiKey


class KeyCache:
    """Keys by secret hash for ``ttl`` seconds, at most ``max_entries`` (least recently used first out)."""

    def __init__(self, ttl: float, *, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._max = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[ApiKey, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when ``ttl`` is 0: every request reads the key."""
        return self._ttl > 0

    def get(self, key_hash: str) -> ApiKey | None:
        """Return the cached key of a hash, or ``None`` when absent or older than ``ttl``."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return None
            if self._clock() - entry[1] >= self._ttl:
                del self._entries[key_hash]
                return None
            self._entries.move_to_end(key_hash)
            return entry[0]

    def put(self, key: ApiKey) -> None:
        """Remember a key just read from the database."""
        if not self.enabled:
            return
        with self._lock:
            self._entries[key.key_hash] = (key, self._clock())
            self._entries.move_to_end(key.key_hash)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every key (after a revocation or rotation in this process: they are rare)."""
        with self._lock:
            self._entries.clear()
