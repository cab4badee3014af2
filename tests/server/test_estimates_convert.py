"""Converting an approved estimate: a job of the approved options and, when asked, a draft invoice, all linked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.server.conftest import Harness
from tests.server.estimate_support import Shop, make_shop


@pytest.fixture
def shop(harness: Harness) -> Shop:
    return make_shop(harness)


def _approved(shop: Shop, *indexes: int) -> dict[str, Any]:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}"
    assert shop.post(f"{path}/send").status_code == 200
    option_ids = [estimate["options"][index]["id"] for index in indexes]
    approved = shop.post(f"{path}/approve", {"option_ids": option_ids, "approved_by": "Dana"})
    assert approved.status_code == 200, approved.text
    return dict(approved.json())


def _events(shop: Shop, resource_id: str) -> list[str]:
    return [
        item["type"]
        for item in reversed(shop.get("/events", limit=100).json()["data"])
        if item["data"]["object"]["id"] == resource_id
    ]


def test_convert_makes_a_job_from_the_approved_options(shop: Shop) -> None:
    estimate = _approved(shop, 1)
    response = shop.post(f"/estimates/{estimate['id']}/convert")
    assert response.status_code == 200, response.text
    conversion = response.json()
    job, converted = conversion["job"], conversion["estimate"]
    assert conversion["invoice"] is None
    assert (converted["status"], converted["converted_job_id"], converted["converted_invoice_id"]) == (
        "converted",
        job["id"],
        None,
    )
    assert job["source_estimate_id"] == estimate["id"]
    assert job["status"] == "unscheduled"
    assert job["summary"] == estimate["title"]
    approved = estimate["options"][1]
    assert [line["name"] for line in job["line_items"]] == [line["name"] for line in approved["line_items"]]
    assert {line["id"] for line in job["line_items"]}.isdisjoint(line["id"] for line in approved["line_items"])
    assert (job["subtotal"], job["tax_total"], job["total"]) == (
        approved["subtotal"],
        approved["tax_total"],
        approved["total"],
    )
    assert shop.get(f"/jobs/{job['id']}").json()["source_estimate_id"] == estimate["id"]
    expected = ["estimate.created", "estimate.sent", "estimate.approved", "estimate.converted"]
    assert shop.event_types(estimate["id"]) == expected
    assert shop.audit_actions(estimate["id"]) == expected
    assert _events(shop, job["id"]) == ["job.created"]
    again = shop.post(f"/estimates/{estimate['id']}/convert")
    assert again.status_code == 409
    assert (again.json()["current_status"], again.json()["allowed_actions"]) == ("converted", [])


def test_convert_with_an_invoice_and_a_schedule_links_everything(shop: Shop) -> None:
    estimate = _approved(shop, 0, 1)
    schedule = {
        "window_start": "2031-05-02T15:00:00Z",
        "window_end": "2031-05-02T17:00:00Z",
        "timezone": "America/Chicago",
    }
    response = shop.post(f"/estimates/{estimate['id']}/convert", {"create_invoice": True, "schedule": schedule})
    assert response.status_code == 200, response.text
    conversion = response.json()
    job, invoice, converted = conversion["job"], conversion["invoice"], conversion["estimate"]
    assert job["status"] == "scheduled"
    assert len(job["line_items"]) == 3
    assert (invoice["status"], invoice["job_id"], invoice["estimate_id"]) == ("draft", job["id"], estimate["id"])
    assert invoice["total"] == job["total"] == sum(option["total"] for option in estimate["options"])
    assert job["invoice_ids"] == [invoice["id"]]
    assert converted["converted_invoice_id"] == invoice["id"]
    assert shop.get(f"/invoices/{invoice['id']}").json()["estimate_id"] == estimate["id"]
    assert _events(shop, invoice["id"]) == ["invoice.created"]
    assert _events(shop, job["id"]) == ["job.created"]


def test_an_invoice_needs_the_invoices_scope_and_nothing_is_written_without_it(harness: Harness) -> None:
    shop = make_shop(harness, scopes=("read:estimates", "write:estimates", "write:jobs", "read:jobs"))
    estimate = _approved(shop, 0)
    response = shop.post(f"/estimates/{estimate['id']}/convert", {"create_invoice": True})
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert "write:invoices" in response.json()["required_scopes"]
    assert shop.get(f"/estimates/{estimate['id']}").json()["status"] == "approved"
    assert shop.get("/jobs").json()["data"] == []
    assert shop.post(f"/estimates/{estimate['id']}/convert").status_code == 200


def test_a_bad_schedule_is_422_and_leaves_the_estimate_approved(shop: Shop) -> None:
    estimate = _approved(shop, 0)
    schedule = {"window_start": "2031-05-02T17:00:00Z", "window_end": "2031-05-02T15:00:00Z", "timezone": "UTC"}
    response = shop.post(f"/estimates/{estimate['id']}/convert", {"schedule": schedule})
    assert response.status_code == 422, response.text
    assert shop.get(f"/estimates/{estimate['id']}").json()["status"] == "approved"
    assert shop.get("/jobs").json()["data"] == []
    assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.sent", "estimate.approved"]
