"""Per-credential rate limits with the ``limits`` library (memory, or Redis for several processes).

Two fixed windows per identity, a minute and a day. The answer carries the IETF RateLimit fields
(draft-ietf-httpapi-ratelimit-headers-11): the policy of both windows and the state of the tightest.

When the shared storage (Redis) cannot be reached, the configured failure mode decides (ADR 0811):
``open`` lets the request through with a warning in the log (at most one per
:data:`WARNING_INTERVAL_SECONDS`) and only the ``RateLimit-Policy`` field; ``closed`` raises
:class:`LimiterUnavailable`, which the server answers with 503 and ``Retry-After``. Redis calls time
out after :data:`REDIS_TIMEOUT_SECONDS`, so a hung Redis costs each request at most that long.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from dataclasses import dataclass, field
from typing import Literal

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.errors import StorageError
from limits.storage import storage_from_string

_NAMESPACE = "asteri"
REDIS_TIMEOUT_SECONDS = 0.5
WARNING_INTERVAL_SECONDS = 10.0
RETRY_AFTER_SECONDS = 5
FailureMode = Literal["open", "closed"]
_log = logging.getLogger("asteri.ratelimit")


class LimiterUnavailable(Exception):
    """The rate-limit storage cannot be reached and the failure mode is ``closed``.

    Attributes:
        retry_after: Seconds the client should wait before retrying.
    """

    def __init__(self, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__("the rate-limit storage is unavailable")
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateDecision:
    """The outcome of counting one request.

    Attributes:
        allowed: Whether the request may proceed.
        headers: ``RateLimit-Policy`` and ``RateLimit`` (and ``Retry-After`` when refused).
        window: The exhausted window (``minute`` or ``day``), when refused.
        retry_after: Seconds until the exhausted window ends, when refused.
    """

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    window: str | None = None
    retry_after: int | None = None


@dataclass(frozen=True, eq=False)  # one instance per pair of limits (cached): hashed by identity, not by its items
class _Windows:
    """The two windows of one pair of limits (name, item, length in seconds), and their ``RateLimit-Policy`` field."""

    items: tuple[tuple[str, RateLimitItem, int], ...]
    policy: str


@functools.lru_cache(maxsize=256)
def _windows(per_minute: int, per_day: int) -> _Windows:
    # Keys have a handful of distinct limits: built once each, not twice per request.
    minute = RateLimitItemPerMinute(per_minute, namespace=_NAMESPACE)
    day = RateLimitItemPerDay(per_day, namespace=_NAMESPACE)
    items = (("minute", minute, minute.get_expiry()), ("day", day, day.get_expiry()))
    policy = ", ".join(f'"{name}";q={item.amount};w={seconds}' for name, item, seconds in items)
    return _Windows(items, policy)


@functools.lru_cache(maxsize=4096)
def _keys(windows: _Windows, identity: str) -> tuple[str, ...]:
    # The storage keys of an identity's windows (limits builds them by joining strings each time).
    return tuple(item.key_for(identity) for _, item, _ in windows.items)


SWEEP_INTERVAL_SECONDS = 1.0


class SweptMemoryStorage(MemoryStorage):
    """``limits``' in-process storage, sweeping out expired counters at most once a second.

    ``limits``' asynchronous memory storage schedules a sweep of every counter after each increment,
    and a sweep ends at once, so every request started a task that walked every counter of the
    process: 15 us per increment with 10 counters, 1.1 ms with 10,000 (5,000 keys in use, two windows
    each), which would cap a server at a few hundred requests per second. An expired counter already
    reads as absent (``get`` drops it first); the sweep only frees its memory, so once a second does.
    The sweep is the storage's private ``__schedule_expiry``; ``tests/server/test_rate_limits.py``
    fails if a release of ``limits`` renames it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._swept_at = -SWEEP_INTERVAL_SECONDS

    async def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL_SECONDS:
            return
        self._swept_at = now
        await getattr(super(), "_MemoryStorage__schedule_expiry")()  # noqa: B009 - the name-mangled original


