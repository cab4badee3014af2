"""Pricing a request's lines against the tenant's catalog (a foreign or unknown service is a 422)."""

from __future__ import annotations

from collections.abc import Sequence

from server_impl.domain.errors import FieldError, ValidationFailed
from server_impl.domain.ids import new_id
from server_impl.domain.line_items import LineInput, LineItem, price_line
from server_impl.services.ports import UnitOfWork


def price_lines(
    uow: UnitOfWork, given: Sequence[LineInput], *, pointer: str = "/line_items", currency: str | None = None
) -> tuple[LineItem, ...]:
    """Return priced lines, copying name and prices from the catalog items they name.

    Args:
        uow: An entered unit of work of the caller's tenant.
        given: The caller's lines, in order.
        pointer: JSON pointer of the list in the request body, for error messages.
        currency: The document's currency, when a service priced in another one must be refused.

    Returns:
        The lines with ``li_`` ids, amounts computable.

    Raises:
        ValidationFailed: A ``service_id`` that is not in the tenant's catalog (reported per line,
            the same answer whether it exists in another tenant or nowhere), a service priced in
            another ``currency``, or a line without a service lacking ``name`` or ``unit_price``.
    """
    errors: list[FieldError] = []
    lines: list[LineItem] = []
    for index, line in enumerate(given):
        here = f"{pointer}/{index}"
        item = uow.catalog.get(line.service_id) if line.service_id is not None else None
        if line.service_id is not None and item is None:
            errors.append(FieldError(f"{here}/service_id", "No such service in this organization's catalog."))
            continue
        if currency is not None and item is not None and item.currency != currency:
            message = f"The service is priced in {item.currency}; this document is in {currency}."
            errors.append(FieldError(f"{here}/service_id", message))
            continue
        try:
            lines.append(price_line(line, item, new_id=lambda: new_id("li"), pointer=here))
        except ValidationFailed as failure:
            errors.extend(failure.errors)
    if errors:
        raise ValidationFailed(tuple(errors))
    return tuple(lines)
