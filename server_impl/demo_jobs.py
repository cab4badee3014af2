"""Demo data: a job scheduled for tomorrow and one completed yesterday (``asteri serve --demo``)."""

from __future__ import annotations

from datetime import timedelta

from server_impl.domain.clock import utc_now
from server_impl.domain.jobs import ScheduleWindow
from server_impl.domain.line_items import LineInput
from server_impl.domain.principal import CallContext
from server_impl.handlers.jobs import publish_change, publish_created
from server_impl.services import jobs
from server_impl.services.ports import CatalogFilter, CustomerFilter, UnitOfWorkFactory


def seed_jobs(uow_factory: UnitOfWorkFactory, context: CallContext) -> tuple[str, ...]:
    """Create a scheduled job for the commercial customer and a completed one for the residential one.

    Every step goes through the use cases, so the demo's audit log and events show the lifecycle.

    Args:
        uow_factory: Opens units of work on the demo database.
        context: The demo's system caller (its tenant gets the jobs).

    Returns:
        The jobs' ids (none when the tenant lacks customers or services).
    """
    now = utc_now().replace(minute=0, second=0, microsecond=0)
    with uow_factory(context.principal.tenant) as uow:
        people = uow.customers.list(CustomerFilter(), limit=50).items
        services = uow.catalog.list(CatalogFilter(status="active"), limit=50).items
        residential = next((item for item in people if item.type == "residential"), None)
        commercial = next((item for item in people if item.type == "commercial"), None)
        if residential is None or commercial is None or not services:
            return ()
        tomorrow = now + timedelta(days=1)
        scheduled = jobs.create_job(
            uow,
            context,
            {
                "customer_id": commercial.id,
                "summary": f"{services[0].name} in the staff kitchen",
                "priority": "high",
                "schedule": ScheduleWindow(tomorrow, tomorrow + timedelta(hours=2), "America/Chicago"),
                "line_items": (LineInput(service_id=services[0].id, tax_rate_bps=825),),
            },
            now=now,
        )
        publish_created(uow, context, scheduled)
        yesterday = now - timedelta(days=1)
        done = jobs.create_job(
            uow,
            context,
            {
                "customer_id": residential.id,
                "summary": f"{services[-1].name}",
                "schedule": ScheduleWindow(yesterday, yesterday + timedelta(hours=2), "America/Chicago"),
                "line_items": (LineInput(service_id=services[-1].id, tax_rate_bps=825),),
                "tags": ("maintenance_plan",),
            },
            now=yesterday - timedelta(days=2),
        )
        publish_created(uow, context, done)
        publish_change(uow, context, jobs.start_job(uow, context, done.id, now=yesterday))
        completed = jobs.complete_job(
            uow, context, done.id, notes="Flushed the tank; anode at 40 %.", now=yesterday + timedelta(hours=1)
        )
        publish_change(uow, context, completed)
        uow.commit()
        return scheduled.id, done.id
