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

import asyncio
import functools
import logging
import math
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import RedisStorage, Storage
from limits.aio.storage.redis.redispy import RedispyBridge
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string

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
    """``limits``' in-process storage, called without awaiting, sweeping out expired counters at most once a second.

    Counting in process memory never waits, so the limiter calls ``limits``' synchronous memory
    storage straight from the event loop: its asynchronous twin cost three coroutines, each in an
    error-wrapping coroutine, per storage call, about a tenth of a GET of one customer.

    That storage sweeps every counter on a timer thread it starts again after each increment once
    the last sweep is over (``__schedule_expiry``): a thread every few milliseconds under load,
    and a walk of every counter of the process each time (15 us with 10 counters, 1.1 ms with
    10,000: 5,000 keys in use, two windows each). An expired counter already reads as absent
    (``get`` drops it first); the sweep only frees its memory, so here it runs in the incrementing
    call at most once a second, and no thread is started. ``tests/server/test_rate_limits.py`` fails
    if a release of ``limits`` renames the hook.
    """

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()  # the sweep limits schedules at start: sweeps run inline instead
        self._swept_at = -SWEEP_INTERVAL_SECONDS

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now - self._swept_at < SWEEP_INTERVAL_SECONDS:
            return
        self._swept_at = now
        getattr(self, "_MemoryStorage__expire_events")()  # noqa: B009 - the name-mangled original


# Counts one request in each window of KEYS, in order (ARGV: each window's length in seconds and
# limit), as limits' incr_expire.lua counts one: INCRBY, and EXPIRE when the window opens. Once a
# window refuses, the later ones are read, not counted. Replies with the 1-based index of the
# refusing window (0: none), then each window's count, then each window's TTL.
_COUNT_WINDOWS = b"""
local refused = 0
local counts, ttls = {}, {}
for i, key in ipairs(KEYS) do
    local seconds, limit = tonumber(ARGV[2 * i - 1]), tonumber(ARGV[2 * i])
    local count
    if refused == 0 then
        count = redis.call("INCRBY", key, 1)
        if count == 1 then
            redis.call("EXPIRE", key, seconds)
        end
        if count > limit then
            refused = i
        end
    else
        count = tonumber(redis.call("GET", key) or "0")
    end
    counts[i] = count
    ttls[i] = redis.call("TTL", key)
end
local reply = {refused}
for i = 1, #KEYS do reply[#reply + 1] = counts[i] end
for i = 1, #KEYS do reply[#reply + 1] = ttls[i] end
return reply
"""


class _WindowsScript(Protocol):
    def __call__(self, keys: list[str], args: list[int]) -> Awaitable[list[int]]: ...


def _windows_script(storage: Storage | MemoryStorage) -> _WindowsScript | None:
    """Return the windows-counting script on a single Redis server's storage, else ``None``.

    Two windows cost three round trips as separate storage calls: on a network each adds its
    latency to every request, and redis-py's client spent half of a GET's CPU on them. A cluster
    or sentinel storage keeps the separate calls (a cluster would put the two keys on two nodes).
    """
    if type(storage) is not RedisStorage or not isinstance(storage.bridge, RedispyBridge):
        return None
    script: _WindowsScript = storage.bridge.get_connection().register_script(_COUNT_WINDOWS)
    return script


_Chosen = tuple[str, int, int, str]  # the window the fields report: name, length, remaining, storage key