class RateLimiter:
    """Counts requests per identity in two windows."""

    def __init__(self, storage: Storage, failure: FailureMode = "open") -> None:
        self._storage = storage
        self._failure = failure
        self._warned_at = -WARNING_INTERVAL_SECONDS

    @classmethod
    def from_url(cls, redis_url: str | None, failure: FailureMode = "open") -> RateLimiter:
        """Return a limiter on Redis when a URL is given, in process memory otherwise.

        Args:
            redis_url: ``redis://...``, or None for in-process memory.
            failure: What to do when Redis cannot be reached: ``open`` or ``closed``.
        """
        if redis_url is None:
            return cls(SweptMemoryStorage(), failure)
        storage = storage_from_string(
            f"async+{redis_url}",
            implementation="redispy",
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )
        assert isinstance(storage, Storage)
        return cls(storage, failure)

    async def hit(self, identity: str, per_minute: int, per_day: int) -> RateDecision:
        """Count one request of ``identity`` and decide.

        A request refused by the minute window does not consume the day window.

        Args:
            identity: Whose quota (``key:<id>`` or ``user:<id>:<org>``).
            per_minute: Requests allowed per minute.
            per_day: Requests allowed per day.

        Returns:
            The decision with its headers.

        Raises:
            LimiterUnavailable: If the storage cannot be reached and the failure mode is ``closed``.
        """
        windows = _windows(per_minute, per_day)
        try:
            return await self._decide(identity, windows)
        except StorageError as error:
            if self._failure == "closed":
                raise LimiterUnavailable from error
            now = time.monotonic()
            if now - self._warned_at >= WARNING_INTERVAL_SECONDS:
                self._warned_at = now
                _log.warning("rate-limit storage unavailable, letting requests through (fail open): %s", error)
            return RateDecision(True, {"RateLimit-Policy": windows.policy})

    async def _decide(self, identity: str, windows: _Windows) -> RateDecision:
        # limits' FixedWindowRateLimiter.hit is `storage.incr(key, expiry) <= amount`, and its
        # get_window_stats reads the count and the expiry again: six storage calls (Redis round
        # trips) for two windows. Keeping the count incr returns, and reading the expiry of the one
        # window the fields report, makes it three, with the same keys and the same atomic counter.
        refused: str | None = None
        states: list[tuple[str, int, int, str]] = []
        for (name, item, seconds), key in zip(windows.items, _keys(windows, identity), strict=True):
            if refused is None:
                count = await self._storage.incr(key, seconds)
                if count > item.amount:
                    refused = name
            else:  # a request refused by the minute window does not consume the day window
                count = await self._storage.get(key)
            states.append((name, seconds, max(0, item.amount - count), key))
        name, seconds, remaining, key = next((s for s in states if s[0] == refused), None) or min(
            states, key=lambda s: s[2]
        )
        # Storages derive the expiry from a whole-second TTL, so it can land a fraction past the
        # window; a window never resets later than its own length from now.
        expiry = await self._storage.get_expiry(key)
        seconds_left = min(seconds, max(0, math.ceil(expiry - time.time())))
        headers = {"RateLimit-Policy": windows.policy, "RateLimit": f'"{name}";r={remaining};t={seconds_left}'}
        if refused is None:
            return RateDecision(True, headers)
        retry_after = max(1, seconds_left)
        headers["Retry-After"] = str(retry_after)
        return RateDecision(False, headers, refused, retry_after)

    async def reset(self) -> None:
        """Forget every counter (tests, and ``asteri`` maintenance)."""
        await self._storage.reset()

    async def close(self) -> None:
        """Stop the memory storage's expiry timer, or close the Redis connections."""
        timer = getattr(self._storage, "timer", None)
        if timer is not None and not timer.done():
            timer.cancel()
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()
