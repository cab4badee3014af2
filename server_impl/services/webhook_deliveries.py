"""Use cases of deliveries: history (list, one with its attempts), retry one now, replay events.

Retry and replay only queue work: the worker sends, so a request never waits on a receiver. Both
are audited as changes of the endpoint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from server_impl.domain.events import DomainEvent, matches
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.domain.webhooks import DeliveryStatus, EndpointStatus, Trigger, WebhookDelivery, WebhookEndpoint
from server_impl.services import audit
from server_impl.services.ports import DeliveryFilter, EventFilter, Page, UnitOfWork

RETENTION = timedelta(days=30)
_EVENT_PAGE = 500


@dataclass(frozen=True)
class Replay:
    """An accepted replay: what was asked and how many deliveries were queued."""

    webhook_endpoint_id: str
    since: datetime
    until: datetime
    event_types: tuple[str, ...]
    queued_count: int
    requested_at: datetime


def _endpoint(uow: UnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound("webhook_endpoint", endpoint_id)
    return endpoint


def _enabled(uow: UnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    endpoint = _endpoint(uow, endpoint_id)
    if endpoint.status is not EndpointStatus.ENABLED:
        raise Conflict("The endpoint is disabled; enable it first.")
    return endpoint


def list_deliveries(
    uow: UnitOfWork, endpoint_id: str, filters: DeliveryFilter, *, limit: int, before_id: str | None
) -> Page[WebhookDelivery]:
    """Return an endpoint's deliveries newest first.

    Raises:
        NotFound: The endpoint is outside the tenant.
    """
    _endpoint(uow, endpoint_id)
    return uow.webhook_deliveries.list(endpoint_id, filters, limit=limit, before_id=before_id)


def get_delivery(uow: UnitOfWork, endpoint_id: str, delivery_id: str) -> WebhookDelivery:
    """Return a delivery with its attempts, oldest first.

    Raises:
        NotFound: The endpoint or the delivery is outside the tenant.
    """
    _endpoint(uow, endpoint_id)
    delivery = uow.webhook_deliveries.get(endpoint_id, delivery_id, with_attempts=True)
    if delivery is None:
        raise NotFound("webhook_delivery", delivery_id)
    return delivery


def retry_delivery(
    uow: UnitOfWork, context: CallContext, endpoint_id: str, delivery_id: str, *, now: datetime | None = None
) -> WebhookDelivery:
    """Queue a new attempt of a delivery now, whatever its status (it goes back to ``pending``).

    A delivery that has used its whole schedule gets exactly one more attempt.

    Raises:
        NotFound: The endpoint or the delivery is outside the tenant.
        Conflict: The endpoint is disabled.
    """
    _enabled(uow, endpoint_id)
    delivery = uow.webhook_deliveries.get(endpoint_id, delivery_id)
    if delivery is None:
        raise NotFound("webhook_delivery", delivery_id)
    now = now or utc_now()
    before = {"status": delivery.status.value, "next_attempt_at": _text(delivery.next_attempt_at)}
    delivery.status, delivery.next_attempt_at, delivery.updated_at = DeliveryStatus.PENDING, now, now
    uow.webhook_deliveries.save(delivery)
    audit.record(
        uow,
        context,
        action="webhook_endpoint.delivery_retried",
        resource_type="webhook_endpoint",
        resource_id=endpoint_id,
        before=before | {"delivery_id": delivery_id},
        after={"status": delivery.status.value, "next_attempt_at": _text(now), "delivery_id": delivery_id},
        now=now,
    )
    return delivery


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _events_between(uow: UnitOfWork, since: datetime, until: datetime) -> list[DomainEvent]:
    found: list[DomainEvent] = []
    before: str | None = None
    while True:
        page = uow.events.list(EventFilter(since=since, until=until), limit=_EVENT_PAGE, before_id=before)
        found.extend(page.items)
        if not page.has_more or not page.items:
            return found[::-1]  # oldest first
        before = page.items[-1].id


def replay_events(
    uow: UnitOfWork,
    context: CallContext,
    endpoint_id: str,
    *,
    since: datetime,
    until: datetime | None,
    event_types: Sequence[str] = (),
    now: datetime | None = None,
) -> Replay:
    """Queue a delivery (trigger ``replay``) of every event in [since, until) the endpoint subscribes to.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        endpoint_id: The endpoint.
        since: First event time (at most 30 days back).
        until: End of the range (exclusive); now when ``None``.
        event_types: Narrow to these patterns as well (empty: every subscribed type).
        now: The current time (tests).

    Returns:
        The replay with the number of deliveries queued (oldest event first).

    Raises:
        NotFound: The endpoint is outside the tenant.
        Conflict: The endpoint is disabled.
        ValidationFailed: ``since`` too old or not before ``until``.
    """
    endpoint = _enabled(uow, endpoint_id)
    now = now or utc_now()
    end = until or now
    if since < now - RETENTION:
        raise ValidationFailed((FieldError("/since", "Events are kept 30 days; give a later time."),))
    if end <= since:
        raise ValidationFailed((FieldError("/until", "Give a time after since."),))
    queued = 0
    for event in _events_between(uow, since, end):
        if not endpoint.subscribes_to(event.type):
            continue
        if event_types and not any(matches(event.type, pattern) for pattern in event_types):
            continue
        uow.webhook_deliveries.add(
            WebhookDelivery(
                id=new_id("whd"),
                webhook_endpoint_id=endpoint_id,
                event_id=event.id,
                event_type=event.type,
                created_at=now,
                updated_at=now,
                trigger=Trigger.REPLAY,
                next_attempt_at=now,
            )
        )
        queued += 1
    replay = Replay(endpoint_id, since, end, tuple(event_types), queued, now)
    audit.record(
        uow,
        context,
        action="webhook_endpoint.replayed",
        resource_type="webhook_endpoint",
        resource_id=endpoint_id,
        before=None,
        after={"since": _text(since), "until": _text(end), "event_types": list(event_types), "queued_count": queued},
        now=now,
    )
    return replay
