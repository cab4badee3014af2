"""Repositories of business resources: customers and the service catalog."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, bindparam, select, update
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import CatalogItemRow, CustomerRow
from server_impl.adapters.sqlalchemy.tenancy import SqlScope, insert_row, read_rows
from server_impl.adapters.sqlalchemy.types import UtcDateTime
from server_impl.domain.catalog import CatalogItem
from server_impl.domain.customers import Address, Customer, Email, Phone, ServiceLocation
from server_impl.domain.plain import plain_fields
from server_impl.services.ports import CatalogFilter, CustomerFilter, Page

_R = TypeVar("_R")

_CUSTOMER_SCALARS = (
    "id",
    "type",
    "display_name",
    "first_name",
    "last_name",
    "company_name",
    "lead_source",
    "notes",
    "notifications_enabled",
    "do_not_service",
    "balance_due",
    "currency",
    "archived_at",
    "created_at",
    "updated_at",
    "version",
)


def _customer_values(customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(customer, name) for name in _CUSTOMER_SCALARS}
    values.update(
        emails=[plain_fields(email) for email in customer.emails],
        phones=[plain_fields(phone) for phone in customer.phones],
        service_locations=[plain_fields(location) for location in customer.service_locations],
        tags=list(customer.tags),
        tags_text="," + ",".join(customer.tags) + ",",
        search_text=" ".join(
            part
            for part in (
                customer.display_name,
                customer.first_name,
                customer.last_name,
                customer.company_name,
                *(email.address for email in customer.emails),
                *(phone.number for phone in customer.phones),
            )
            if part
        ).lower()[:4000],
        meta=dict(customer.metadata),
    )
    return values


# Customers are read as Core column tuples (no ORM compile state, identity map or attribute
# instrumentation) through the tenant guard's Core path, which adds the same tenant criteria.
_CUSTOMERS = cast(Table, CustomerRow.__table__)
# In the order of the domain's fields, so a row (its JSON columns made domain values) is the
# customer's positional arguments: building the keyword arguments was a third of each row's cost.
_CUSTOMER_FIELDS = tuple(field.name for field in dataclasses.fields(Customer))
_CUSTOMER_COLUMNS = tuple(
    _CUSTOMERS.c.metadata.label("meta") if name == "metadata" else _CUSTOMERS.c[name] for name in _CUSTOMER_FIELDS
)
_EMAILS, _PHONES, _LOCATIONS, _TAGS, _METADATA = (
    _CUSTOMER_FIELDS.index(name) for name in ("emails", "phones", "service_locations", "tags", "metadata")
)
_GET_CUSTOMER = select(*_CUSTOMER_COLUMNS).where(_CUSTOMERS.c.id == bindparam("customer_id"))


@functools.cache
def _list_customers(status: str | None, q: bool, tag: bool, since: bool, before: bool) -> Select[Any]:
    """Return the list query of one shape of filters (values are bound parameters: one statement per shape)."""
    table = _CUSTOMERS
    conditions: list[ColumnElement[bool]] = []
    if status == "archived":
        conditions.append(table.c.archived_at.is_not(None))
    elif status == "active":
        conditions.append(table.c.archived_at.is_(None))
    if q:
        conditions.append(table.c.search_text.like(bindparam("q"), escape="/"))
    if tag:
        conditions.append(table.c.tags_text.like(bindparam("tag"), escape="/"))
    if since:
        conditions.append(table.c.updated_at >= bindparam("updated_since", type_=UtcDateTime()))
    if before:
        conditions.append(table.c.id < bindparam("before_id"))
    return select(*_CUSTOMER_COLUMNS).where(*conditions).order_by(table.c.id.desc()).limit(bindparam("limit"))


def _contains(text: str) -> str:
    """Return a LIKE pattern (escape character ``/``) matching ``text`` anywhere."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _customer(row: Any) -> Customer:
    values = list(row)
    values[_EMAILS] = tuple(Email(**item) for item in values[_EMAILS])
    values[_PHONES] = tuple(Phone(**item) for item in values[_PHONES])
    values[_LOCATIONS] = tuple(
        ServiceLocation(**{**item, "address": Address(**item["address"])}) for item in values[_LOCATIONS]
    )
    values[_TAGS] = tuple(values[_TAGS])
    values[_METADATA] = dict(values[_METADATA])
    return Customer(*values)


