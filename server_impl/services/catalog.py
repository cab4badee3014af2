"""Use cases for the service catalog: create, update, archive, restore, read and list (audited).

Writes take an entered unit of work and do not commit (see :mod:`server_impl.services.customers`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from server_impl.domain.catalog import CatalogItem
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import NotFound
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.services import audit
from server_impl.services.ports import CatalogFilter, Page, UnitOfWork

CREATABLE = frozenset(
    {
        "kind",
        "sku",
        "name",
        "description",
        "category",
        "unit_price",
        "unit_cost",
        "currency",
        "unit_of_measure",
        "duration_minutes",
        "taxable",
        "bookable_online",
    }
)
UPDATABLE = CREATABLE - {"currency"}


def _load(uow: UnitOfWork, item_id: str) -> CatalogItem:
    item = uow.catalog.get(item_id)
    if item is None:
        raise NotFound("service", item_id)
    return item


def create_item(
    uow: UnitOfWork, context: CallContext, fields: Mapping[str, Any], *, now: datetime | None = None
) -> CatalogItem:
    """Create a catalog item and audit it (``service.created``); a duplicate SKU is a conflict at commit.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        fields: ``name``, ``unit_price`` and ``currency`` required; others from :data:`CREATABLE`.
        now: The current time (tests).

    Returns:
        The new item.
    """
    unknown = set(fields) - CREATABLE
    if unknown:
        raise ValueError(f"not service fields: {sorted(unknown)}")
    now = now or utc_now()
    values = {"kind": "service", **fields}
    item = CatalogItem(id=new_id("svc"), created_at=now, updated_at=now, **values)
    uow.catalog.add(item)
    audit.record(
        uow,
        context,
        action="service.created",
        resource_type="service",
        resource_id=item.id,
        before=None,
        after=item.snapshot(),
        now=now,
    )
    return item


def update_item(
    uow: UnitOfWork,
    context: CallContext,
    item_id: str,
    changes: Mapping[str, Any],
    *,
    precondition: Callable[[CatalogItem], None] | None = None,
    now: datetime | None = None,
) -> CatalogItem:
    """Apply a partial update (the currency never changes); a no-op writes nothing.

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition``.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable service fields: {sorted(unknown)}")
    current = _load(uow, item_id)
    if precondition is not None:
        precondition(current)
    updated = dataclasses.replace(current, **changes)
    if updated.snapshot() == current.snapshot():
        return current
    updated.version, updated.updated_at = current.version + 1, now or utc_now()
    uow.catalog.save(updated)
    audit.record(
        uow,
        context,
        action="service.updated",
        resource_type="service",
        resource_id=item_id,
        before=current.snapshot(),
        after=updated.snapshot(),
        now=updated.updated_at,
    )
    return updated


def set_archived(
    uow: UnitOfWork, context: CallContext, item_id: str, archived: bool, *, now: datetime | None = None
) -> CatalogItem:
    """Archive (``archived=True``) or restore an item; 409 ``invalid_state_transition`` when already so."""
    item = _load(uow, item_id)
    before = item.snapshot()
    moment = now or utc_now()
    if archived:
        item.archive(moment)
    else:
        item.restore()
    item.version, item.updated_at = item.version + 1, moment
    uow.catalog.save(item)
    audit.record(
        uow,
        context,
        action="service.archived" if archived else "service.restored",
        resource_type="service",
        resource_id=item_id,
        before=before,
        after=item.snapshot(),
        now=moment,
    )
    return item


def get_item(uow: UnitOfWork, item_id: str) -> CatalogItem:
    """Return an item of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, item_id)


def list_items(uow: UnitOfWork, filters: CatalogFilter, *, limit: int, before_id: str | None) -> Page[CatalogItem]:
    """Return the tenant's catalog newest first, filtered."""
    return uow.catalog.list(filters, limit=limit, before_id=before_id)
