"""Use cases for customers: create, update, archive, restore, read and list (audited, tenant-scoped).

Writes take an entered unit of work and do not commit: the caller commits (directly, or through
the idempotency guard so that the write, its audit event and the stored response commit together).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from server_impl.domain.clock import utc_now
from server_impl.domain.customers import Customer, ServiceLocation, with_one_primary
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.services import audit
from server_impl.services.ports import CustomerFilter, Page, UnitOfWork

UPDATABLE = frozenset(
    {
        "type",
        "display_name",
        "first_name",
        "last_name",
        "company_name",
        "emails",
        "phones",
        "service_locations",
        "tags",
        "lead_source",
        "notes",
        "notifications_enabled",
        "do_not_service",
        "metadata",
    }
)


def _check_emails(customer: Customer) -> None:
    """Refuse addresses that are not ``local@domain`` (``format: email``; the DTOs keep it a string)."""
    errors = []
    for index, email in enumerate(customer.emails):
        local, at, domain = email.address.rpartition("@")
        if not (at and local and domain) or any(character.isspace() for character in email.address):
            errors.append(FieldError(f"/emails/{index}/address", "Input should be an email address (local@domain)."))
    if errors:
        raise ValidationFailed(tuple(errors))


def _normalized(customer: Customer, existing_location_ids: frozenset[str]) -> Customer:
    _check_emails(customer)
    locations = []
    for index, given in enumerate(customer.service_locations):
        if given.id and given.id not in existing_location_ids:
            message = "No such service location on this customer; omit the id to add one."
            raise ValidationFailed((FieldError(f"/service_locations/{index}/id", message),))
        locations.append(given if given.id else dataclasses.replace(given, id=new_id("loc")))
    tags = tuple(dict.fromkeys(tag.strip() for tag in customer.tags if tag.strip()))
    return dataclasses.replace(
        customer,
        emails=with_one_primary(customer.emails, "/emails"),
        phones=with_one_primary(customer.phones, "/phones"),
        service_locations=with_one_primary(tuple[ServiceLocation, ...](locations), "/service_locations"),
        tags=tags,
    )


def _load(uow: UnitOfWork, customer_id: str) -> Customer:
    customer = uow.customers.get(customer_id)
    if customer is None:
        raise NotFound("customer", customer_id)
    return customer


def create_customer(
    uow: UnitOfWork, context: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None
) -> Customer:
    """Create a customer in the caller's tenant and audit it.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        fields: Field values (``display_name`` required; others from :data:`UPDATABLE`). Service
            locations without an id get one.
        now: The current time (tests).

    Returns:
        The new customer.

    Raises:
        ValidationFailed: On several primaries or an unknown location id.
    """
    unknown = set(fields) - UPDATABLE
    if unknown:
        raise ValueError(f"not customer fields: {sorted(unknown)}")
    now = now or utc_now()
    customer = Customer(id=new_id("cus"), created_at=now, updated_at=now, **{"type": "residential", **fields})
    customer = _normalized(customer, frozenset())
    uow.customers.add(customer)
    audit.record(
        uow,
        context,
        action="customer.created",
        resource_type="customer",
        resource_id=customer.id,
        before=None,
        after=customer.snapshot(),
        now=now,
    )
    return customer


def update_customer(
    uow: UnitOfWork,
    context: CallContext,
    customer_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[Customer], None] | None = None,
    now: datetime | None = None,
) -> Customer:
    """Apply a partial update; a change that changes nothing writes nothing.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        customer_id: The customer.
        changes: Only the fields sent (lists replace the whole list; locations keep their ids).
        precondition: Checked against the current customer first (the handler's If-Match).
        now: The current time (tests).

    Returns:
        The customer after the update.

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
        ValidationFailed: On several primaries or an unknown location id.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not customer fields: {sorted(unknown)}")
    current = _load(uow, customer_id)
    if precondition is not None:
        precondition(current)
    existing = frozenset(location.id for location in current.service_locations)
    updated = _normalized(dataclasses.replace(current, **changes), existing)
    if updated.snapshot() == current.snapshot():
        return current
    updated.version, updated.updated_at = current.version + 1, now or utc_now()
    uow.customers.save(updated)
    audit.record(
        uow,
        context,
        action="customer.updated",
        resource_type="customer",
        resource_id=customer_id,
        before=current.snapshot(),
        after=updated.snapshot(),
        now=updated.updated_at,
    )
    return updated


def _transition(uow: UnitOfWork, context: CallContext, customer_id: str, action: str, now: datetime | None) -> Customer:
    customer = _load(uow, customer_id)
    before = customer.snapshot()
    moment = now or utc_now()
    if action == "archived":
        customer.archive(moment)
    else:
        customer.restore()
    customer.version, customer.updated_at = customer.version + 1, moment
    uow.customers.save(customer)
    audit.record(
        uow,
        context,
        action=f"customer.{action}",
        resource_type="customer",
        resource_id=customer_id,
        before=before,
        after=customer.snapshot(),
        now=moment,
    )
    return customer


def archive_customer(
    uow: UnitOfWork, context: CallContext, customer_id: str, *, now: datetime | None = None
) -> Customer:
    """Archive a customer (409 ``invalid_state_transition`` when already archived)."""
    return _transition(uow, context, customer_id, "archived", now)


def restore_customer(
    uow: UnitOfWork, context: CallContext, customer_id: str, *, now: datetime | None = None
) -> Customer:
    """Restore an archived customer (409 ``invalid_state_transition`` when active)."""
    return _transition(uow, context, customer_id, "restored", now)


def get_customer(uow: UnitOfWork, customer_id: str) -> Customer:
    """Return a customer of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, customer_id)


def list_customers(uow: UnitOfWork, filters: CustomerFilter, *, limit: int, before_id: str | None) -> Page[Customer]:
    """Return the tenant's customers newest first, filtered."""
    return uow.customers.list(filters, limit=limit, before_id=before_id)
