"""Jobs through their real routes: every operation, every refused transition, events and audit one to one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server_impl.domain.scopes import ALL_SCOPES
from tests.server.conftest import Harness
from tests.server.jobs_world import JOBS, LATER_WINDOW, WINDOW, JobWorld, make_world

# Written out by hand from the contract's descriptions (not derived from the code under test).
ALLOWED = {
    "unscheduled": ["schedule", "assign-technicians", "unassign-technicians", "cancel"],
    "scheduled": [
        "schedule",
        "unschedule",
        "assign-technicians",
        "unassign-technicians",
        "dispatch",
        "start",
        "hold",
        "cancel",
    ],
    "dispatched": ["schedule", "unschedule", "assign-technicians", "unassign-technicians", "start", "hold", "cancel"],
    "in_progress": ["assign-technicians", "unassign-technicians", "hold", "complete", "cancel"],
    "on_hold": ["assign-technicians", "unassign-technicians", "resume", "cancel"],
    "completed": ["reopen"],
    "canceled": ["reopen"],
}
ACTIONS = [
    "schedule",
    "unschedule",
    "assign-technicians",
    "unassign-technicians",
    "dispatch",
    "start",
    "hold",
    "resume",
    "complete",
    "cancel",
    "reopen",
]


def _body(world: JobWorld, action: str) -> dict[str, Any] | None:
    bodies: dict[str, dict[str, Any]] = {
        "schedule": LATER_WINDOW,
        "assign-technicians": {"technician_ids": world.technicians[:1]},
        "unassign-technicians": {"technician_ids": world.technicians[:1]},
        "hold": {"reason": "Waiting for a part"},
        "cancel": {"reason": "Customer sold the house"},
        "reopen": {"reason": "Callback"},
        "complete": {"completion_notes": "Done"},
    }
    return bodies.get(action)


def _act(world: JobWorld, job_id: str, action: str) -> Any:
    return world.post(f"/jobs/{job_id}/{action}", _body(world, action))


def _job_in(world: JobWorld, status: str) -> dict[str, Any]:
    """Drive a new job to ``status`` through the API."""
    paths = {
        "unscheduled": [],
        "scheduled": ["schedule"],
        "dispatched": ["schedule", "dispatch"],
        "in_progress": ["schedule", "start"],
        "on_hold": ["schedule", "start", "hold"],
        "completed": ["schedule", "start", "complete"],
        "canceled": ["cancel"],
    }
    job = world.create_job(assigned_technician_ids=world.technicians)
    for action in paths[status]:
        response = _act(world, job["id"], action)
        assert response.status_code == 200, response.text
        job = response.json()
    assert job["status"] == status
    return job


@pytest.fixture
def world(harness: Harness) -> JobWorld:
    return make_world(harness)


def test_create_unscheduled_with_catalog_snapshot_and_server_totals(world: JobWorld) -> None:
    response = world.post(
        "/jobs",
        {
            "customer_id": world.customer_id,
            "summary": "Spring AC tune-up",
            "line_items": [
                {"service_id": world.service_id, "quantity": 2, "tax_rate_bps": 825},
                {"name": "Filter", "unit_price": 1999, "quantity": 1.5, "taxable": False},
            ],
            "tags": ["maintenance", "maintenance"],
        },
    )
    assert response.status_code == 201, response.text
    job = response.json()
    assert response.headers["location"] == f"{JOBS}/{job['id']}"
    assert job["status"] == "unscheduled"
    assert job["schedule"] is None
    assert job["number"] == "J-1001"
    assert job["service_location_id"] == world.location_ids[1], "the customer's primary location by default"
    assert job["tags"] == ["maintenance"]
    first, second = job["line_items"]
    assert (first["name"], first["unit_price"], first["amount"], first["tax_amount"]) == (
        "AC tune-up",
        12900,
        25800,
        2129,
    )
    assert (second["amount"], second["tax_amount"]) == (2999, 0), "1.5 x 19.99 = 29.985, rounded half up"
    assert (job["subtotal"], job["tax_total"], job["total"]) == (28799, 2129, 30928)
    # The catalog changes; the job's line keeps its snapshot.
    world.harness.client.patch(
        f"/api/public/v1/services/{world.service_id}", headers=world.headers(), json={"unit_price": 99999}
    )
    fetched = world.harness.client.get(f"{JOBS}/{job['id']}", headers=world.headers())
    assert fetched.json() == job
    assert fetched.headers["etag"] == response.headers["etag"]
    assert [event.type for event in world.events(job["id"])] == ["job.created"]
    assert world.events(job["id"])[0].data_object == job


def test_create_with_a_window_is_scheduled_and_numbers_increase(world: JobWorld) -> None:
    first = world.create_job()
    job = world.create_job(schedule=WINDOW, assigned_technician_ids=world.technicians, priority="urgent")
    assert job["status"] == "scheduled"
    assert job["schedule"]["timezone"] == "America/Chicago"
    assert job["schedule"]["window_start"].startswith("2030-05-21T14:00:00")
    assert job["assigned_technician_ids"] == world.technicians
    assert (first["number"], job["number"]) == ("J-1001", "J-1002")


def test_the_whole_lifecycle_announces_and_audits_every_transition(harness: Harness, world: JobWorld) -> None:
    job = world.create_job()
    job_id = job["id"]
    steps: list[tuple[str, dict[str, Any] | None, str, str]] = [
        ("schedule", WINDOW, "scheduled", "job.scheduled"),
        ("schedule", LATER_WINDOW, "scheduled", "job.rescheduled"),
        ("assign-technicians", {"technician_ids": world.technicians}, "scheduled", "job.technicians_changed"),
        ("unassign-technicians", {"technician_ids": world.technicians[1:]}, "scheduled", "job.technicians_changed"),
        ("dispatch", None, "dispatched", "job.dispatched"),
        ("start", None, "in_progress", "job.started"),
        ("hold", {"reason": "Needs a capacitor"}, "on_hold", "job.on_hold"),
        ("resume", None, "in_progress", "job.resumed"),
        ("complete", {"completion_notes": "Replaced the capacitor"}, "completed", "job.completed"),
        ("reopen", {"reason": "Callback"}, "in_progress", "job.reopened"),
        ("complete", None, "completed", "job.completed"),
    ]
    for action, body, status, _ in steps:
        response = world.post(f"/jobs/{job_id}/{action}", body)
        assert response.status_code == 200, (action, response.text)
        assert response.json()["status"] == status
        job = response.json()
    assert job["assigned_technician_ids"] == world.technicians[:1]
    assert job["started_at"] is not None
    assert job["completed_at"] is not None
    assert job["dispatched_at"] is not None
    expected = ["job.created"] + [event for *_, event in steps]
    events = world.events(job_id)
    assert [event.type for event in events] == expected
    assert [audit.action for audit in world.audits(job_id)] == expected, "one audit row per event"
    dispatched = events[5]
    assert dispatched.previous_attributes is not None
    assert dispatched.previous_attributes["status"] == "scheduled"
    assert dispatched.data_object["status"] == "dispatched"
    assert events[-1].data_object == job
    reopen_audit = world.audits(job_id)[-2]
    assert reopen_audit.changes["reopen_reason"].after == "Callback"
    activity = harness.client.get(
        f"/api/public/v1/customers/{world.customer_id}/activity",
        headers=world.headers(),
        params={"resource_type": "job", "limit": 100},
    ).json()["data"]
    assert [entry["type"] for entry in activity] == expected[::-1], "the customer's history shows every job event"
    assert activity[-1]["summary"] == f"Job {job['number']} created"


@pytest.mark.parametrize("status", list(ALLOWED))
def test_every_refused_transition_is_409_with_current_status_and_allowed_actions(world: JobWorld, status: str) -> None:
    job = _job_in(world, status)
    before_events = len(world.events(job["id"]))
    for action in ACTIONS:
        if action in ALLOWED[status]:
            continue
        response = _act(world, job["id"], action)
        assert response.status_code == 409, (status, action, response.text)
        problem = response.json()
        assert problem["code"] == "invalid_state_transition"
        assert problem["current_status"] == status
        assert problem["allowed_actions"] == ALLOWED[status]
    assert len(world.events(job["id"])) == before_events, "a refused action writes nothing"
    assert len(world.audits(job["id"])) == before_events


def test_resume_returns_where_the_job_was(world: JobWorld) -> None:
    scheduled = _job_in(world, "scheduled")
    assert _act(world, scheduled["id"], "hold").json()["status"] == "on_hold"
    resumed = _act(world, scheduled["id"], "resume").json()
    assert (resumed["status"], resumed["hold_reason"]) == ("scheduled", None)
    dispatched = _job_in(world, "dispatched")
    _act(world, dispatched["id"], "hold")
    assert _act(world, dispatched["id"], "resume").json()["status"] == "scheduled", "dispatch again after a hold"


def test_reschedule_and_unschedule_of_a_dispatched_job(world: JobWorld) -> None:
    job = _job_in(world, "dispatched")
    rescheduled = world.post(f"/jobs/{job['id']}/schedule", LATER_WINDOW).json()
    assert (rescheduled["status"], rescheduled["dispatched_at"]) == ("scheduled", None)
    assert rescheduled["schedule"]["window_start"].startswith("2030-05-22T09:00:00")
    world.post(f"/jobs/{job['id']}/dispatch")
    unscheduled = world.post(f"/jobs/{job['id']}/unschedule").json()
    assert (unscheduled["status"], unscheduled["schedule"]) == ("unscheduled", None)
    assert unscheduled["assigned_technician_ids"] == world.technicians, "technicians stay"


def test_cancel_and_reopen_a_canceled_job(world: JobWorld) -> None:
    job = _job_in(world, "on_hold")
    canceled = _act(world, job["id"], "cancel").json()
    assert canceled["cancel_reason"] == "Customer sold the house"
    assert canceled["canceled_at"] is not None
    assert canceled["hold_reason"] is None
    reopened = _act(world, job["id"], "reopen").json()
    assert reopened["status"] == "unscheduled"
    assert (reopened["cancel_reason"], reopened["canceled_at"], reopened["schedule"]) == (None, None, None)


def test_dispatch_without_technicians_is_a_conflict(world: JobWorld) -> None:
    job = world.create_job(schedule=WINDOW)
    response = world.post(f"/jobs/{job['id']}/dispatch")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "technician" in response.json()["detail"]


def test_assigning_the_same_set_writes_nothing(world: JobWorld) -> None:
    job = world.create_job(assigned_technician_ids=world.technicians)
    same = world.post(f"/jobs/{job['id']}/assign-technicians", {"technician_ids": world.technicians[::-1]})
    assert same.status_code == 200
    unknown = world.post(
        f"/jobs/{job['id']}/unassign-technicians", {"technician_ids": ["usr_01HW3E28JT97KB6CQ643DZVMXX"]}
    )
    assert unknown.status_code == 422, "not a member of the organization"
    assert unknown.json()["errors"][0]["field"] == "/technician_ids/0"
    world.post(f"/jobs/{job['id']}/unassign-technicians", {"technician_ids": world.technicians[:1]})
    again = world.post(f"/jobs/{job['id']}/unassign-technicians", {"technician_ids": world.technicians[:1]})
    assert again.status_code == 200, "a member who is not assigned is ignored"
    assert again.json()["assigned_technician_ids"] == world.technicians[1:]
    assert [event.type for event in world.events(job["id"])] == ["job.created", "job.technicians_changed"]
    cleared = world.post(f"/jobs/{job['id']}/assign-technicians", {"technician_ids": []}).json()
    assert cleared["assigned_technician_ids"] == []


def test_complete_checks_completed_at(world: JobWorld) -> None:
    job = _job_in(world, "in_progress")
    future = world.post(f"/jobs/{job['id']}/complete", {"completed_at": "2999-01-01T00:00:00Z"})
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "/completed_at"
    before_start = world.post(f"/jobs/{job['id']}/complete", {"completed_at": "2000-01-01T00:00:00Z"})
    assert before_start.status_code == 422
    done = world.post(f"/jobs/{job['id']}/complete")
    assert done.status_code == 200, done.text
    assert done.json()["completion_notes"] is None


def _foreign_world(harness: Harness) -> JobWorld:
    return make_world(harness, technicians=1)


@pytest.mark.parametrize(
    ("make_body", "field"),
    [
        (lambda w, o: {"customer_id": o.customer_id}, "/customer_id"),
        (lambda w, o: {"service_location_id": o.location_ids[0]}, "/service_location_id"),
        (lambda w, o: {"assigned_technician_ids": [w.technicians[0], o.technicians[0]]}, "/assigned_technician_ids/1"),
        (lambda w, o: {"line_items": [{"service_id": o.service_id}]}, "/line_items/0/service_id"),
        (lambda w, o: {"schedule": {**WINDOW, "window_end": WINDOW["window_start"]}}, "/schedule/window_end"),
        (lambda w, o: {"schedule": {**WINDOW, "timezone": "Mars/Olympus"}}, "/schedule/timezone"),
        (
            lambda w, o: {"schedule": {**WINDOW, "arrival_window_end": "2030-05-21T18:00:00Z"}},
            "/schedule/arrival_window_start",
        ),
    ],
)
def test_another_tenants_references_and_bad_windows_are_422_naming_the_field(
    harness: Harness,
    world: JobWorld,
    make_body: Callable[[JobWorld, JobWorld], dict[str, Any]],
    field: str,
) -> None:
    other = _foreign_world(harness)
    body = {"customer_id": world.customer_id, "summary": "Tune-up", **make_body(world, other)}
    response = world.post("/jobs", body)
    assert response.status_code == 422, response.text
    assert field in [error["field"] for error in response.json()["errors"]]
    assert world.events() == [], "nothing written"
    assert world.audits() == []
    listed = harness.client.get(JOBS, headers=world.headers()).json()
    assert listed["data"] == []


def test_a_service_in_another_currency_is_refused(harness: Harness) -> None:
    world = make_world(harness, currency="EUR")
    response = world.post(
        "/jobs", {"customer_id": world.customer_id, "summary": "x", "line_items": [{"service_id": world.service_id}]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/line_items/0/service_id"


def test_technicians_outside_the_organization_are_422_on_assign(harness: Harness, world: JobWorld) -> None:
    other = _foreign_world(harness)
    job = world.create_job()
    response = world.post(f"/jobs/{job['id']}/assign-technicians", {"technician_ids": other.technicians})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/technician_ids/0"
    assert [event.type for event in world.events(job["id"])] == ["job.created"]


def test_update_with_if_match_and_frozen_line_items(world: JobWorld) -> None:
    client = world.harness.client
    created = world.post("/jobs", {"customer_id": world.customer_id, "summary": "Tune-up"})
    url, etag = created.headers["location"], created.headers["etag"]
    updated = client.patch(
        url,
        headers=world.headers(**{"If-Match": etag}),
        json={
            "priority": "high",
            "description": "Rattling",
            "service_location_id": world.location_ids[0],
            "line_items": [{"service_id": world.service_id}],
        },
    )
    assert updated.status_code == 200, updated.text
    job = updated.json()
    assert (job["priority"], job["description"], job["total"]) == ("high", "Rattling", 12900)
    assert updated.headers["etag"] != etag
    stale = client.patch(url, headers=world.headers(**{"If-Match": etag}), json={"summary": "Lost"})
    assert stale.status_code == 412
    foreign_location = client.patch(
        url, headers=world.headers(), json={"service_location_id": "loc_01HWS3C4DWA7N36096Q14DR9GP"}
    )
    assert foreign_location.status_code == 422
    same = client.patch(url, headers=world.headers(), json={"priority": "high"})
    assert same.status_code == 200
    event = world.events(job["id"])[-1]
    assert event.type == "job.updated"
    assert event.previous_attributes is not None
    assert set(event.previous_attributes) == {
        "priority",
        "description",
        "service_location_id",
        "line_items",
        "subtotal",
        "total",
    }
    assert [e.type for e in world.events(job["id"])] == ["job.created", "job.updated"], "a no-op writes nothing"
    for action in ("schedule", "start", "complete"):
        world.post(f"/jobs/{job['id']}/{action}", WINDOW if action == "schedule" else None)
    frozen = client.patch(url, headers=world.headers(), json={"line_items": []})
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "conflict"
    assert client.patch(url, headers=world.headers(), json={"summary": "Still editable"}).status_code == 200


def test_reopen_needs_the_admin_scope(harness: Harness, world: JobWorld) -> None:
    job = _job_in(world, "completed")
    _, writer = harness.key(world.org, tuple(sorted(ALL_SCOPES - {"admin:jobs"})))
    response = harness.client.post(
        f"{JOBS}/{job['id']}/reopen",
        headers={"x-organization-id": world.org, "x-api-key": writer},
        json={"reason": "Callback"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert "admin:jobs" in response.json()["required_scopes"]


def test_idempotent_create_and_action_replay(world: JobWorld) -> None:
    body = {"customer_id": world.customer_id, "summary": "Once"}
    first = world.post("/jobs", body, **{"Idempotency-Key": "job-create-1"})
    again = world.post("/jobs", body, **{"Idempotency-Key": "job-create-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    other = world.post("/jobs", {**body, "summary": "Twice"}, **{"Idempotency-Key": "job-create-1"})
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    job_id = first.json()["id"]
    cancel = {"reason": "Dup"}
    assert world.post(f"/jobs/{job_id}/cancel", cancel, **{"Idempotency-Key": "c1"}).status_code == 200
    replay = world.post(f"/jobs/{job_id}/cancel", cancel, **{"Idempotency-Key": "c1"})
    assert replay.status_code == 200, "a retried action replays instead of answering 409"
    assert [event.type for event in world.events(job_id)] == ["job.created", "job.canceled"]


def test_list_filters_and_pages(world: JobWorld) -> None:
    client = world.harness.client
    plain = world.create_job(tags=["vip"])
    scheduled = world.create_job(schedule=WINDOW, assigned_technician_ids=world.technicians[:1])
    later = world.create_job(schedule=LATER_WINDOW, assigned_technician_ids=world.technicians[1:])

    def ids(**params: Any) -> list[str]:
        response = client.get(JOBS, headers=world.headers(), params=params)
        assert response.status_code == 200, response.text
        return [job["id"] for job in response.json()["data"]]

    assert ids() == [later["id"], scheduled["id"], plain["id"]]
    assert ids(status="scheduled") == [later["id"], scheduled["id"]]
    assert ids(status="unscheduled") == [plain["id"]]
    assert ids(customer_id=world.customer_id) == [later["id"], scheduled["id"], plain["id"]]
    assert ids(customer_id="cus_01HWDJ8FSSZ5AWSH8VHTPRE95B") == []
    assert ids(technician_id=world.technicians[0]) == [scheduled["id"]]
    assert ids(tag="vip") == [plain["id"]]
    assert ids(scheduled_after="2030-05-21T15:00:00Z", scheduled_before="2030-05-22T00:00:00Z") == [scheduled["id"]]
    assert ids(scheduled_after="2030-05-22T10:00:00Z") == [later["id"]]
    assert ids(updated_since="2999-01-01T00:00:00Z") == []
    first = client.get(JOBS, headers=world.headers(), params={"limit": 2})
    assert first.json()["has_more"] is True
    assert first.headers["link"].endswith('>; rel="next"')
    rest = client.get(JOBS, headers=world.headers(), params={"limit": 2, "cursor": first.json()["next_cursor"]})
    assert [job["id"] for job in rest.json()["data"]] == [plain["id"]]
    assert rest.json()["next_cursor"] is None


def test_another_tenant_sees_no_job(harness: Harness, world: JobWorld) -> None:
    job = world.create_job()
    other = _foreign_world(harness)
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"summary": "mine"}),
        ("POST", "/cancel", {"reason": "mine"}),
    ]:
        response = harness.client.request(method, f"{JOBS}/{job['id']}{suffix}", headers=other.headers(), json=body)
        assert response.status_code == 404, response.text
    assert harness.client.get(JOBS, headers=other.headers()).json()["data"] == []
    assert world.harness.client.get(f"{JOBS}/{job['id']}", headers=world.headers()).json()["status"] == "unscheduled"


def test_a_write_that_fails_after_the_use_case_leaves_nothing_behind(
    world: JobWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = world.create_job(schedule=WINDOW)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the outbox is down")

    monkeypatch.setattr("server_impl.handlers.jobs.events.publish", broken)
    created = world.post("/jobs", {"customer_id": world.customer_id, "summary": "Lost"})
    started = world.post(f"/jobs/{job['id']}/start")
    assert (created.status_code, started.status_code) == (500, 500)
    monkeypatch.undo()
    listed = world.harness.client.get(JOBS, headers=world.headers()).json()["data"]
    assert [item["id"] for item in listed] == [job["id"]], "the failed create wrote no job"
    fetched = world.harness.client.get(f"{JOBS}/{job['id']}", headers=world.headers())
    assert fetched.json() == job, "the failed start changed nothing"
    assert [audit.action for audit in world.audits()] == ["job.created"], "and left no audit row"
    assert world.create_job()["number"] == "J-1002", "nor used up a number"
