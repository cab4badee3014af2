"""Webhook endpoints, deliveries and attempts: the rules of signed delivery, free of any framework.

An endpoint subscribes to event types (``*``, ``invoice.*`` or exact names) and signs with its
``whsec_`` secret; during a rotation the previous secret keeps signing until it expires. A delivery
is one event on its way to one endpoint: it is retried on :data:`RETRY_SCHEDULE` (plus jitter) until
a 2xx answer or the last attempt, and every attempt is recorded.
"""

from __future__ import annotations

import base64
import enum
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from server_impl.domain.events import matches

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
EXCERPT_BYTES = 4096
JITTER = 0.1
RETRY_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
"""Delay before each attempt (DESIGN.md §5): the first goes at once, the eighth is the last (~27.6 h)."""
MAX_RETRY_AFTER = timedelta(days=1)
"""The longest ``Retry-After`` honoured."""


class EndpointStatus(enum.StrEnum):
    """Whether an endpoint receives events."""

    ENABLED = "enabled"
    DISABLED = "disabled"


class DeliveryStatus(enum.StrEnum):
    """``pending`` while attempts remain, ``succeeded`` on a 2xx answer, ``failed`` after the last attempt."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Trigger(enum.StrEnum):
    """What queued a delivery: the event itself, a manual retry, or a replay."""

    EVENT = "event"
    RETRY = "retry"
    REPLAY = "replay"


def new_secret() -> str:
    """Return a fresh signing secret: ``whsec_`` + 32 random bytes in base64 (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


@dataclass
class WebhookEndpoint:
    """A URL receiving the tenant's events.

    Attributes:
        id: ``whe_`` + ULID.
        url: Where events are posted.
        description: Free text.
        event_types: Subscription patterns (``*``, ``invoice.*``, ``job.completed``).
        status: Enabled or disabled.
        disabled_reason: ``manual`` or ``failing`` while disabled.
        secret: The current signing secret, sealed (``SecretBox``): the clear text is shown once only.
        secret_last_four: The last four characters of the clear secret.
        previous_secret: The sealed secret before the last rotation, signing until ``previous_secret_expires_at``.
        previous_secret_expires_at: End of the rotation overlap.
        failing_since: Start of the current run of failed attempts (``None`` after a success).
        created_at: Creation time.
        updated_at: Last change.
        version: Bumped on every change (ETags).
    """

    id: str
    url: str
    description: str | None
    event_types: tuple[str, ...]
    secret: str
    secret_last_four: str
    created_at: datetime
    updated_at: datetime
    status: EndpointStatus = EndpointStatus.ENABLED
    disabled_reason: str | None = None
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    version: int = 1

    def subscribes_to(self, event_type: str) -> bool:
        """Return whether one of the endpoint's patterns selects ``event_type``."""
        return any(matches(event_type, pattern) for pattern in self.event_types)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """Return the (sealed) secrets that sign at ``now``: the current one, and the previous one in an overlap."""
        if self.previous_secret is not None and self.previous_expiry_at(now) is not None:
            return (self.secret, self.previous_secret)
        return (self.secret,)

    def previous_expiry_at(self, now: datetime) -> datetime | None:
        """Return when the previous secret stops signing, or ``None`` when no overlap is running at ``now``."""
        expires = self.previous_secret_expires_at
        return expires if self.previous_secret is not None and expires is not None and now < expires else None

    def snapshot(self) -> dict[str, object]:
        """Return the audited fields (never a secret)."""
        return {
            "url": self.url,
            "description": self.description,
            "event_types": list(self.event_types),
            "status": self.status.value,
            "disabled_reason": self.disabled_reason,
            "secret_last_four": self.secret_last_four,
        }


@dataclass(frozen=True)
class DeliveryAttempt:
    """One HTTP attempt of a delivery.

    Attributes:
        attempt_number: 1 for the first attempt.
        attempted_at: When the request started.
        response_status: HTTP status, ``None`` when no answer came.
        latency_ms: Time to the answer (or to the failure).
        response_excerpt: The first 4 KiB of the answer's body.
        error: Why no usable answer came (timeout, DNS, refused address, connection error).
        retry_after_seconds: The answer's ``Retry-After`` (429, 503), honoured up to a day; not stored.
    """

    attempt_number: int
    attempted_at: datetime
    response_status: int | None
    latency_ms: int
    response_excerpt: str | None
    error: str | None
    retry_after_seconds: float | None = None

    @property
    def succeeded(self) -> bool:
        """A 2xx answer; anything else (3xx included: redirects are never followed) is a failure."""
        return self.response_status is not None and 200 <= self.response_status < 300


@dataclass
class WebhookDelivery:
    """One event on its way to one endpoint.

    Attributes:
        id: ``whd_`` + ULID.
        webhook_endpoint_id: The endpoint.
        event_id: The event (``webhook-id`` of every attempt, so receivers deduplicate).
        event_type: The event's type.
        status: Pending, succeeded or failed.
        trigger: What queued it.
        attempt_count: Attempts made so far.
        last_attempt_at: When the last attempt started.
        last_response_status: HTTP status of the last attempt.
        next_attempt_at: When the worker sends it next (``None`` once settled).
        created_at: When it was queued.
        updated_at: Last change.
        attempts: The attempts, oldest first (loaded on demand).
    """

    id: str
    webhook_endpoint_id: str
    event_id: str
    event_type: str
    created_at: datetime
    updated_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    trigger: Trigger = Trigger.EVENT
    attempt_count: int = 0
    last_attempt_at: datetime | None = None
    last_response_status: int | None = None
    next_attempt_at: datetime | None = None
    attempts: Sequence[DeliveryAttempt] = field(default_factory=tuple)


def retry_delay(attempts_made: int, rng: random.Random | None = None) -> timedelta | None:
    """Return the wait before the next attempt after ``attempts_made`` attempts, ``None`` when none is left.

    The schedule's delay gets ±10 % jitter so that a recovering receiver is not hit by every retry at once.
    """
    if attempts_made >= len(RETRY_SCHEDULE):
        return None
    base = RETRY_SCHEDULE[attempts_made]
    spread = (rng or random).uniform(-JITTER, JITTER)
    return base + base * spread


def record_attempt(
    delivery: WebhookDelivery, attempt: DeliveryAttempt, now: datetime, rng: random.Random | None = None
) -> None:
    """Apply an attempt's outcome: succeeded, failed for good, or pending with the next attempt scheduled."""
    delivery.attempt_count = attempt.attempt_number
    delivery.last_attempt_at = attempt.attempted_at
    delivery.last_response_status = attempt.response_status
    delivery.updated_at = now
    if attempt.succeeded:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        return
    delay = retry_delay(attempt.attempt_number, rng)
    if delay is not None and attempt.retry_after_seconds is not None:  # the receiver asked for a pause
        delay = max(delay, min(timedelta(seconds=attempt.retry_after_seconds), MAX_RETRY_AFTER))
    if delay is None:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + delay


def should_disable(endpoint: WebhookEndpoint, now: datetime, failing_for: timedelta) -> bool:
    """Return whether an enabled endpoint has failed continuously for at least ``failing_for``."""
    return (
        endpoint.status is EndpointStatus.ENABLED
        and endpoint.failing_since is not None
        and now - endpoint.failing_since >= failing_for
    )
