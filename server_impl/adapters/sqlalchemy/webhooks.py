"""Webhook endpoints and deliveries of the tenant in SQL (the tenant guard filters every query)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow
from server_impl.domain.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    EndpointStatus,
    Trigger,
    WebhookDelivery,
    WebhookEndpoint,
)
from server_impl.services.ports import DeliveryFilter, Page


def endpoint_from_row(row: WebhookEndpointRow) -> WebhookEndpoint:
    """Map a row to its endpoint (secrets stay sealed)."""
    return WebhookEndpoint(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=tuple(row.event_types),
        secret=row.secret,
        secret_last_four=row.secret_last_four,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=EndpointStatus(row.status),
        disabled_reason=row.disabled_reason,
        previous_secret=row.previous_secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
        failing_since=row.failing_since,
        version=row.version,
    )


def write_endpoint(row: WebhookEndpointRow, endpoint: WebhookEndpoint) -> None:
    """Copy an endpoint's fields onto its row."""
    row.url = endpoint.url
    row.description = endpoint.description
    row.event_types = list(endpoint.event_types)
    row.status = endpoint.status.value
    row.disabled_reason = endpoint.disabled_reason
    row.secret = endpoint.secret
    row.secret_last_four = endpoint.secret_last_four
    row.previous_secret = endpoint.previous_secret
    row.previous_secret_expires_at = endpoint.previous_secret_expires_at
    row.failing_since = endpoint.failing_since
    row.version = endpoint.version
    row.updated_at = endpoint.updated_at


def delivery_from_row(row: WebhookDeliveryRow, attempts: tuple[DeliveryAttempt, ...] = ()) -> WebhookDelivery:
    """Map a row (and its attempts) to a delivery."""
    return WebhookDelivery(
        id=row.id,
        webhook_endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        created_at=row.created_at,
        updated_at=row.updated_at,
        status=DeliveryStatus(row.status),
        trigger=Trigger(row.trigger),
        attempt_count=row.attempt_count,
        last_attempt_at=row.last_attempt_at,
        last_response_status=row.last_response_status,
        next_attempt_at=row.next_attempt_at,
        attempts=attempts,
    )


def delivery_row(delivery: WebhookDelivery) -> WebhookDeliveryRow:
    """Return the row of a new delivery (the session stamps the tenant)."""
    return WebhookDeliveryRow(
        id=delivery.id,
        endpoint_id=delivery.webhook_endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status.value,
        trigger=delivery.trigger.value,
        attempt_count=delivery.attempt_count,
        last_attempt_at=delivery.last_attempt_at,
        last_response_status=delivery.last_response_status,
        next_attempt_at=delivery.next_attempt_at,
        created_at=delivery.created_at,
        updated_at=delivery.updated_at,
    )


def attempt_from_row(row: WebhookAttemptRow) -> DeliveryAttempt:
    """Map an attempt row."""
    return DeliveryAttempt(
        attempt_number=row.attempt_number,
        attempted_at=row.attempted_at,
        response_status=row.response_status,
        latency_ms=row.latency_ms,
        response_excerpt=row.response_excerpt,
        error=row.error,
    )


