"""The service catalog: priced items (services, materials, equipment, labor) that line items copy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server_impl.domain.errors import InvalidStateTransition
from server_impl.domain.plain import plain_fields


@dataclass
class CatalogItem:
    """A catalog item (``svc_...``); archived items stay readable but cannot be added to new work.

    Prices are integer minor units of ``currency``. ``version`` grows on every write.
    """

    id: str
    kind: str
    name: str
    unit_price: int
    currency: str
    created_at: datetime
    updated_at: datetime
    sku: str | None = None
    description: str | None = None
    category: str | None = None
    unit_cost: int | None = None
    unit_of_measure: str = "each"
    duration_minutes: int | None = None
    taxable: bool = True
    bookable_online: bool = False
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
        """Archive the item.

        Raises:
            InvalidStateTransition: If it is already archived.
        """
        if self.archived_at is not None:
            raise InvalidStateTransition("The service is already archived.", "archived", ("restore",))
        self.archived_at = now

    def restore(self) -> None:
        """Restore an archived item.

        Raises:
            InvalidStateTransition: If it is active.
        """
        if self.archived_at is None:
            raise InvalidStateTransition("The service is not archived.", "active", ("archive",))
        self.archived_at = None
