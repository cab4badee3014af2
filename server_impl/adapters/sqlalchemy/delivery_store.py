"""The worker's storage: fan-out, claims with leases, and attempt bookkeeping, across every tenant.

Each method is one short system transaction (the tenant guard lets a system session see every
tenant, and rows written here name their tenant explicitly). On PostgreSQL, claims lock rows with
``FOR UPDATE SKIP LOCKED`` so concurrent workers take disjoint batches without waiting on each other;
on SQLite, write transactions are serialised (``BEGIN IMMEDIATE``), which gives the same guarantee.
Either way a claimed delivery carries a lease (``lease_until``, ``lease_owner``) for the time it is
being sent, outside any transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from server_impl.adapters.sqlalchemy.events import event_from_row
from server_impl.adapters.sqlalchemy.tables import EventRow, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.adapters.sqlalchemy.webhooks import endpoint_from_row
from server_impl.domain.ids import new_id
from server_impl.domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointStatus,
    Trigger,
    WebhookDelivery,
    WebhookEndpoint,
    record_attempt,
    should_disable,
)
from server_impl.services import events
from server_impl.services.webhook_endpoints import endpoint_document
from server_impl.worker.webhooks import DeliveryJob

_ENABLED = EndpointStatus.ENABLED.value
GONE = 410


class SqlDeliveryStore:
    """:class:`~server_impl.worker.webhooks.DeliveryStore` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._postgres = factory.kw["bind"].dialect.name == "postgresql"

    def _uow(self) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(self._factory, None)

    def fan_out(self, *, now: datetime, limit: int) -> int:
        """Queue deliveries of unpublished events to the enabled endpoints subscribed to them.

        An endpoint receives the events written after it was created (older ones: replay).
        """
        event = EventRow
        query = (
            select(event.id, event.organization_id, event.environment, event.type, event.created_at)
            .where(event.published_at.is_(None))
            .order_by(event.id)
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True)
        with self._uow() as uow:
            session = uow.session
            rows = session.execute(query).all()
            if not rows:
                return 0
            endpoints = self._enabled_endpoints(session, {row.organization_id for row in rows})
            queued = [
                {
                    "id": new_id("whd"),
                    "organization_id": row.organization_id,
                    "environment": row.environment,
                    "endpoint_id": endpoint.id,
                    "event_id": row.id,
                    "event_type": row.type,
                    "status": DeliveryStatus.PENDING.value,
                    "trigger": Trigger.EVENT.value,
                    "attempt_count": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for row in rows
                for endpoint in endpoints.get((row.organization_id, row.environment), ())
                if endpoint.created_at <= row.created_at and endpoint.subscribes_to(row.type)
            ]
            if queued:
                session.execute(insert(WebhookDeliveryRow), queued)
            session.execute(update(event).where(event.id.in_([row.id for row in rows])).values(published_at=now))
            uow.commit()
            return len(rows)

    @staticmethod
    def _enabled_endpoints(session: Session, organizations: set[str]) -> dict[tuple[str, str], list[WebhookEndpoint]]:
        endpoints: dict[tuple[str, str], list[WebhookEndpoint]] = defaultdict(list)
        found = select(WebhookEndpointRow).where(
            WebhookEndpointRow.organization_id.in_(organizations), WebhookEndpointRow.status == _ENABLED
        )
        for row in session.scalars(found):
            endpoints[(row.organization_id, row.environment)].append(endpoint_from_row(row))
        return endpoints

    def claim(self, *, now: datetime, limit: int, lease_until: datetime, owner: str) -> list[DeliveryJob]:
        """Lease due pending deliveries of enabled endpoints to ``owner``, oldest first."""
        delivery, endpoint = WebhookDeliveryRow, WebhookEndpointRow
        query = (
            select(delivery.id, delivery.endpoint_id, delivery.event_id, delivery.attempt_count)
            .join(endpoint, endpoint.id == delivery.endpoint_id)
            .where(
                delivery.status == DeliveryStatus.PENDING.value,
                delivery.next_attempt_at <= now,
                or_(delivery.lease_until.is_(None), delivery.lease_until < now),
                endpoint.status == _ENABLED,
            )
            .order_by(delivery.next_attempt_at)  # the due index: no sort of the whole backlog
            .limit(limit)
        )
        if self._postgres:
            query = query.with_for_update(skip_locked=True, of=delivery)
        with self._uow() as uow:
            session = uow.session
            rows = session.execute(query).all()
            if not rows:
                return []
            session.execute(
                update(delivery)
                .where(delivery.id.in_([row.id for row in rows]))
                .values(lease_until=lease_until, lease_owner=owner)
            )
            endpoints = {
                item.id: endpoint_from_row(item)
                for item in session.scalars(select(endpoint).where(endpoint.id.in_({row.endpoint_id for row in rows})))
            }
            bodies = {
                item.id: json.dumps(events.event_document(event_from_row(item)), separators=(",", ":")).encode()
                for item in session.scalars(select(EventRow).where(EventRow.id.in_({row.event_id for row in rows})))
            }
            uow.commit()
        return [
            DeliveryJob(
                delivery_id=row.id,
                event_id=row.event_id,
                url=endpoints[row.endpoint_id].url,
                secrets=endpoints[row.endpoint_id].signing_secrets(now),
                body=bodies[row.event_id],
                attempt_number=row.attempt_count + 1,
            )
            for row in rows
        ]

    def finish(
        self,
        results: Sequence[tuple[DeliveryJob, DeliveryAttempt]],
        *,
        now: datetime,
        owner: str,
        disable_after: timedelta,
    ) -> None:
        """Record attempts, schedule retries or settle deliveries, and track failing endpoints.

        A delivery whose lease another worker took over (this one was too slow) keeps the attempt in
        its history but is scheduled by its new owner.
        """
        delivery = WebhookDeliveryRow
        with self._uow() as uow:
            session = uow.session
            query = select(
                delivery.id, delivery.endpoint_id, delivery.organization_id, delivery.environment, delivery.lease_owner
            ).where(delivery.id.in_([job.delivery_id for job, _ in results]))
            rows = {row.id: row for row in session.execute(query)}
            attempts: list[dict[str, object]] = []
            updates: list[dict[str, object]] = []
            outcomes: dict[str, list[DeliveryAttempt]] = defaultdict(list)
            for job, attempt in results:
                row = rows.get(job.delivery_id)
                if row is None:  # the endpoint was deleted meanwhile
                    continue
                attempts.append(_attempt_values(row.id, row.organization_id, row.environment, attempt))
                outcomes[row.endpoint_id].append(attempt)
                if row.lease_owner == owner:
                    updates.append(_settled_values(job, attempt, now))
            if attempts:
                session.execute(insert(WebhookAttemptRow), attempts)
            if updates:
                session.execute(update(delivery), updates)
            self._track_failures(uow, outcomes, now, disable_after)
            uow.commit()

    def prune(self, *, before: datetime, limit: int) -> int:
        """Delete up to ``limit`` settled deliveries created before ``before``, with their attempts."""
        delivery = WebhookDeliveryRow
        query = (
            select(delivery.id)
            .where(delivery.created_at < before, delivery.status != DeliveryStatus.PENDING.value)
            .limit(limit)
        )
        with self._uow() as uow:
            session = uow.session
            ids = list(session.scalars(query))
            if ids:
                session.execute(delete(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id.in_(ids)))
                session.execute(delete(delivery).where(delivery.id.in_(ids)))
            uow.commit()
        return len(ids)

    @staticmethod
    def _track_failures(
        uow: SqlAlchemyUnitOfWork, outcomes: dict[str, list[DeliveryAttempt]], now: datetime, disable_after: timedelta
    ) -> None:
        table = WebhookEndpointRow
        healthy = [key for key, attempts in outcomes.items() if any(attempt.succeeded for attempt in attempts)]
        failing = [key for key in outcomes if key not in healthy]
        if healthy:  # one success ends a run of failures (a no-op for endpoints that were not failing)
            uow.session.execute(
                update(table).where(table.id.in_(healthy), table.failing_since.is_not(None)).values(failing_since=None)
            )
        if not failing:
            return
        for row in uow.session.scalars(select(table).where(table.id.in_(failing))):
            attempts = outcomes[row.id]
            if row.failing_since is None:
                row.failing_since = min(attempt.attempted_at for attempt in attempts)
            endpoint = endpoint_from_row(row)
            gone = any(attempt.response_status == GONE for attempt in attempts)  # 410: the receiver says stop
            if endpoint.status is not EndpointStatus.ENABLED or not (
                gone or should_disable(endpoint, now, disable_after)
            ):
                continue
            previous = endpoint_document(endpoint, row.environment, now)
            row.status, row.disabled_reason = EndpointStatus.DISABLED.value, "failing"
            row.version, row.updated_at = row.version + 1, now
            current = endpoint_document(endpoint_from_row(row), row.environment, now)
            events.publish(
                uow,
                None,
                "webhook_endpoint.disabled",
                current,
                previous=previous,
                tenant=(row.organization_id, row.environment),
                now=now,
            )


def _attempt_values(
    delivery_id: str, organization_id: str, environment: str, attempt: DeliveryAttempt
) -> dict[str, object]:
    return {
        "delivery_id": delivery_id,
        "organization_id": organization_id,
        "environment": environment,
        "attempt_number": attempt.attempt_number,
        "attempted_at": attempt.attempted_at,
        "response_status": attempt.response_status,
        "latency_ms": attempt.latency_ms,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error,
    }


def _settled_values(job: DeliveryJob, attempt: DeliveryAttempt, now: datetime) -> dict[str, object]:
    """Return the delivery's new columns after an attempt (retry scheduled, succeeded or failed)."""
    delivery = WebhookDelivery(
        id=job.delivery_id,
        webhook_endpoint_id="",
        event_id=job.event_id,
        event_type="",
        created_at=now,
        updated_at=now,
        attempt_count=job.attempt_number - 1,
    )
    record_attempt(delivery, attempt, now)
    return {
        "id": job.delivery_id,
        "status": delivery.status.value,
        "attempt_count": delivery.attempt_count,
        "last_attempt_at": delivery.last_attempt_at,
        "last_response_status": delivery.last_response_status,
        "next_attempt_at": delivery.next_attempt_at,
        "updated_at": now,
        "lease_until": None,
        "lease_owner": None,
    }
