"""Concurrency on PostgreSQL: gap-free invoice numbers and payments that never take amount_due below 0.

Each thread runs the use cases in its own unit of work (its own connection and transaction), all
released at once by a barrier, exactly as concurrent requests of several server processes would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWorkFactory, unit_of_work_factory
from server_impl.domain.errors import Conflict, DomainError, ValidationFailed
from server_impl.domain.line_items import LineInput
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services import customers, identity, invoices, payments
from server_impl.services.ports import UnitOfWork

pytestmark = pytest.mark.postgres

THREADS = 8
T = TypeVar("T")


@dataclass
class Tenant:
    """A tenant on its own engine: units of work, a caller and a customer."""

    uows: SqlAlchemyUnitOfWorkFactory
    caller: CallContext
    customer_id: str

    def run(self, work: Callable[[UnitOfWork], T]) -> T:
        with self.uows(self.caller.principal.tenant) as uow:
            result = work(uow)
            uow.commit()
            return result

    def invoice(self, unit_price: int, *, finalize: bool = True) -> str:
        line = LineInput(name="Labor", unit_price=unit_price)
        fields = {"customer_id": self.customer_id, "line_items": (line,)}
        invoice = self.run(lambda uow: invoices.create_invoice(uow, self.caller, fields))
        if finalize:
            self.run(lambda uow: invoices.finalize_invoice(uow, self.caller, invoice.id))
        return invoice.id


@pytest.fixture
def tenant(postgres_url: str) -> Iterator[Tenant]:
    engine = build_engine(postgres_url)
    try:
        uows = unit_of_work_factory(build_session_factory(engine))
        org = identity.create_organization(uows, "Concurrent")
        principal = Principal(org.id, Environment.LIVE, ActorType.SYSTEM, None, ALL_SCOPES)
        caller = CallContext(principal, request_id="req_concurrency")
        with uows(principal.tenant) as uow:
            customer = customers.create_customer(uow, caller, {"display_name": "Payer"})
            uow.commit()
        yield Tenant(uows, caller, customer.id)
    finally:
        engine.dispose()


def _all_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run the jobs in threads released together; return each result or the DomainError it raised."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Any]) -> Any:
        barrier.wait()
        try:
            return job()
        except DomainError as error:
            return error

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def test_concurrent_finalizes_number_without_gaps_or_duplicates(tenant: Tenant) -> None:
    drafts = [tenant.invoice(100, finalize=False) for _ in range(THREADS)]
    empty = tenant.run(lambda uow: invoices.create_invoice(uow, tenant.caller, {"customer_id": tenant.customer_id}))

    def finalize(invoice_id: str) -> Callable[[], Any]:
        return lambda: tenant.run(lambda uow: invoices.finalize_invoice(uow, tenant.caller, invoice_id))

    def finalize_then_fail(invoice_id: str) -> Callable[[], Any]:
        def work(uow: UnitOfWork) -> None:
            invoices.finalize_invoice(uow, tenant.caller, invoice_id)
            raise Conflict("the request failed after drawing a number")  # rolls the number back

        return lambda: tenant.run(work)

    jobs = [finalize(drafts[0]), finalize(drafts[0])]  # the same draft twice: one number, one 409
    jobs += [finalize(invoice_id) for invoice_id in drafts[1:-1]]
    jobs += [finalize_then_fail(drafts[-1]), finalize(empty.id)]
    outcomes = _all_at_once(jobs)

    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 3  # second finalize, failure, empty
    with tenant.uows(tenant.caller.principal.tenant, read_only=True) as uow:
        finalized = [invoices.get_invoice(uow, invoice_id) for invoice_id in drafts[:-1]]
    numbers = sorted(invoice.number or "" for invoice in finalized)
    assert numbers == [f"INV-{n:04d}" for n in range(1, THREADS)], "sequential, without gaps or duplicates"
    assert tenant.run(lambda uow: invoices.get_invoice(uow, drafts[-1])).status == "draft"
    late = tenant.run(lambda uow: invoices.finalize_invoice(uow, tenant.caller, drafts[-1]))
    assert late[0].after.number == f"INV-{THREADS:04d}", "the rolled back number was given to the next finalize"


def test_concurrent_payments_never_take_amount_due_below_zero(tenant: Tenant) -> None:
    invoice_id = tenant.invoice(10000)
    fields = {
        "customer_id": tenant.customer_id,
        "amount": 3000,
        "currency": "USD",
        "method": "cash",
        "applications": [(invoice_id, 3000)],
    }

    def pay() -> Any:
        return tenant.run(lambda uow: payments.create_payment(uow, tenant.caller, fields))

    outcomes = _all_at_once([pay] * THREADS)

    accepted = [outcome for outcome in outcomes if isinstance(outcome, payments.PaymentOutcome)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, ValidationFailed)]
    assert len(accepted) == 3
    assert len(refused) == THREADS - 3
    assert {error.errors[0].field for error in refused} == {"/applications/0/amount"}
    invoice = tenant.run(lambda uow: invoices.get_invoice(uow, invoice_id))
    assert (invoice.amount_paid, invoice.amount_due, invoice.status) == (9000, 1000, "open")


def test_concurrent_settlements_and_refunds_keep_the_balance_exact(tenant: Tenant) -> None:
    invoice_id = tenant.invoice(10000)
    fields = {
        "customer_id": tenant.customer_id,
        "amount": 4000,
        "currency": "USD",
        "method": "card",
        "applications": [(invoice_id, 4000)],
    }
    pending = [tenant.run(lambda uow: payments.create_payment(uow, tenant.caller, fields)).payment for _ in range(4)]
    cash = {**fields, "method": "cash", "amount": 1000, "applications": [(invoice_id, 1000)]}
    paid = tenant.run(lambda uow: payments.create_payment(uow, tenant.caller, cash)).payment

    def settle(payment_id: str) -> Callable[[], Any]:
        return lambda: tenant.run(lambda uow: payments.mark_succeeded(uow, tenant.caller, payment_id))

    def refund() -> Any:
        return tenant.run(
            lambda uow: payments.refund_payment(uow, tenant.caller, paid.id, amount=500, reason="other", note=None)
        )

    outcomes = _all_at_once([*(settle(payment.id) for payment in pending), refund, refund, refund])

    settled = sum(isinstance(o, payments.PaymentOutcome) and o.refund is None for o in outcomes)
    refunds = sum(isinstance(o, payments.PaymentOutcome) and o.refund is not None for o in outcomes)
    assert refunds == 2, "the third refund finds nothing left to refund"
    assert settled == 2, "two settlements fill the invoice; the others cannot apply"
    invoice = tenant.run(lambda uow: invoices.get_invoice(uow, invoice_id))
    assert invoice.amount_paid == settled * 4000
    assert invoice.amount_due == 10000 - invoice.amount_paid >= 0


def test_concurrent_payments_on_several_invoices_keep_the_customers_balance_exact(tenant: Tenant) -> None:
    invoice_ids = [tenant.invoice(1000) for _ in range(THREADS // 2)]

    def pay(invoice_id: str) -> Callable[[], Any]:
        fields = {
            "customer_id": tenant.customer_id,
            "amount": 400,
            "currency": "USD",
            "method": "cash",
            "applications": [(invoice_id, 400)],
        }
        return lambda: tenant.run(lambda uow: payments.create_payment(uow, tenant.caller, fields))

    outcomes = _all_at_once([pay(invoice_id) for invoice_id in invoice_ids * 2])

    assert all(isinstance(outcome, payments.PaymentOutcome) for outcome in outcomes), outcomes
    with tenant.uows(tenant.caller.principal.tenant, read_only=True) as uow:
        customer = customers.get_customer(uow, tenant.customer_id)
        due = sum(invoices.get_invoice(uow, invoice_id).amount_due for invoice_id in invoice_ids)
    assert due == len(invoice_ids) * 200
    assert customer.balance_due == due, "each transaction summed the others' committed payments"
