"""The demo seed invoices the completed job and records a partial payment, announced and audited."""

from __future__ import annotations

import re

from server_impl.demo import seed_demo
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.ports import AuditFilter, EventFilter, InvoiceFilter, PaymentFilter
from tests.server.conftest import Harness


def test_the_demo_has_a_partly_paid_invoice_awaiting_accounting(harness: Harness) -> None:
    text = seed_demo(harness.context.uow_factory, harness.settings, "http://127.0.0.1:3000")
    match = re.search(r"org_[0-9A-Z]{26}", text)
    assert match is not None
    with harness.context.uow_factory(Tenant(match.group(0), Environment.TEST), read_only=True) as uow:
        (invoice,) = uow.invoices.list(InvoiceFilter(), limit=10).items
        (payment,) = uow.payments.list(PaymentFilter(), limit=10).items
        events = uow.events.list(EventFilter(resource_types=("invoice", "payment")), limit=20).items
        audits = uow.audit_events.list(AuditFilter(resource_type="invoice"), limit=20).items
        job = uow.jobs.get(invoice.job_id or "")
    assert (invoice.status, invoice.number, invoice.accounting_sync.status) == ("open", "INV-0001", "pending")
    assert invoice.partially_paid
    assert invoice.amount_paid == payment.amount == invoice.total // 2
    assert job is not None
    assert job.invoice_ids == (invoice.id,)
    assert sorted(event.type for event in events) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.updated",
        "payment.created",
        "payment.succeeded",
    ]
    assert sorted(audit.action for audit in audits) == [
        "invoice.created",
        "invoice.finalized",
        "invoice.payment_applied",
    ]
