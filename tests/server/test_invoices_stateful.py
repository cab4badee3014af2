"""Random sequences of invoice and payment actions over HTTP, checked against a model of the rules.

After every step each invoice satisfies ``amount_paid + amount_due == total`` (``amount_due`` is 0 on
void invoices), its status is one the lifecycle allows and equals the model's, and ``amount_paid``
is the sum of what its succeeded payments still apply to it; the customer's ``balance_due`` is what
its open and uncollectible invoices owe. At the end of each run, every invoice
and payment has exactly one outbox event per audited change, and as many as the model expects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from tests.server.billing import BASE, INVOICES, PAYMENTS, Billing, billing, idem
from tests.server.conftest import Harness

STATUSES = {"draft", "open", "paid", "uncollectible", "void"}
OFFLINE = ("cash", "check", "other")


@dataclass
class ModelInvoice:
    """What the rules say an invoice is."""

    total: int
    status: str = "draft"
    amount_paid: int = 0
    changes: int = 1  # invoice.created
    sync: tuple[str, str | None] = ("not_synced", None)  # accounting handoff status and provider

    @property
    def amount_due(self) -> int:
        return 0 if self.status == "void" else self.total - self.amount_paid


@dataclass
class ModelPayment:
    """What the rules say a payment is (applied to one invoice, perhaps with unapplied credit)."""

    invoice_id: str
    applied: int
    credit: int
    status: str
    refunded: int = 0
    refunded_from_invoice: int = 0
    changes: int = 1  # payment.created
    refunds: list[str] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return self.applied + self.credit

    @property
    def net_on_invoice(self) -> int:
        return (
            self.applied - self.refunded_from_invoice
            if self.status in {"succeeded", "partially_refunded", "refunded"}
            else 0
        )


class InvoiceMachine(RuleBasedStateMachine):
    """Drives one fresh tenant's invoices and payments through the API."""

    invoices = Bundle("invoices")
    payments = Bundle("payments")
    harness: Harness

    def __init__(self) -> None:
        super().__init__()
        self.tenant: Billing = billing(self.harness)
        self.model: dict[str, ModelInvoice] = {}
        self.paid: dict[str, ModelPayment] = {}

    def _expect(self, response: Any, ok: bool, status: int = 200) -> dict[str, Any]:
        if ok:
            assert response.status_code == status, response.text
        else:
            assert response.status_code in {409, 422}, response.text
            problem = response.json()
            if problem["code"] == "invalid_state_transition":
                assert problem["current_status"] in STATUSES | {
                    "pending",
                    "succeeded",
                    "failed",
                    "canceled",
                    "refunded",
                    "partially_refunded",
                }
        return dict(response.json())

    @rule(
        target=invoices,
        unit_price=st.integers(1, 20000),
        quantity=st.sampled_from([1, 2, 3]),
        finalize=st.sampled_from([True, True, False]),
    )
    def create(self, unit_price: int, quantity: int, finalize: bool) -> str:
        return self._create(unit_price, quantity, finalize=finalize)

    def _create(self, unit_price: int, quantity: int, *, finalize: bool) -> str:
        line = {"name": "Work", "unit_price": unit_price, "quantity": quantity}
        body = {"customer_id": self.tenant.customer_id, "line_items": [line]}
        invoice = self._expect(self.tenant.post(INVOICES, body), True, 201)
        invoice_id = str(invoice["id"])
        self.model[invoice_id] = ModelInvoice(total=unit_price * quantity)
        if finalize:
            self._expect(self.tenant.post(f"{INVOICES}/{invoice_id}/finalize"), True)
            self.model[invoice_id].status, self.model[invoice_id].changes = "open", 2
            self.model[invoice_id].sync = ("pending", None)
        return invoice_id

    @rule(invoice_id=invoices)
    def finalize(self, invoice_id: str) -> None:
        model = self.model[invoice_id]
        ok = model.status == "draft"
        self._expect(self.tenant.post(f"{INVOICES}/{invoice_id}/finalize"), ok)
        if ok:
            model.status, model.changes, model.sync = "open", model.changes + 1, ("pending", None)

    @rule(invoice_id=invoices)
    def send(self, invoice_id: str) -> None:
        model = self.model[invoice_id]
        ok = model.status in {"open", "paid", "uncollectible"}
        self._expect(self.tenant.post(f"{INVOICES}/{invoice_id}/send"), ok)
        model.changes += ok

    @rule(invoice_id=invoices)
    def void(self, invoice_id: str) -> None:
        model = self.model[invoice_id]
        ok = model.status in {"open", "uncollectible"} and model.amount_paid == 0
        self._expect(self.tenant.post(f"{INVOICES}/{invoice_id}/void"), ok)
        if ok:
            model.status, model.changes = "void", model.changes + 1

    @rule(invoice_id=invoices)
    def write_off(self, invoice_id: str) -> None:
        model = self.model[invoice_id]
        ok = model.status == "open"
        self._expect(self.tenant.post(f"{INVOICES}/{invoice_id}/mark-uncollectible"), ok)
        if ok:
            model.status, model.changes = "uncollectible", model.changes + 1

    @rule(invoice_id=invoices, status=st.sampled_from(["pending", "synced", "failed", "excluded"]))
    def report_sync(self, invoice_id: str, status: str) -> None:
        """An accounting connector reports; every outcome that changes the handoff is one event."""
        model = self.model[invoice_id]
        body = {"status": status, "provider": "xero"}
        body |= {"synced": {"external_id": "X-1"}, "failed": {"error": "Rejected"}}.get(status, {})
        path = f"{INVOICES}/{invoice_id}/accounting-sync"
        response = self.tenant.client.patch(path, headers=self.tenant.headers(), json=body)
        ok = model.status != "draft"
        handoff = self._expect(response, ok)
        if ok:
            assert (handoff["status"], handoff["provider"]) == (status, "xero")
            model.changes += status in {"synced", "failed"} or model.sync != (status, "xero")
            model.sync = (status, "xero")

    def _apply(self, model: ModelInvoice, amount: int) -> None:
        model.amount_paid += amount
        model.changes += 1
        if model.amount_due == 0:
            model.status = "paid"

    @rule(
        target=payments,
        invoice_id=invoices,
        share=st.sampled_from([0.2, 0.5, 1.0, 1.0, 1.3]),
        credit=st.sampled_from([0, 150]),
        method=st.sampled_from([*OFFLINE, "card", "ach"]),
    )
    def pay(self, invoice_id: str, share: float, credit: int, method: str) -> MultipleResults[str]:
        model = self.model[invoice_id]
        applied = max(1, round(model.total * share))
        body = {
            "customer_id": self.tenant.customer_id,
            "amount": applied + credit,
            "currency": "USD",
            "method": method,
            "applications": [{"invoice_id": invoice_id, "amount": applied}],
        }
        ok = model.status in {"open", "uncollectible"} and applied <= model.amount_due
        payment = self._expect(self.tenant.post(PAYMENTS, body, key=idem()), ok, 201)
        if not ok:
            return multiple()
        offline = method in OFFLINE
        self.paid[payment["id"]] = ModelPayment(invoice_id, applied, credit, "succeeded" if offline else "pending")
        if offline:
            self.paid[payment["id"]].changes += 1
            self._apply(model, applied)
        assert payment["status"] == self.paid[payment["id"]].status
        return multiple(str(payment["id"]))

    @rule(
        target=payments,
        invoice_id=invoices,
        credit=st.sampled_from([0, 150]),
        method=st.sampled_from(["cash", "card"]),
    )
    def pay_in_full(self, invoice_id: str, credit: int, method: str) -> MultipleResults[str]:
        """Pay what is due (a second rule, so that payments are as frequent as the other actions)."""
        model = self.model[invoice_id]
        share = model.amount_due / model.total if model.amount_due > 0 else 1.0
        return self.pay(invoice_id, share, credit, method)

    @initialize(target=invoices)
    def open_invoice(self) -> str:
        """Start every run with one open invoice."""
        return self._create(10000, 1, finalize=True)

    @rule(payment_id=payments, outcome=st.sampled_from(["mark-succeeded", "mark-failed", "cancel"]))
    def settle(self, payment_id: str, outcome: str) -> None:
        payment = self.paid[payment_id]
        body = {"failure_reason": "Declined"} if outcome == "mark-failed" else None
        response = self.tenant.post(f"{PAYMENTS}/{payment_id}/{outcome}", body)
        invoice = self.model[payment.invoice_id]
        ok = payment.status == "pending" and (
            outcome != "mark-succeeded"
            or (invoice.status in {"open", "uncollectible"} and payment.applied <= invoice.amount_due)
        )
        self._expect(response, ok)
        if ok:
            payment.status = {"mark-succeeded": "succeeded", "mark-failed": "failed", "cancel": "canceled"}[outcome]
            payment.changes += 1
            if outcome == "mark-succeeded":
                self._apply(invoice, payment.applied)

    @rule(payment_id=payments, share=st.sampled_from([0.1, 0.5, 1.0, 1.1]))
    def refund(self, payment_id: str, share: float) -> None:
        payment = self.paid.get(payment_id)
        amount = max(1, round((payment.amount if payment else 100) * share))
        response = self.tenant.post(
            f"{PAYMENTS}/{payment_id}/refunds", {"amount": amount, "reason": "other"}, key=idem()
        )
        if payment is None:
            assert response.status_code == 404
            return
        ok = payment.status in {"succeeded", "partially_refunded"} and amount <= payment.amount - payment.refunded
        refund = self._expect(response, ok, 201)
        if not ok:
            return
        credit_left = payment.credit - (payment.refunded - payment.refunded_from_invoice)
        from_invoice = amount - min(amount, credit_left)
        payment.refunded += amount
        payment.refunded_from_invoice += from_invoice
        payment.status = "refunded" if payment.refunded == payment.amount else "partially_refunded"
        payment.changes += 1
        payment.refunds.append(refund["id"])
        if from_invoice:
            invoice = self.model[payment.invoice_id]
            invoice.amount_paid -= from_invoice
            invoice.changes += 1
            if invoice.status == "paid":
                invoice.status = "open"

    @invariant()
    def money_adds_up(self) -> None:
        listed = self.tenant.client.get(INVOICES, headers=self.tenant.headers(), params={"limit": 100}).json()["data"]
        assert {item["id"] for item in listed} == set(self.model)
        for item in listed:
            model = self.model[item["id"]]
            assert item["status"] in STATUSES
            assert (item["status"], item["total"], item["amount_paid"]) == (
                model.status,
                model.total,
                model.amount_paid,
            )
            if item["status"] == "void":
                assert item["amount_due"] == 0
            else:
                assert item["amount_paid"] + item["amount_due"] == item["total"]
            assert 0 <= item["amount_paid"] <= item["total"]
            assert item["accounting_sync"]["status"] == model.sync[0]
            applied = sum(p.net_on_invoice for p in self.paid.values() if p.invoice_id == item["id"])
            assert item["amount_paid"] == applied, "an invoice's payments add up to its amount_paid"
        customer = self.tenant.client.get(f"{BASE}/customers/{self.tenant.customer_id}", headers=self.tenant.headers())
        owed = sum(item["amount_due"] for item in listed if item["status"] in {"open", "uncollectible"})
        assert customer.json()["balance_due"] == owed, "the customer's balance is what its open invoices owe"

    def _all(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        params: dict[str, Any] = {"limit": 100}
        while True:
            page = self.tenant.client.get(f"{BASE}{path}", headers=self.tenant.headers(), params=params).json()
            items += page["data"]
            if not page["has_more"]:
                return items
            params["cursor"] = page["next_cursor"]

    def teardown(self) -> None:
        events = Counter(event["data"]["object"]["id"] for event in self._all("/events"))
        audit = Counter(event["resource_id"] for event in self._all("/audit-events"))
        for invoice_id, model in self.model.items():
            assert events[invoice_id] == audit[invoice_id] == model.changes, invoice_id
        for payment_id, payment in self.paid.items():
            announced = events[payment_id] + sum(events[refund_id] for refund_id in payment.refunds)
            assert announced == audit[payment_id] == payment.changes, payment_id


def test_invoice_and_payment_lifecycles_keep_their_invariants(harness: Harness) -> None:
    InvoiceMachine.harness = harness
    run_state_machine_as_test(
        InvoiceMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