def _page(
    session: Session, query: Select[_R], id_column: Any, limit: int, before_id: str | None
) -> tuple[list[_R], bool]:
    if before_id is not None:
        query = query.where(id_column < before_id)
    rows = list(session.scalars(query.order_by(id_column.desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


class SqlCustomerRepository:
    """Customers in SQL."""

    def __init__(self, scope: SqlScope) -> None:
        self._scope = scope  # reads run on its connection; writes on its session

    def add(self, customer: Customer) -> None:
        """Stage a new customer."""
        values = _customer_values(customer)
        values["metadata"] = values.pop("meta")  # the column's name
        insert_row(self._scope.session, _CUSTOMERS, values)

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer in the tenant, or ``None``."""
        rows = read_rows(self._scope, _GET_CUSTOMER, {"customer_id": customer_id})
        return _customer(rows[0]) if rows else None

    def save(self, customer: Customer) -> None:
        """Write back every field of a changed customer but ``balance_due`` (invoices maintain it)."""
        values = _customer_values(customer)
        values.pop("id")
        values.pop("balance_due")
        self._scope.session.execute(update(CustomerRow).where(CustomerRow.id == customer.id).values(**values))

    def list(self, filters: CustomerFilter, *, limit: int, before_id: str | None = None) -> Page[Customer]:
        """Return customers newest first."""
        query = _list_customers(
            filters.status, bool(filters.q), bool(filters.tag), filters.updated_since is not None, before_id is not None
        )
        parameters: dict[str, Any] = {"limit": limit + 1}
        if filters.q:
            parameters["q"] = _contains(filters.q.lower())
        if filters.tag:
            parameters["tag"] = _contains(f",{filters.tag},")
        if filters.updated_since is not None:
            parameters["updated_since"] = filters.updated_since
        if before_id is not None:
            parameters["before_id"] = before_id
        rows = read_rows(self._scope, query, parameters)
        return Page([_customer(row) for row in rows[:limit]], has_more=len(rows) > limit)


_ITEM_FIELDS = tuple(field.name for field in dataclasses.fields(CatalogItem))


class SqlCatalogRepository:
    """The service catalog in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, item: CatalogItem) -> None:
        """Stage a new item."""
        self._session.add(CatalogItemRow(**plain_fields(item)))

    def get(self, item_id: str) -> CatalogItem | None:
        """Return the item in the tenant, or ``None``."""
        row = self._session.scalars(select(CatalogItemRow).where(CatalogItemRow.id == item_id)).first()
        return None if row is None else CatalogItem(**{name: getattr(row, name) for name in _ITEM_FIELDS})

    def save(self, item: CatalogItem) -> None:
        """Write back every field of a changed item."""
        values = plain_fields(item)
        values.pop("id")
        self._session.execute(update(CatalogItemRow).where(CatalogItemRow.id == item.id).values(**values))

    def list(self, filters: CatalogFilter, *, limit: int, before_id: str | None = None) -> Page[CatalogItem]:
        """Return items newest first."""
        conditions: list[ColumnElement[bool]] = []
        if filters.status == "archived":
            conditions.append(CatalogItemRow.archived_at.is_not(None))
        elif filters.status == "active":
            conditions.append(CatalogItemRow.archived_at.is_(None))
        if filters.kind is not None:
            conditions.append(CatalogItemRow.kind == filters.kind)
        if filters.bookable_online is not None:
            conditions.append(CatalogItemRow.bookable_online.is_(filters.bookable_online))
        if filters.updated_since is not None:
            conditions.append(CatalogItemRow.updated_at >= filters.updated_since)
        query = select(CatalogItemRow).where(*conditions)
        rows, more = _page(self._session, query, CatalogItemRow.id, limit, before_id)
        return Page([CatalogItem(**{name: getattr(row, name) for name in _ITEM_FIELDS}) for row in rows], has_more=more)
