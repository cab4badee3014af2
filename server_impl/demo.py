"""Demo data for ``asteri serve --demo``: an organization, two test keys, customers and services."""

from __future__ import annotations

from datetime import timedelta

from server_impl.demo_estimates import seed_estimate
from server_impl.demo_invoices import seed_invoices
from server_impl.demo_jobs import seed_jobs
from server_impl.domain.clock import utc_now
from server_impl.domain.customers import Email
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services import api_keys, catalog, customers, identity
from server_impl.services.ports import UnitOfWorkFactory
from server_impl.settings import Settings


def seed_demo(uow_factory: UnitOfWorkFactory, settings: Settings, base_url: str) -> str:
    """Create a demo organization with two test keys, two customers and two services; return the text to print.

    Args:
        uow_factory: Opens units of work on the demo database.
        settings: For the pepper and default limits.
        base_url: Where the server will listen.

    Returns:
        Organization id, keys and a ready-to-paste curl command.
    """
    organization = identity.create_organization(uow_factory, "Demo Plumbing & Heating")
    system = CallContext(
        Principal(organization.id, Environment.TEST, ActorType.SYSTEM, None, ALL_SCOPES), request_id="demo"
    )
    expires_at = utc_now() + timedelta(days=30)
    reads = tuple(sorted(scope for scope in ALL_SCOPES if scope.startswith("read:")))
    secrets = {}
    for label, scopes in (("full access", tuple(sorted(ALL_SCOPES))), ("read only", reads)):
        request = api_keys.NewKey(
            f"demo {label}", scopes, Environment.TEST, expires_at, settings.default_per_minute, settings.default_per_day
        )
        _, secrets[label] = api_keys.create_key(
            uow_factory, system, organization.id, request, pepper=settings.api_key_pepper
        )
    tenant_context = CallContext(system.principal, request_id="demo")
    with uow_factory(system.principal.tenant) as uow:
        people: tuple[dict[str, object], ...] = (
            {
                "type": "residential",
                "display_name": "Dana Whitfield",
                "first_name": "Dana",
                "last_name": "Whitfield",
                "emails": (Email("dana.whitfield@example.com"),),
            },
            {
                "type": "commercial",
                "display_name": "Barton Creek Dental",
                "company_name": "Barton Creek Dental",
                "emails": (Email("office@bcdental.example"),),
            },
        )
        for fields in people:
            customers.create_customer(uow, tenant_context, fields)
        for name, price, minutes in (("Drain cleaning", 12550, 60), ("Water heater flush", 18900, 90)):
            catalog.create_item(
                uow,
                tenant_context,
                {
                    "name": name,
                    "unit_price": price,
                    "currency": "USD",
                    "duration_minutes": minutes,
                    "bookable_online": True,
                },
            )
        uow.commit()
    seed_estimate(uow_factory, tenant_context)
    seed_jobs(uow_factory, tenant_context)
    seed_invoices(uow_factory, tenant_context)
    return "\n".join(
        [
            f"organization:     {organization.id}",
            f"full-access key:  {secrets['full access']}",
            f"read-only key:    {secrets['read only']}",
            "try:",
            f"  curl {base_url}/api/public/v1/openapi.json",
            f"  open {base_url}/docs/   (the developer portal)",
            f'  curl {base_url}/api/public/v1/customers -H "x-api-key: {secrets["read only"]}" '
            f'-H "x-organization-id: {organization.id}"',
        ]
    )