class SqlWebhookEndpointRepository:
    """The tenant's webhook endpoints."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, endpoint: WebhookEndpoint) -> None:
        """Stage a new endpoint."""
        row = WebhookEndpointRow(id=endpoint.id, created_at=endpoint.created_at)
        write_endpoint(row, endpoint)
        self._session.add(row)

    def _row(self, endpoint_id: str) -> WebhookEndpointRow | None:
        return self._session.scalars(select(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint_id)).first()

    def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        """Return the endpoint, or ``None`` outside the tenant."""
        row = self._row(endpoint_id)
        return None if row is None else endpoint_from_row(row)

    def save(self, endpoint: WebhookEndpoint) -> None:
        """Write back a changed endpoint."""
        row = self._row(endpoint.id)
        if row is None:  # pragma: no cover - callers load the endpoint in the same unit of work
            raise LookupError(endpoint.id)
        write_endpoint(row, endpoint)

    def delete(self, endpoint_id: str) -> None:
        """Delete the endpoint, its deliveries and their attempts (explicitly: not every database cascades)."""
        deliveries = select(WebhookDeliveryRow.id).where(WebhookDeliveryRow.endpoint_id == endpoint_id)
        self._session.execute(delete(WebhookAttemptRow).where(WebhookAttemptRow.delivery_id.in_(deliveries)))
        self._session.execute(delete(WebhookDeliveryRow).where(WebhookDeliveryRow.endpoint_id == endpoint_id))
        self._session.execute(delete(WebhookEndpointRow).where(WebhookEndpointRow.id == endpoint_id))

    def list(self, *, status: str | None, limit: int, before_id: str | None = None) -> Page[WebhookEndpoint]:
        """Return endpoints newest first."""
        query = select(WebhookEndpointRow).order_by(WebhookEndpointRow.id.desc()).limit(limit + 1)
        if status is not None:
            query = query.where(WebhookEndpointRow.status == status)
        if before_id is not None:
            query = query.where(WebhookEndpointRow.id < before_id)
        rows = list(self._session.scalars(query))
        return Page([endpoint_from_row(row) for row in rows[:limit]], has_more=len(rows) > limit)


class SqlWebhookDeliveryRepository:
    """Deliveries of the tenant's endpoints."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, delivery: WebhookDelivery) -> None:
        """Stage a new delivery."""
        self._session.add(delivery_row(delivery))

    def _row(self, endpoint_id: str, delivery_id: str) -> WebhookDeliveryRow | None:
        query = select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.id == delivery_id, WebhookDeliveryRow.endpoint_id == endpoint_id
        )
        return self._session.scalars(query).first()

    def get(self, endpoint_id: str, delivery_id: str, *, with_attempts: bool = False) -> WebhookDelivery | None:
        """Return a delivery of the endpoint (with its attempts, oldest first), or ``None``."""
        row = self._row(endpoint_id, delivery_id)
        if row is None:
            return None
        attempts: tuple[DeliveryAttempt, ...] = ()
        if with_attempts:
            query = (
                select(WebhookAttemptRow)
                .where(WebhookAttemptRow.delivery_id == delivery_id)
                .order_by(WebhookAttemptRow.attempt_number, WebhookAttemptRow.id)
            )
            attempts = tuple(attempt_from_row(item) for item in self._session.scalars(query))
        return delivery_from_row(row, attempts)

    def save(self, delivery: WebhookDelivery) -> None:
        """Write back a changed delivery (status and schedule); a retried delivery is free for any worker."""
        row = self._row(delivery.webhook_endpoint_id, delivery.id)
        if row is None:  # pragma: no cover - callers load the delivery in the same unit of work
            raise LookupError(delivery.id)
        row.status = delivery.status.value
        row.next_attempt_at = delivery.next_attempt_at
        row.updated_at = delivery.updated_at

    def list(
        self, endpoint_id: str, filters: DeliveryFilter, *, limit: int, before_id: str | None = None
    ) -> Page[WebhookDelivery]:
        """Return the endpoint's deliveries newest first."""
        query = (
            select(WebhookDeliveryRow)
            .where(WebhookDeliveryRow.endpoint_id == endpoint_id)
            .order_by(WebhookDeliveryRow.id.desc())
            .limit(limit + 1)
        )
        if filters.status is not None:
            query = query.where(WebhookDeliveryRow.status == filters.status)
        if filters.event_type is not None:
            query = query.where(WebhookDeliveryRow.event_type == filters.event_type)
        if filters.since is not None:
            query = query.where(WebhookDeliveryRow.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(WebhookDeliveryRow.created_at < filters.until)
        if before_id is not None:
            query = query.where(WebhookDeliveryRow.id < before_id)
        rows = list(self._session.scalars(query))
        return Page([delivery_from_row(row) for row in rows[:limit]], has_more=len(rows) > limit)
