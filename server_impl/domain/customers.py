"""Customers: people and businesses served, with contact points and service locations."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from server_impl.domain.errors import FieldError, InvalidStateTransition, ValidationFailed
from server_impl.domain.plain import plain_fields


@dataclass(frozen=True)
class Email:
    """An email address; at most one is primary."""

    address: str
    label: str | None = None
    is_primary: bool = False


@dataclass(frozen=True)
class Phone:
    """An E.164 phone number; at most one is primary."""

    number: str
    type: str = "mobile"
    is_primary: bool = False
    sms_opt_in: bool = False


@dataclass(frozen=True)
class Address:
    """A postal address."""

    line1: str
    city: str
    country: str
    line2: str | None = None
    region: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class ServiceLocation:
    """Where work is done or invoices go (``loc_...``)."""

    id: str
    address: Address
    type: str = "both"
    name: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    access_notes: str | None = None
    is_primary: bool = False


_Contact = TypeVar("_Contact", "Email", "Phone", "ServiceLocation")


@dataclass
class Customer:
    """A customer of the tenant; archived customers keep their history.

    ``version`` grows on every write; the ETag derives from it.
    """

    id: str
    type: str
    display_name: str
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    company_name: str | None = None
    emails: tuple[Email, ...] = ()
    phones: tuple[Phone, ...] = ()
    service_locations: tuple[ServiceLocation, ...] = ()
    tags: tuple[str, ...] = ()
    lead_source: str | None = None
    notes: str | None = None
    notifications_enabled: bool = True
    do_not_service: bool = False
    balance_due: int = 0
    currency: str = "USD"
    metadata: dict[str, str] = field(default_factory=dict)
    archived_at: datetime | None = None
    version: int = 1

    @property
    def status(self) -> str:
        """``active`` or ``archived``."""
        return "archived" if self.archived_at is not None else "active"

    def snapshot(self) -> dict[str, Any]:
        """Return the fields the audit log compares (JSON-compatible)."""
        data = plain_fields(self)
        for name in ("created_at", "updated_at", "version"):
            data.pop(name)
        data["archived_at"] = self.archived_at.isoformat() if self.archived_at else None
        return data

    def archive(self, now: datetime) -> None:
        """Archive the customer.

        Raises:
            InvalidStateTransition: If it is already archived.
        """
        if self.archived_at is not None:
            raise InvalidStateTransition("The customer is already archived.", "archived", ("restore",))
        self.archived_at = now

    def restore(self) -> None:
        """Restore an archived customer.

        Raises:
            InvalidStateTransition: If it is active.
        """
        if self.archived_at is None:
            raise InvalidStateTransition("The customer is not archived.", "active", ("archive",))
        self.archived_at = None


def with_one_primary(items: tuple[_Contact, ...], pointer: str) -> tuple[_Contact, ...]:
    """Return the items with exactly one primary (the first when none is marked).

    Raises:
        ValidationFailed: If several items are marked primary.
    """
    primaries = [index for index, item in enumerate(items) if item.is_primary]
    if len(primaries) > 1:
        raise ValidationFailed((FieldError(f"{pointer}/{primaries[1]}/is_primary", "Only one entry may be primary."),))
    if items and not primaries:
        result = list(items)
        result[0] = dataclasses.replace(result[0], is_primary=True)
        return tuple(result)
    return items
