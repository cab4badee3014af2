"""Demo data: a sent good/better estimate for the demo's residential customer (``asteri serve --demo``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from server_impl.domain.clock import utc_now
from server_impl.domain.line_items import LineInput
from server_impl.domain.principal import CallContext
from server_impl.handlers.estimates import announce_changes
from server_impl.services import estimates
from server_impl.services.ports import CatalogFilter, CustomerFilter, UnitOfWorkFactory


def seed_estimate(uow_factory: UnitOfWorkFactory, context: CallContext) -> str | None:
    """Create and send an estimate for the first residential customer, priced from the catalog.

    Args:
        uow_factory: Opens units of work on the demo database.
        context: The demo's system caller (its tenant gets the estimate).

    Returns:
        The estimate's id, or ``None`` when the tenant has no residential customer or no service.
    """
    tenant = context.principal.tenant
    with uow_factory(tenant) as uow:
        customer = next(
            (item for item in uow.customers.list(CustomerFilter(), limit=50).items if item.type == "residential"), None
        )
        services = uow.catalog.list(CatalogFilter(status="active"), limit=50).items
        if customer is None or not services:
            return None
        service = services[-1]
        flush = LineInput(service_id=service.id, tax_rate_bps=825)
        anode = LineInput(kind="material", name="Magnesium anode rod", unit_price=6400, tax_rate_bps=825)
        labor = LineInput(kind="labor", name="Labor", quantity=Decimal("0.5"), unit_price=11000, taxable=False)
        fields = {
            "customer_id": customer.id,
            "title": f"{service.name} and anode check",
            "valid_until": (utc_now() + timedelta(days=30)).date(),
            "options": (
                estimates.OptionInput(name="Flush only", lines=(flush,)),
                estimates.OptionInput(name="Flush and new anode", lines=(flush, anode, labor), is_recommended=True),
            ),
        }
        created = estimates.create_estimate(uow, context, fields)
        sent = estimates.send_estimate(uow, context, created.estimate.id)
        owner = (tenant.organization_id, tenant.environment.value)
        announce_changes(uow, context, (*created.changes, *sent.changes), tenant=owner)
        uow.commit()
        return created.estimate.id
