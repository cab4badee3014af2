"""The demo seed includes a sent estimate, announced like any other."""

from __future__ import annotations

import re

from server_impl.demo import seed_demo
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.services.ports import EstimateFilter, EventFilter
from tests.server.conftest import Harness


def test_the_demo_has_a_sent_estimate_with_a_recommended_option(harness: Harness) -> None:
    text = seed_demo(harness.context.uow_factory, harness.settings, "http://127.0.0.1:3000")
    match = re.search(r"org_[0-9A-Z]{26}", text)
    assert match is not None
    with harness.context.uow_factory(Tenant(match.group(0), Environment.TEST)) as uow:
        (estimate,) = uow.estimates.list(EstimateFilter(), limit=10).items
        events = uow.events.list(EventFilter(resource_types=("estimate",)), limit=10).items
    assert estimate.status == "sent"
    assert [option.is_recommended for option in estimate.options] == [False, True]
    assert estimate.options[1].totals.total > estimate.options[0].totals.total > 0
    assert sorted(event.type for event in events) == ["estimate.created", "estimate.sent"]
