"""A customer's activity history: one readable line per event of the customer or its objects."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from server_impl.domain.events import DomainEvent

ACTIVITY_RESOURCES = ("customer", "job", "estimate", "invoice", "payment", "refund", "file")

_LABELS = {
    "customer": "Customer",
    "job": "Job",
    "estimate": "Estimate",
    "invoice": "Invoice",
    "payment": "Payment",
    "refund": "Refund",
    "file": "File",
}
_VERBS = {"on_hold": "put on hold", "marked_uncollectible": "marked uncollectible", "technicians_changed": "reassigned"}
_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "€", "GBP": "£"}


def money(amount: int, currency: str) -> str:
    """Return minor units as a readable amount (``13964, USD`` -> ``$139.64``; 2-decimal currencies)."""
    value = Decimal(amount) / 100
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{value:,.2f}" if symbol else f"{value:,.2f} {currency.upper()}"


def summary(event: DomainEvent) -> str:
    """Return one human-readable line for an event, such as ``Invoice INV-1042 paid ($139.64)``."""
    resource, _, what = event.type.partition(".")
    data: dict[str, Any] = dict(event.data_object)
    label = _LABELS.get(resource, resource.replace("_", " ").capitalize())
    verb = _VERBS.get(what, what.replace("_", " "))
    if resource == "customer":
        if what == "updated":
            changed = ", ".join(sorted(event.previous_attributes or {})) or "nothing"
            return f"Customer updated ({changed})"
        return f"Customer {verb}"
    name = data.get("number") or data.get("title") or data.get("filename") or ""
    line = f"{label} {name} {verb}" if isinstance(name, str) and name else f"{label} {verb}"
    amount = data.get("total") if resource in ("invoice", "estimate") else data.get("amount")
    currency = data.get("currency")
    if isinstance(amount, int) and isinstance(currency, str) and resource in ("invoice", "payment", "refund"):
        line += f" ({money(amount, currency)})"
    return line
