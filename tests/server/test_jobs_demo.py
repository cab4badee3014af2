"""The demo seed includes a scheduled and a completed job, announced and audited like any other."""

from __future__ import annotations

import re

from server_impl.demo import seed_demo
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.ports import AuditFilter, EventFilter, JobFilter
from tests.server.conftest import Harness


def test_the_demo_has_a_scheduled_and_a_completed_job(harness: Harness) -> None:
    text = seed_demo(harness.context.uow_factory, harness.settings, "http://127.0.0.1:3000")
    match = re.search(r"org_[0-9A-Z]{26}", text)
    assert match is not None
    with harness.context.uow_factory(Tenant(match.group(0), Environment.TEST), read_only=True) as uow:
        jobs = uow.jobs.list(JobFilter(), limit=10).items
        events = uow.events.list(EventFilter(resource_types=("job",)), limit=10).items
        audits = uow.audit_events.list(AuditFilter(resource_type="job"), limit=10).items
    assert sorted(job.status for job in jobs) == ["completed", "scheduled"]
    assert all(job.totals.total > 0 for job in jobs)
    expected = ["job.completed", "job.created", "job.created", "job.started"]
    assert sorted(event.type for event in events) == expected
    assert sorted(audit.action for audit in audits) == expected
