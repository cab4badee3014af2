"""``ServicesHandlers``: the service catalog (priced items that line items copy)."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from typing import Any, NoReturn

from generated import models
from generated.server.runtime import RequestContext
from generated.server.services import ServicesHandlers
from server_impl.domain.catalog import CatalogItem
from server_impl.handlers.announce import announce
from server_impl.handlers.common import (
    caller_of,
    decode_cursor,
    page_cursor,
    principal_of,
    read,
    stored,
    write,
    write_once,
)
from server_impl.services import catalog as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.ports import CatalogFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import check_if_match, etag_for

PATH = "/api/public/v1/services"


def service_dto(item: CatalogItem) -> models.Service:
    """Map a catalog item to its contract representation."""
    return models.Service.model_validate(
        {
            "id": item.id,
            "object": "service",
            "kind": item.kind,
            "status": item.status,
            "sku": item.sku,
            "name": item.name,
            "description": item.description,
            "category": item.category,
            "unit_price": item.unit_price,
            "unit_cost": item.unit_cost,
            "currency": item.currency,
            "unit_of_measure": item.unit_of_measure,
            "duration_minutes": item.duration_minutes,
            "taxable": item.taxable,
            "bookable_online": item.bookable_online,
            "archived_at": item.archived_at,
            "created_at": item.created_at,
            "updated_at": item.updated_at,
        }
    )


def _etag(item: CatalogItem) -> str:
    return etag_for(item.id, item.version)


class Services(ServicesHandlers):
    """The catalog over the use cases of :mod:`server_impl.services.catalog`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_services(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.ServiceStatus | None,
        kind: models.ServiceKind | None,
        bookable_online: bool | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.ServiceList:
        """List catalog items newest first."""
        filters = CatalogFilter(
            status.value if status else None, kind.value if kind else None, bookable_online, updated_since
        )
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_items(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.ServiceList(
            object="list",
            data=[service_dto(item) for item in page.items],
            has_more=page.has_more,
            next_cursor=next_cursor,
        )

    async def create_service(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.ServiceCreate,
    ) -> models.Service:
        """Create a catalog item (201, ``Location``, ``ETag``; 409 on a duplicate SKU)."""
        caller = caller_of(context)
        fields = body.model_dump(mode="json")

        def work(uow: UnitOfWork) -> Any:
            item = use_cases.create_item(uow, caller, fields)
            announce(uow, caller, "service.created", service_dto(item))
            return stored(201, service_dto(item), (("Location", f"{PATH}/{item.id}"), ("ETag", _etag(item))))

        await write_once(context, self._uow, self._policy, work)

    async def get_service(self, context: RequestContext, *, service_id: str, x_organization_id: str) -> models.Service:
        """Get a catalog item with its ``ETag``."""
        item = await read(self._uow, principal_of(context), lambda uow: use_cases.get_item(uow, service_id))
        context.response.headers["ETag"] = _etag(item)
        return service_dto(item)

    async def update_service(
        self,
        context: RequestContext,
        *,
        service_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.ServiceUpdate,
    ) -> models.Service:
        """Update a catalog item; ``If-Match`` guards against lost updates (412)."""
        caller = caller_of(context)
        changes = body.model_dump(mode="json")

        def precondition(current: CatalogItem) -> None:
            check_if_match(if_match, _etag(current))

        def work(uow: UnitOfWork) -> CatalogItem:
            before = use_cases.get_item(uow, service_id)
            item = use_cases.update_item(uow, caller, service_id, changes, precondition=precondition)
            if item.version != before.version:
                announce(uow, caller, "service.updated", service_dto(item), service_dto(before))
            return item

        item = await write(self._uow, caller.principal, work)
        context.response.headers["ETag"] = _etag(item)
        return service_dto(item)

    async def archive_service(
        self, context: RequestContext, *, service_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Service:
        """Archive a catalog item (409 when already archived)."""
        await self._set_archived(context, service_id, archived=True)

    async def restore_service(
        self, context: RequestContext, *, service_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Service:
        """Restore an archived catalog item (409 when active)."""
        await self._set_archived(context, service_id, archived=False)

    async def _set_archived(self, context: RequestContext, service_id: str, *, archived: bool) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> Any:
            before = use_cases.get_item(uow, service_id)
            item = use_cases.set_archived(uow, caller, service_id, archived)
            event = "service.archived" if archived else "service.restored"
            announce(uow, caller, event, service_dto(item), service_dto(before))
            return stored(200, service_dto(item), (("ETag", _etag(item)),))

        await write_once(context, self._uow, self._policy, work)
