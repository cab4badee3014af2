"""``CustomersHandlers``: customers with contact points, tags, archive and activity history."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
from typing import Any, Literal, NoReturn

from generated import models
from generated.server.customers import CustomersHandlers
from generated.server.runtime import RequestContext
from server_impl.domain import activity
from server_impl.domain.activity import ACTIVITY_RESOURCES
from server_impl.domain.customers import Address, Customer, Email, Phone, ServiceLocation
from server_impl.domain.events import DomainEvent
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
from server_impl.services import customers as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.ports import CustomerFilter, EventFilter, Page, UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import check_if_match, etag_for

PATH = "/api/public/v1/customers"
ActivityType = Literal["customer", "job", "estimate", "invoice", "payment", "refund", "file"]


def customer_dto(customer: Customer) -> models.Customer:
    """Map a domain customer to its contract representation."""
    return models.Customer.model_validate(_customer_fields(customer))


def _customer_fields(customer: Customer) -> dict[str, Any]:
    """The fields of a customer's representation (validated by ``models.Customer``, alone or in a list)."""
    return {
        "id": customer.id,
        "object": "customer",
        "type": customer.type,
        "status": customer.status,
        "display_name": customer.display_name,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company_name": customer.company_name,
        "emails": [{"address": e.address, "label": e.label, "is_primary": e.is_primary} for e in customer.emails],
        "phones": [
            {"number": p.number, "type": p.type, "is_primary": p.is_primary, "sms_opt_in": p.sms_opt_in}
            for p in customer.phones
        ],
        "service_locations": [_location_dto(location) for location in customer.service_locations],
        "tags": list(customer.tags),
        "lead_source": customer.lead_source,
        "notes": customer.notes,
        "notifications_enabled": customer.notifications_enabled,
        "do_not_service": customer.do_not_service,
        "balance_due": customer.balance_due,
        "currency": customer.currency,
        "metadata": customer.metadata,
        "archived_at": customer.archived_at,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def _location_dto(location: ServiceLocation) -> dict[str, Any]:
    address = location.address
    return {
        "id": location.id,
        "object": "service_location",
        "type": location.type,
        "name": location.name,
        "address": {
            "line1": address.line1,
            "line2": address.line2,
            "city": address.city,
            "region": address.region,
            "postal_code": address.postal_code,
            "country": address.country,
        },
        "latitude": location.latitude,
        "longitude": location.longitude,
        "access_notes": location.access_notes,
        "is_primary": location.is_primary,
    }


def customer_fields(body: models.CustomerCreate | models.CustomerUpdate) -> dict[str, Any]:
    """Map the fields a request sent to domain values (absent fields stay absent)."""
    fields = body.model_dump(mode="json")
    if "emails" in fields:
        fields["emails"] = tuple(Email(**item) for item in fields["emails"])
    if "phones" in fields:
        fields["phones"] = tuple(Phone(**item) for item in fields["phones"])
    if "service_locations" in fields:
        fields["service_locations"] = tuple(
            ServiceLocation(**{"id": "", **item, "address": Address(**item["address"])})
            for item in fields["service_locations"]
        )
    if "tags" in fields:
        fields["tags"] = tuple(fields["tags"])
    if "metadata" in fields:
        fields["metadata"] = dict(fields["metadata"] or {})
    return fields


def _etag(customer: Customer) -> str:
    return etag_for(customer.id, customer.version)


def activity_dto(event: DomainEvent) -> models.CustomerActivity:
    """Map an event of a customer or of one of its objects to an activity entry (same id as the event)."""
    return models.CustomerActivity.model_validate(
        {
            "id": event.id,
            "object": "customer_activity",
            "type": event.type,
            "occurred_at": event.created_at,
            "resource_type": event.resource_type,
            "resource_id": event.resource_id,
            "summary": activity.summary(event),
        }
    )


class Customers(CustomersHandlers):
    """Customers over the use cases of :mod:`server_impl.services.customers`."""

    def __init__(self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy) -> None:
        self._uow = uow_factory
        self._policy = policy

    async def list_customers(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.CustomerStatus | None,
        q: str | None,
        tag: str | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.CustomerList:
        """List customers newest first."""
        filters = CustomerFilter(status.value if status else None, q, tag, updated_since)
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_customers(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        # One validation for the whole page, not one per customer (2 % of a list of 25).
        return models.CustomerList.model_validate(
            {
                "object": "list",
                "data": [_customer_fields(item) for item in page.items],
                "has_more": page.has_more,
                "next_cursor": next_cursor,
            }
        )

    async def create_customer(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.CustomerCreate,
    ) -> models.Customer:
        """Create a customer (201, ``Location``, ``ETag``)."""
        caller = caller_of(context)
        fields = customer_fields(body)

        def work(uow: UnitOfWork) -> Any:
            customer = use_cases.create_customer(uow, caller, fields)
            dto = customer_dto(customer)
            announce(uow, caller, "customer.created", dto)
            headers = (("Location", f"{PATH}/{customer.id}"), ("ETag", _etag(customer)))
            return stored(201, dto, headers)

        await write_once(context, self._uow, self._policy, work)

    async def get_customer(
        self, context: RequestContext, *, customer_id: str, x_organization_id: str
    ) -> models.Customer:
        """Get a customer with its ``ETag``."""
        customer = await read(self._uow, principal_of(context), lambda uow: use_cases.get_customer(uow, customer_id))
        context.response.headers["ETag"] = _etag(customer)
        return customer_dto(customer)

    async def update_customer(
        self,
        context: RequestContext,
        *,
        customer_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.CustomerUpdate,
    ) -> models.Customer:
        """Update a customer; ``If-Match`` guards against lost updates (412)."""
        caller = caller_of(context)
        changes = customer_fields(body)

        def precondition(current: Customer) -> None:
            check_if_match(if_match, _etag(current))

        def work(uow: UnitOfWork) -> Customer:
            before = use_cases.get_customer(uow, customer_id)
            customer = use_cases.update_customer(uow, caller, customer_id, changes, precondition=precondition)
            if customer.version != before.version:
                announce(uow, caller, "customer.updated", customer_dto(customer), customer_dto(before))
            return customer

        customer = await write(self._uow, caller.principal, work)
        context.response.headers["ETag"] = _etag(customer)
        return customer_dto(customer)

    async def archive_customer(
        self, context: RequestContext, *, customer_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Customer:
        """Archive a customer (409 when already archived)."""
        await self._transition(context, customer_id, archive=True)

    async def restore_customer(
        self, context: RequestContext, *, customer_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.Customer:
        """Restore an archived customer (409 when active)."""
        await self._transition(context, customer_id, archive=False)

    async def _transition(self, context: RequestContext, customer_id: str, *, archive: bool) -> NoReturn:
        caller = caller_of(context)
        action = use_cases.archive_customer if archive else use_cases.restore_customer

        def work(uow: UnitOfWork) -> Any:
            before = use_cases.get_customer(uow, customer_id)
            customer = action(uow, caller, customer_id)
            event = "customer.archived" if archive else "customer.restored"
            dto = customer_dto(customer)
            announce(uow, caller, event, dto, customer_dto(before))
            return stored(200, dto, (("ETag", _etag(customer)),))

        await write_once(context, self._uow, self._policy, work)

    async def list_customer_activity(
        self,
        context: RequestContext,
        *,
        customer_id: str,
        limit: int,
        cursor: str | None,
        resource_type: ActivityType | None,
        since: datetime.datetime | None,
        until: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.CustomerActivityList:
        """List what happened to a customer and its objects, most recent first (from the event outbox)."""
        after = decode_cursor(cursor)
        kinds = (resource_type,) if resource_type is not None else ACTIVITY_RESOURCES
        filters = EventFilter(customer_id=customer_id, resource_types=kinds, since=since, until=until)

        def work(uow: UnitOfWork) -> Page[DomainEvent]:
            use_cases.get_customer(uow, customer_id)
            return uow.events.list(filters, limit=limit, before_id=after)

        page = await read(self._uow, principal_of(context), work)
        items = [activity_dto(event) for event in page.items]
        next_cursor = page_cursor(context, [item.id for item in items], page.has_more)
        return models.CustomerActivityList(object="list", data=items, has_more=page.has_more, next_cursor=next_cursor)
