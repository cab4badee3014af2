"""Line items between the contract and the domain: request lines in, priced lines out."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from generated import models
from server_impl.domain.line_items import LineInput, LineItem, Totals, as_quantity


def line_inputs(items: Sequence[models.LineItemInput] | None, pointer: str = "/line_items") -> tuple[LineInput, ...]:
    """Map a request's ``LineItemInput`` list to domain inputs (omitted fields stay ``None``).

    Raises:
        ValidationFailed: A quantity with more than three decimals.
    """
    inputs = []
    for index, item in enumerate(items or ()):
        sent = item.model_dump(mode="json")
        quantity = as_quantity(sent.pop("quantity", 1), f"{pointer}/{index}/quantity")
        inputs.append(LineInput(**{**sent, "quantity": quantity}))
    return tuple(inputs)


def quantity_number(quantity: Decimal) -> int | float:
    """Return a quantity as a JSON number: an integer when whole, else a float (at most 3 decimals)."""
    return int(quantity) if quantity == quantity.to_integral_value() else float(quantity)


def line_item_dto(line: LineItem) -> dict[str, Any]:
    """Return a line in the contract's ``LineItem`` shape (for ``model_validate`` of its parent)."""
    return {
        "id": line.id,
        "object": "line_item",
        "service_id": line.service_id,
        "kind": line.kind,
        "name": line.name,
        "description": line.description,
        "quantity": quantity_number(line.quantity),
        "unit_of_measure": line.unit_of_measure,
        "unit_price": line.unit_price,
        "unit_cost": line.unit_cost,
        "taxable": line.taxable,
        "tax_rate_bps": line.tax_rate_bps,
        "amount": line.amount,
        "tax_amount": line.tax_amount,
    }


def totals_dto(totals: Totals) -> dict[str, int]:
    """Return totals under the contract's names: ``subtotal``, ``tax_total``, ``total``.

    Documents with a discount (invoices) add ``discount_amount`` = ``totals.discount`` themselves.
    """
    return {"subtotal": totals.subtotal, "tax_total": totals.tax, "total": totals.total}
