"""Demo data: the completed job invoiced, finalized and paid in part by check (``asteri serve --demo``)."""

from __future__ import annotations

from server_impl.domain.principal import CallContext
from server_impl.handlers.invoices import announce_all, announce_invoice
from server_impl.handlers.payments import announce_outcome
from server_impl.services import invoices, payments
from server_impl.services.invoices import InvoiceChange
from server_impl.services.ports import JobFilter, UnitOfWorkFactory


def seed_invoices(uow_factory: UnitOfWorkFactory, context: CallContext) -> str | None:
    """Invoice the tenant's completed job (net 15), finalize it and record a partial check payment.

    Every step goes through the use cases and is announced, so the demo's events, audit log and the
    accounting connector's ``accounting_sync_status=pending`` list show it.

    Args:
        uow_factory: Opens units of work on the demo database.
        context: The demo's system caller.

    Returns:
        The invoice id, or ``None`` when the tenant has no completed job.
    """
    with uow_factory(context.principal.tenant) as uow:
        done = uow.jobs.list(JobFilter(status="completed"), limit=1).items
        if not done:
            return None
        job = done[0]
        draft = invoices.create_invoice(
            uow, context, {"customer_id": job.customer_id, "job_id": job.id, "terms": "net_15", "memo": "Thank you!"}
        )
        announce_invoice(uow, context, InvoiceChange("invoice.created", None, draft))
        finalized = invoices.finalize_invoice(uow, context, draft.id)
        announce_all(uow, context, finalized)
        deposit = finalized[-1].after.total // 2
        fields = {
            "customer_id": job.customer_id,
            "amount": deposit,
            "currency": finalized[-1].after.currency,
            "method": "check",
            "reference": "1042",
            "applications": [(draft.id, deposit)],
        }
        announce_outcome(uow, context, payments.create_payment(uow, context, fields))
        uow.commit()
        return draft.id
