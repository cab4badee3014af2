"""Line items and totals: the one place money is computed for jobs, estimate options and invoices.

Rules (the contract documents them on ``LineItem``):

- Money is an integer number of minor units (cents) everywhere; quantities have at most three
  decimals and are held as :class:`~decimal.Decimal`, never as floats.
- ``amount = quantity x unit_price``, rounded half up to a minor unit.
- ``tax_amount = amount x tax_rate_bps / 10000``, rounded half up to a minor unit, per line (a
  non-taxable line has rate 0 and no tax).
- A document's ``subtotal`` is the sum of line amounts, ``tax`` the sum of line taxes, and
  ``total = subtotal - discount + tax``. A discount applies before tax only in the sense that it
  lowers the total; taxes are not recomputed on a discounted base (documented choice, like most
  field-service tools: discounts are a separate line of the document, not a per-line change).
- Name, description and prices are copied from the catalog when the line is added: later catalog
  changes never alter an existing line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from server_impl.domain.catalog import CatalogItem
from server_impl.domain.errors import FieldError, ValidationFailed

MAX_QUANTITY_PLACES = 3


def round_half_up(value: Decimal) -> int:
    """Round a decimal amount to a whole minor unit, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def as_quantity(value: float | int | str | Decimal, pointer: str) -> Decimal:
    """Return a quantity as an exact decimal with at most three places.

    Raises:
        ValidationFailed: If it is not a positive number with at most three decimals.
    """
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed((FieldError(pointer, "Must be a number."),)) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationFailed((FieldError(pointer, "Must be greater than 0."),))
    exponent = quantity.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -MAX_QUANTITY_PLACES:
        raise ValidationFailed((FieldError(pointer, "Use at most three decimals."),))
    return quantity.normalize() if quantity == quantity.to_integral() else quantity


@dataclass(frozen=True)
class LineInput:
    """A line as a caller sent it (``LineItemInput``); omitted fields are ``None``."""

    service_id: str | None = None
    kind: str | None = None
    name: str | None = None
    description: str | None = None
    quantity: Decimal = Decimal(1)
    unit_of_measure: str | None = None
    unit_price: int | None = None
    unit_cost: int | None = None
    taxable: bool | None = None
    tax_rate_bps: int = 0


@dataclass(frozen=True)
class LineItem:
    """A priced line; name and prices are snapshots taken when it was added."""

    id: str
    service_id: str | None
    kind: str
    name: str
    description: str | None
    quantity: Decimal
    unit_of_measure: str | None
    unit_price: int
    unit_cost: int | None
    taxable: bool
    tax_rate_bps: int

    @property
    def amount(self) -> int:
        """``quantity x unit_price``, rounded half up."""
        return round_half_up(self.quantity * self.unit_price)

    @property
    def tax_amount(self) -> int:
        """Tax on :attr:`amount` at :attr:`tax_rate_bps`, rounded half up (0 when not taxable)."""
        if not self.taxable or self.tax_rate_bps == 0:
            return 0
        return round_half_up(Decimal(self.amount) * self.tax_rate_bps / Decimal(10000))

    def to_json(self) -> dict[str, Any]:
        """Return the line as stored (JSON types; the quantity as a string to stay exact)."""
        return {
            "id": self.id,
            "service_id": self.service_id,
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "quantity": str(self.quantity),
            "unit_of_measure": self.unit_of_measure,
            "unit_price": self.unit_price,
            "unit_cost": self.unit_cost,
            "taxable": self.taxable,
            "tax_rate_bps": self.tax_rate_bps,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LineItem:
        """Return a line from :meth:`to_json`'s output."""
        return cls(**{**data, "quantity": Decimal(str(data["quantity"]))})


def price_line(
    given: LineInput,
    catalog_item: CatalogItem | None,
    *,
    new_id: Callable[[], str],
    pointer: str = "",
) -> LineItem:
    """Return a priced line: catalog values fill what the caller omitted.

    Args:
        given: The caller's line.
        catalog_item: The catalog item ``given.service_id`` names, already loaded in the tenant
            (``None`` when the line names none). The caller checks existence (422 naming the field).
        new_id: Makes the line's ``li_`` id.
        pointer: JSON pointer of the line in the request, for error messages (``/line_items/0``).

    Returns:
        The line.

    Raises:
        ValidationFailed: A line without a catalog item lacks ``name`` or ``unit_price``.
    """
    if catalog_item is None:
        missing = [name for name in ("name", "unit_price") if getattr(given, name) is None]
        if missing:
            message = "Required when the line names no service_id."
            raise ValidationFailed(tuple(FieldError(f"{pointer}/{name}", message) for name in missing))
    taxable = given.taxable if given.taxable is not None else (catalog_item.taxable if catalog_item else True)

    def pick(name: str, default: Any) -> Any:
        value = getattr(given, name)
        if value is not None:
            return value
        return getattr(catalog_item, name) if catalog_item is not None else default

    return LineItem(
        id=new_id(),
        service_id=catalog_item.id if catalog_item is not None else None,
        kind=pick("kind", "other"),
        name=pick("name", ""),
        description=pick("description", None),
        quantity=given.quantity,
        unit_of_measure=pick("unit_of_measure", None),
        unit_price=pick("unit_price", 0),
        unit_cost=pick("unit_cost", None),
        taxable=taxable,
        tax_rate_bps=given.tax_rate_bps if taxable else 0,
    )


@dataclass(frozen=True)
class Totals:
    """A document's money: ``total = subtotal - discount + tax`` (never below zero)."""

    subtotal: int
    discount: int
    tax: int
    total: int


def totals(lines: Iterable[LineItem], discount: int = 0) -> Totals:
    """Return the totals of some lines and a discount (in minor units, capped at the subtotal).

    Raises:
        ValueError: On a negative discount (the contract forbids it; callers validate first).
    """
    if discount < 0:
        raise ValueError("a discount is never negative")
    items = list(lines)
    subtotal = sum(line.amount for line in items)
    tax = sum(line.tax_amount for line in items)
    applied = min(discount, subtotal)
    return Totals(subtotal=subtotal, discount=applied, tax=tax, total=subtotal - applied + tax)
