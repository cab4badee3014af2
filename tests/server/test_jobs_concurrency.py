"""Concurrent writes to jobs: numbers stay unique, and racing actions never both apply to one version."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.server.conftest import Harness
from tests.server.jobs_world import WINDOW, make_world


def test_concurrent_creates_in_a_new_tenant_get_distinct_numbers(harness: Harness) -> None:
    world = make_world(harness, technicians=0)
    body = {"customer_id": world.customer_id, "summary": "Rush"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda _: world.post("/jobs", body), range(6)))
    assert [response.status_code for response in responses] == [201] * 6, [r.text for r in responses]
    numbers = sorted(response.json()["number"] for response in responses)
    assert numbers == [f"J-{n}" for n in range(1001, 1007)]


def test_racing_actions_on_one_job_apply_one_at_a_time(harness: Harness) -> None:
    world = make_world(harness)
    for _ in range(3):
        job = world.create_job(schedule=WINDOW, assigned_technician_ids=world.technicians)
        calls: list[tuple[str, dict[str, Any] | None]] = [
            ("start", None),
            ("cancel", {"reason": "race"}),
            ("dispatch", None),
            ("hold", {"reason": "race"}),
        ]
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            url = f"/jobs/{job['id']}"
            responses = list(pool.map(lambda call, url=url: world.post(f"{url}/{call[0]}", call[1]), calls))
        applied = [response for response in responses if response.status_code == 200]
        refused = [response for response in responses if response.status_code != 200]
        assert applied, [r.text for r in responses]
        assert all(r.status_code == 409 for r in refused), [r.text for r in refused]
        assert all(r.json()["code"] in {"conflict", "invalid_state_transition"} for r in refused)
        events = world.events(job["id"])
        assert len(events) == 1 + len(applied), "one event per applied action, none for a refused one"
        assert [audit.action for audit in world.audits(job["id"])] == [event.type for event in events]
        final = harness.client.get(f"/api/public/v1/jobs/{job['id']}", headers=world.headers()).json()
        assert final["status"] == events[-1].data_object["status"]
