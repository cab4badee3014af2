"""The webhook tasks of the worker: fan events out to endpoints, then send the due deliveries.

Delivery is at least once. A claimed delivery carries a lease (``lease_until``): while it runs no
other worker takes it, and when a worker dies mid-attempt the lease expires and another worker sends
it again; the ``webhook-id`` (the event id) lets receivers drop the duplicate. The lease is longer
than the HTTP timeout, so a live worker always records its attempt before the lease ends.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from standardwebhooks import Webhook

from server_impl.adapters.webhook_http import Answer, WebhookSender
from server_impl.domain.clock import utc_now
from server_impl.domain.webhooks import DeliveryAttempt
from server_impl.services.webhook_deliveries import RETENTION
from server_impl.services.webhook_endpoints import SecretBox
from server_impl.worker.loop import logger


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

    def prune(self, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` settled deliveries created before ``before``, with their attempts."""

    def finish(
        self,
        results: Sequence[tuple[DeliveryJob, DeliveryAttempt]],
        *,
        now: datetime,
        owner: str,
        disable_after: timedelta,
    ) -> None:
        """Record attempts, schedule retries, release leases, and disable endpoints failing too long."""


class PruneTask:
    """Deletes settled deliveries (and their attempts) older than the retention: every hour, a batch at a time."""

    name = "webhooks.prune"
    interval_seconds = 3600.0

    def __init__(self, store: DeliveryStore, *, retention: timedelta = RETENTION, batch: int = 1000) -> None:
        self._store = store
        self._retention = retention
        self._batch = batch

    def run_once(self) -> int:
        """Delete one batch; the loop comes back after ``interval_seconds``."""
        return self._store.prune(before=utc_now() - self._retention, limit=self._batch)

    def close(self) -> None:
        """Nothing to release."""


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
    """Sends due deliveries, ``concurrency`` at a time, and records each attempt.

    The sending threads are kept busy: while they post, this thread claims the next deliveries and
    records finished attempts in batches, so database work overlaps network work. One call of
    :meth:`run_once` works for about ``budget_seconds`` and then drains, letting the other tasks run.
    """

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
        budget_seconds: float = 1.0,
    ) -> None:
        self._store = store
        self._sender = sender
        self._box = box
        self._concurrency = concurrency
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="asteri-webhook")
        self._capacity = concurrency * 4
        # Claimed deliveries wait at most capacity / concurrency rounds of `timeout` before they are
        # sent: the lease outlives that with a margin, so a live worker records its attempts first.
        rounds = -(-self._capacity // concurrency) + 1
        self._lease = timedelta(seconds=timeout * rounds + max(2.0, timeout))
        self._disable_after = disable_after
        self._budget = budget_seconds
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def _claim(self, in_flight: set[Future[tuple[DeliveryJob, DeliveryAttempt]]]) -> bool:
        now = utc_now()
        limit = self._capacity - len(in_flight)
        jobs = self._store.claim(now=now, limit=limit, lease_until=now + self._lease, owner=self.owner)
        in_flight.update(self._pool.submit(self._attempt, job) for job in jobs)
        return len(jobs) == limit  # a full claim: more may be due

    def _finish(self, results: list[tuple[DeliveryJob, DeliveryAttempt]]) -> None:
        self._store.finish(results, now=utc_now(), owner=self.owner, disable_after=self._disable_after)

    def run_once(self) -> int:
        """Send due deliveries for about ``budget_seconds``; return the number of attempts made."""
        deadline = time.monotonic() + self._budget
        in_flight: set[Future[tuple[DeliveryJob, DeliveryAttempt]]] = set()
        finished: list[tuple[DeliveryJob, DeliveryAttempt]] = []
        handled = 0
        more = self._claim(in_flight)
        while in_flight:
            done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            finished.extend(future.result() for future in done)
            if len(finished) >= self._capacity // 2 or not in_flight:
                self._finish(finished)
                handled, finished = handled + len(finished), []
            if more and len(in_flight) <= self._concurrency and time.monotonic() < deadline:
                more = self._claim(in_flight)
        return handled

    def _attempt(self, job: DeliveryJob) -> tuple[DeliveryJob, DeliveryAttempt]:
        started = utc_now()
        moment = datetime.now(UTC).replace(microsecond=0)
        try:
            headers = sign(job, [self._box.unseal(secret) for secret in job.secrets], moment)
            answer = self._sender.send(job.url, job.body, headers)
        except Exception as error:  # a bug or an unreadable secret fails this attempt, never the whole batch
            logger.exception("webhook delivery %s could not be attempted", job.delivery_id)
            answer = Answer(None, None, f"internal: {type(error).__name__}", 0)
        attempt = DeliveryAttempt(
            attempt_number=job.attempt_number,
            attempted_at=started,
            response_status=answer.status,
            latency_ms=answer.latency_ms,
            response_excerpt=answer.excerpt,
            error=answer.error,
            retry_after_seconds=answer.retry_after,
        )
        return job, attempt

    def close(self) -> None:
        """Stop the sending threads and close the HTTP connections."""
        self._pool.shutdown(wait=True)
        self._sender.close()
