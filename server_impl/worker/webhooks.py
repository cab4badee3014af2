"""The webhook tasks of the worker: fan events out to endpoints, then send the due deliveries.

Delivery is at least once. A claimed delivery carries a lease (``lease_until``): while it runs no
other worker takes it, and when a worker dies mid-attempt the lease expires and another worker sends
it again; the ``webhook-id`` (the event id) lets receivers drop the duplicate. The lease is longer
than the HTTP timeout, so a live worker always records its attempt before the lease ends.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from standardwebhooks import Webhook

from server_impl.adapters.webhook_http import WebhookSender
from server_impl.domain.clock import utc_now
from server_impl.domain.webhooks import DeliveryAttempt
from server_impl.services.webhook_endpoints import SecretBox


@dataclass(frozen=True)
class DeliveryJob:
    """A claimed delivery with everything needed to send it.

    Attributes:
        delivery_id: The delivery.
        event_id: The ``webhook-id``.
        url: The endpoint's URL now.
        secrets: The sealed secrets that sign (two during a rotation overlap).
        body: The event document, exactly the bytes signed and sent.
        attempt_number: The number of this attempt.
    """

    delivery_id: str
    event_id: str
    url: str
    secrets: tuple[str, ...]
    body: bytes
    attempt_number: int


class DeliveryStore(Protocol):
    """What the webhook tasks need from storage (``adapters.sqlalchemy.delivery_store``)."""

    def fan_out(self, *, now: datetime, limit: int) -> int:
        """Queue a delivery of each unpublished event to each matching enabled endpoint; mark them published.

        Returns:
            The number of events published.
        """

    def claim(self, *, now: datetime, limit: int, lease_until: datetime, owner: str) -> list[DeliveryJob]:
        """Lease due pending deliveries of enabled endpoints to ``owner``, oldest first."""

    def finish(
        self,
        results: Sequence[tuple[DeliveryJob, DeliveryAttempt]],
        *,
        now: datetime,
        owner: str,
        disable_after: timedelta,
    ) -> None:
        """Record attempts, schedule retries, release leases, and disable endpoints failing too long."""


class FanOutTask:
    """Turns new outbox events into deliveries (``events.published_at`` marks the ones done)."""

    name = "webhooks.fan_out"
    interval_seconds = 0.0

    def __init__(self, store: DeliveryStore, *, batch: int = 500) -> None:
        self._store = store
        self._batch = batch

    def run_once(self) -> int:
        """Publish one batch of events."""
        return self._store.fan_out(now=utc_now(), limit=self._batch)

    def close(self) -> None:
        """Nothing to release."""


def sign(job: DeliveryJob, secrets: Sequence[str], moment: datetime) -> dict[str, str]:
    """Return the Standard Webhooks headers of an attempt: one ``v1`` signature per clear secret."""
    text = job.body.decode()
    signatures = " ".join(Webhook(secret).sign(job.event_id, moment, text) for secret in secrets)
    return {
        "webhook-id": job.event_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signatures,
    }


class DeliveryTask:
    """Sends due deliveries, ``concurrency`` at a time, and records each attempt."""

    name = "webhooks.deliver"
    interval_seconds = 0.0

    def __init__(
        self,
        store: DeliveryStore,
        sender: WebhookSender,
        box: SecretBox,
        *,
        concurrency: int = 8,
        timeout: float = 10.0,
        disable_after: timedelta = timedelta(days=5),
        batch: int | None = None,
    ) -> None:
        self._store = store
        self._sender = sender
        self._box = box
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="asteri-webhook")
        self._batch = batch or concurrency * 4
        # A batch is sent in ceil(batch / concurrency) rounds of at most `timeout` each: the lease
        # outlives them with a margin, so a live worker always records its attempts first.
        rounds = -(-self._batch // concurrency)
        self._lease = timedelta(seconds=timeout * rounds + max(2.0, timeout))
        self._disable_after = disable_after
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def run_once(self) -> int:
        """Claim one batch, send it, record the outcomes; return the number of attempts made."""
        now = utc_now()
        jobs = self._store.claim(now=now, limit=self._batch, lease_until=now + self._lease, owner=self.owner)
        if not jobs:
            return 0
        results = list(self._pool.map(self._attempt, jobs))
        self._store.finish(results, now=utc_now(), owner=self.owner, disable_after=self._disable_after)
        return len(results)

    def _attempt(self, job: DeliveryJob) -> tuple[DeliveryJob, DeliveryAttempt]:
        started = utc_now()
        moment = datetime.now(UTC).replace(microsecond=0)
        headers = sign(job, [self._box.unseal(secret) for secret in job.secrets], moment)
        answer = self._sender.send(job.url, job.body, headers)
        attempt = DeliveryAttempt(
            attempt_number=job.attempt_number,
            attempted_at=started,
            response_status=answer.status,
            latency_ms=answer.latency_ms,
            response_excerpt=answer.excerpt,
            error=answer.error,
        )
        return job, attempt

    def close(self) -> None:
        """Stop the sending threads and close the HTTP connections."""
        self._pool.shutdown(wait=True)
        self._sender.close()
