"""Properties of refund allocation: what a refund takes back adds up and never exceeds what was paid."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from server_impl.domain.errors import InvalidStateTransition, ValidationFailed
from server_impl.domain.payments import Application, Payment, Refund

NOW = datetime(2026, 11, 28, tzinfo=UTC)


def _payment(applied: list[int], credit: int) -> Payment:
    applications = tuple(Application(f"inv_{index:026d}", amount) for index, amount in enumerate(applied))
    return Payment(
        id="pay_" + "0" * 26,
        customer_id="cus_" + "0" * 26,
        amount=sum(applied) + credit,
        currency="USD",
        method="cash",
        status="succeeded",
        received_at=NOW,
        created_at=NOW,
        updated_at=NOW,
        applications=applications,
    )


def _refund(amount: int, number: int) -> Refund:
    return Refund(f"re_{number:026d}", "pay_" + "0" * 26, amount, "USD", "succeeded", "other", None, NOW, NOW)


@settings(max_examples=150)
@given(
    applied=st.lists(st.integers(1, 10_000), min_size=0, max_size=4),
    credit=st.integers(0, 5_000),
    refunds=st.lists(st.integers(1, 12_000), max_size=6),
)
def test_refunds_take_credit_first_then_newest_invoices_and_never_more_than_paid(
    applied: list[int], credit: int, refunds: list[int]
) -> None:
    assume(sum(applied) + credit > 0)  # the contract's minimum amount is 1
    payment = _payment(applied, credit)
    taken_per_invoice: dict[str, int] = {}
    for number, amount in enumerate(refunds):
        before_refundable = payment.refundable
        credit_before = credit - (payment.amount_refunded - sum(a.amount_refunded for a in payment.applications))
        try:
            taken = payment.refund(_refund(amount, number))
        except ValidationFailed as refused:
            fields = [error.field for error in refused.errors]
            assert (amount > before_refundable, fields) == (True, ["/amount"])
            continue
        except InvalidStateTransition:
            assert payment.status == "refunded"
            continue
        assert sum(part for _, part in taken) == amount - min(amount, credit_before), "credit goes first"
        ids = [invoice_id for invoice_id, _ in taken]
        assert ids == sorted(ids, reverse=True), "newest invoice first"
        for invoice_id, part in taken:
            taken_per_invoice[invoice_id] = taken_per_invoice.get(invoice_id, 0) + part
        assert payment.refundable == before_refundable - amount
    for application in payment.applications:
        assert 0 <= application.amount_refunded <= application.amount
        assert application.amount_refunded == taken_per_invoice.get(application.invoice_id, 0)
    assert payment.amount_refunded <= payment.amount
    assert payment.status in {"succeeded", "partially_refunded", "refunded"}
    assert (payment.status == "refunded") == (payment.amount_refunded == payment.amount)


def test_a_pending_payment_cannot_be_refunded() -> None:
    payment = _payment([100], 0)
    payment.status = "pending"
    with pytest.raises(InvalidStateTransition) as refused:
        payment.refund(_refund(1, 0))
    assert refused.value.allowed_actions == ("mark_succeeded", "mark_failed", "cancel")
