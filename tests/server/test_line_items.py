"""Money rules of line items and totals: integer minor units, half-up rounding, snapshots of the catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from server_impl.domain.catalog import CatalogItem
from server_impl.domain.errors import ValidationFailed
from server_impl.domain.events import changed_attributes, matches
from server_impl.domain.line_items import LineInput, LineItem, as_quantity, price_line, round_half_up, totals

NOW = datetime(2026, 11, 28, tzinfo=UTC)
CATALOG = CatalogItem(
    id="svc_01HW5GQAPENECFSECZP11HYGCP",
    kind="service",
    name="AC tune-up",
    unit_price=12900,
    currency="USD",
    created_at=NOW,
    updated_at=NOW,
    unit_cost=4500,
    taxable=True,
)


def _line(quantity: str, unit_price: int, bps: int = 0, *, taxable: bool = True) -> LineItem:
    given = LineInput(name="x", unit_price=unit_price, quantity=Decimal(quantity), tax_rate_bps=bps, taxable=taxable)
    return price_line(given, None, new_id=lambda: "li_1")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.4999", 2), ("-0.5", -1), ("1064.25", 1064)],
)
def test_rounding_is_half_up(value: str, expected: int) -> None:
    assert round_half_up(Decimal(value)) == expected


def test_amount_and_tax_round_half_up_per_line() -> None:
    line = _line("1", 12900, 825)
    assert (line.amount, line.tax_amount) == (12900, 1064)  # 1064.25
    half = _line("1.5", 333, 0)
    assert half.amount == 500  # 499.5 -> 500
    assert _line("3", 1000, 825, taxable=False).tax_amount == 0
    assert _line("3", 1000, 825, taxable=False).tax_rate_bps == 0


def test_totals_add_lines_and_cap_the_discount() -> None:
    lines = [_line("1", 12900, 825), _line("2", 2550, 825), _line("1", 999)]
    result = totals(lines, discount=1000)
    assert result.subtotal == 12900 + 5100 + 999
    assert result.tax == 1064 + 421  # 420.75 -> 421
    assert result.total == result.subtotal - 1000 + result.tax
    assert totals(lines, discount=10**9).total == result.tax
    with pytest.raises(ValueError, match="never negative"):
        totals(lines, discount=-1)


def test_catalog_values_fill_what_the_line_omits_and_are_snapshots() -> None:
    line = price_line(LineInput(service_id=CATALOG.id, quantity=Decimal(2)), CATALOG, new_id=lambda: "li_1")
    assert (line.name, line.unit_price, line.unit_cost, line.kind, line.service_id) == (
        "AC tune-up",
        12900,
        4500,
        "service",
        CATALOG.id,
    )
    assert LineItem.from_json(line.to_json()) == line
    overridden = price_line(LineInput(service_id=CATALOG.id, unit_price=10000), CATALOG, new_id=lambda: "li_2")
    assert overridden.unit_price == 10000


def test_a_line_without_a_service_needs_a_name_and_a_price() -> None:
    with pytest.raises(ValidationFailed) as failure:
        price_line(LineInput(), None, new_id=lambda: "li_1", pointer="/line_items/3")
    assert [error.field for error in failure.value.errors] == ["/line_items/3/name", "/line_items/3/unit_price"]


@pytest.mark.parametrize("bad", ["0", "-1", "1.2345", "NaN", "abc"])
def test_quantities_are_positive_with_three_decimals_at_most(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        as_quantity(bad, "/line_items/0/quantity")


def test_quantities_keep_three_decimals_exactly() -> None:
    assert as_quantity(1.125, "/q") == Decimal("1.125")
    assert as_quantity(2.0, "/q") == Decimal(2)


def test_previous_attributes_hold_only_changed_fields() -> None:
    before = {"id": "c", "notes": None, "name": "A", "updated_at": "t1", "tags": ["a"]}
    after = {"id": "c", "notes": "x", "name": "A", "updated_at": "t2", "tags": ["a", "b"]}
    assert changed_attributes(before, after) == {"notes": None, "tags": ["a"]}


@pytest.mark.parametrize(
    ("event_type", "pattern", "expected"),
    [
        ("invoice.paid", "*", True),
        ("invoice.paid", "invoice.*", True),
        ("invoice.paid", "invoice.paid", True),
        ("invoice_x.paid", "invoice.*", False),
        ("invoice.paid", "invoice.sent", False),
    ],
)
def test_subscription_patterns(event_type: str, pattern: str, expected: bool) -> None:
    assert matches(event_type, pattern) is expected
