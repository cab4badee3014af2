"""Per-credential rate limits with the ``limits`` library (memory, or Redis for several processes).

Two fixed windows per identity, a minute and a day. The answer carries the IETF RateLimit fields
(draft-ietf-httpapi-ratelimit-headers-11): the policy of both windows and the state of the tightest.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string

_NAMESPACE = "asteri"


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


class RateLimiter:
    """Counts requests per identity in two windows."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._strategy = FixedWindowRateLimiter(storage)

    @classmethod
    def from_url(cls, redis_url: str | None) -> RateLimiter:
        """Return a limiter on Redis when a URL is given, in process memory otherwise."""
        if redis_url is None:
            return cls(MemoryStorage())
        storage = storage_from_string(f"async+{redis_url}", implementation="redispy")
        assert isinstance(storage, Storage)
        return cls(storage)

    async def hit(self, identity: str, per_minute: int, per_day: int) -> RateDecision:
        """Count one request of ``identity`` and decide.

        A request refused by the minute window does not consume the day window.

        Args:
            identity: Whose quota (``key:<id>`` or ``user:<id>:<org>``).
            per_minute: Requests allowed per minute.
            per_day: Requests allowed per day.

        Returns:
            The decision with its headers.
        """
        windows: list[tuple[str, RateLimitItem]] = [
            ("minute", RateLimitItemPerMinute(per_minute, namespace=_NAMESPACE)),
            ("day", RateLimitItemPerDay(per_day, namespace=_NAMESPACE)),
        ]
        refused: str | None = None
        for name, item in windows:
            if refused is None and not await self._strategy.hit(item, identity):
                refused = name
        now = time.time()
        states = []
        for name, item in windows:
            stats = await self._strategy.get_window_stats(item, identity)
            states.append((name, item, stats.remaining, max(0, math.ceil(stats.reset_time - now))))
        policy = ", ".join(f'"{name}";q={item.amount};w={item.get_expiry()}' for name, item, _, _ in states)
        tightest = next((s for s in states if s[0] == refused), None) or min(states, key=lambda s: (s[2], -s[3]))
        headers = {"RateLimit-Policy": policy, "RateLimit": f'"{tightest[0]}";r={tightest[2]};t={tightest[3]}'}
        if refused is None:
            return RateDecision(True, headers)
        retry_after = max(1, tightest[3])
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
