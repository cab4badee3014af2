"""The quota of failures answered before a credential was accepted, per client address.

DESIGN.md asks for the RateLimit fields on every response, but an answer given before a credential
is accepted (no organization header, an unknown key, a body refused at the edge...) has no
credential's quota to report, and must not spend anybody's. Those failures are counted against the
client address instead, in the same limiter storage (Redis when several processes serve), and the
answer carries that address's fields. Past the address's quota such failures are answered 429: a
throttle on credential guessing that a caller with valid credentials never meets, because their
requests are counted against their credential (ADR 0401, "Failures before credentials").

Behind a proxy the address is the proxy's unless uvicorn is told to trust ``X-Forwarded-For``
(``--forwarded-allow-ips``); docs/deploy.md says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import Scope

from server_impl.adapters.ratelimit import LimiterUnavailable, RateDecision, RateLimiter


@dataclass(frozen=True, slots=True)
class AddressQuota:
    """Counts one client address's failures answered before a credential was accepted.

    Attributes:
        limiter: The limiter whose storage also holds the credentials' counters.
        per_minute: Such failures allowed per address per minute.
        per_day: Such failures allowed per address per day.
    """

    limiter: RateLimiter
    per_minute: int
    per_day: int

    async def charge(self, scope: Scope) -> RateDecision | None:
        """Count one failure of the request's client address.

        Returns:
            The decision with its RateLimit fields, or ``None`` when the storage cannot be reached
            (the failure is answered as it is, without fields, rather than hidden behind a 503).
        """
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            return await self.limiter.hit(f"address:{address}", self.per_minute, self.per_day)
        except LimiterUnavailable:
            return None