class RateLimiter:
    """Counts requests per identity in two windows, in process memory or in shared (Redis) storage."""

    def __init__(self, storage: Storage | MemoryStorage, failure: FailureMode = "open") -> None:
        self._storage = storage
        self._memory = storage if isinstance(storage, MemoryStorage) else None
        self._script = _windows_script(storage)
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
        keys = _keys(windows, identity)
        if self._memory is not None:  # never waits, never fails: no coroutine per storage call
            counts, refused = _count_in_memory(self._memory, windows, keys)
            chosen = _reported_window(windows, keys, counts, refused)
            return _decision(windows, chosen, refused, self._memory.get_expiry(chosen[3]))
        try:
            return await self._decide(windows, keys)
        except StorageError as error:
            if self._failure == "closed":
                raise LimiterUnavailable from error
            now = time.monotonic()
            if now - self._warned_at >= WARNING_INTERVAL_SECONDS:
                self._warned_at = now
                _log.warning("rate-limit storage unavailable, letting requests through (fail open): %s", error)
            return RateDecision(True, {"RateLimit-Policy": windows.policy})

    async def _decide(self, windows: _Windows, keys: tuple[str, ...]) -> RateDecision:
        if self._script is not None:
            return await self._decide_in_one_round_trip(self._script, windows, keys)
        # limits' FixedWindowRateLimiter.hit is `storage.incr(key, expiry) <= amount`, and its
        # get_window_stats reads the count and the expiry again: six storage calls (Redis round
        # trips) for two windows. Keeping the count incr returns, and reading the expiry of the one
        # window the fields report, makes it three, with the same keys and the same atomic counter.
        storage = self._storage
        assert isinstance(storage, Storage)
        refused: str | None = None
        counts: list[int] = []
        for (name, item, seconds), key in zip(windows.items, keys, strict=True):
            if refused is None:
                counts.append(await storage.incr(key, seconds))
                refused = name if counts[-1] > item.amount else None
            else:  # a request refused by the minute window does not consume the day window
                counts.append(await storage.get(key))
        chosen = _reported_window(windows, keys, counts, refused)
        return _decision(windows, chosen, refused, await storage.get_expiry(chosen[3]))

    async def _decide_in_one_round_trip(
        self, script: _WindowsScript, windows: _Windows, keys: tuple[str, ...]
    ) -> RateDecision:
        # The same counting as _decide's three calls, and the TTL of each window, in one script.
        storage = self._storage
        assert isinstance(storage, RedisStorage)
        arguments = [value for _, item, seconds in windows.items for value in (seconds, item.amount)]
        try:
            reply = await script(keys=[storage.bridge.prefixed_key(key) for key in keys], args=arguments)
        except storage.base_exceptions as error:
            raise StorageError(error) from error
        size = len(keys)
        refused = windows.items[reply[0] - 1][0] if reply[0] else None
        counts, ttls = [int(count) for count in reply[1 : 1 + size]], reply[1 + size :]
        chosen = _reported_window(windows, keys, counts, refused)
        expiry = max(int(ttls[keys.index(chosen[3])]), 0) + time.time()  # as limits' get_expiry reads a TTL
        return _decision(windows, chosen, refused, expiry)

    async def reset(self) -> None:
        """Forget every counter (tests, and ``asteri`` maintenance)."""
        if self._memory is not None:
            self._memory.reset()
        else:
            assert isinstance(self._storage, Storage)
            await self._storage.reset()

    async def close(self) -> None:
        """Stop an asynchronous memory storage's expiry task, or close the Redis connections."""
        timer = getattr(self._storage, "timer", None)
        if isinstance(timer, asyncio.Task) and not timer.done():
            timer.cancel()
        client = getattr(getattr(self._storage, "bridge", None), "storage", None)
        if client is not None and hasattr(client, "aclose"):
            await client.aclose()


def _count_in_memory(storage: MemoryStorage, windows: _Windows, keys: tuple[str, ...]) -> tuple[list[int], str | None]:
    # RateLimiter._decide's counting, on the synchronous memory storage (same keys, same order).
    refused: str | None = None
    counts: list[int] = []
    for (name, item, seconds), key in zip(windows.items, keys, strict=True):
        if refused is None:
            counts.append(storage.incr(key, seconds))
            refused = name if counts[-1] > item.amount else None
        else:  # a request refused by the minute window does not consume the day window
            counts.append(storage.get(key))
    return counts, refused


def _reported_window(windows: _Windows, keys: tuple[str, ...], counts: list[int], refused: str | None) -> _Chosen:
    # The refusing window, or else the one with the fewest requests left (the first of equals).
    chosen: _Chosen | None = None
    for (name, item, seconds), key, count in zip(windows.items, keys, counts, strict=True):
        state = (name, seconds, max(0, item.amount - count), key)
        if name == refused:
            return state
        if chosen is None or state[2] < chosen[2]:
            chosen = state
    assert chosen is not None
    return chosen


def _decision(windows: _Windows, chosen: _Chosen, refused: str | None, expiry: float) -> RateDecision:
    # Storages derive the expiry from a whole-second TTL, so it can land a fraction past the
    # window; a window never resets later than its own length from now.
    name, seconds, remaining, _ = chosen
    seconds_left = min(seconds, max(0, math.ceil(expiry - time.time())))
    headers = {"RateLimit-Policy": windows.policy, "RateLimit": f'"{name}";r={remaining};t={seconds_left}'}
    if refused is None:
        return RateDecision(True, headers)
    retry_after = max(1, seconds_left)
    headers["Retry-After"] = str(retry_after)
    return RateDecision(False, headers, refused, retry_after)
