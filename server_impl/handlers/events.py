"""``EventsHandlers``: the outbox read back (``GET /events`` and ``GET /events/{id}``)."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime

from generated import models
from generated.server.events import EventsHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.events import DomainEvent
from server_impl.handlers.common import decode_cursor, page_cursor, principal_of, read
from server_impl.services import events as use_cases
from server_impl.services.ports import EventFilter, UnitOfWorkFactory
from server_impl.web.conditional import etag_for


def event_dto(event: DomainEvent) -> models.Event:
    """Map an outbox event to its contract representation (the webhook body, too)."""
    return models.Event.model_validate(use_cases.event_document(event))


class Events(EventsHandlers):
    """Events over :mod:`server_impl.services.events`."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def list_events(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        type_: str | None,
        since: datetime.datetime | None,
        until: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.EventList:
        """List the tenant's events newest first, by type (``invoice.*`` for a resource) and time."""
        after = decode_cursor(cursor)
        filters = EventFilter(type=type_, since=since, until=until)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_events(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [event.id for event in page.items], page.has_more)
        return models.EventList(
            object="list",
            data=[event_dto(event) for event in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def get_event(self, context: RequestContext, *, event_id: str, x_organization_id: str) -> models.Event:
        """Get one event (events never change, so its ``ETag`` never does)."""
        event = await read(self._uow, principal_of(context), lambda uow: use_cases.get_event(uow, event_id))
        context.response.headers["ETag"] = etag_for(event.id, 1)
        return event_dto(event)
