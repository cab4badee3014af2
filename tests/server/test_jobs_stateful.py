"""Random action sequences against the jobs API, checked against a model of the lifecycle.

The model is written from the contract's descriptions (not from the server's code): which action is
allowed in which status, where it leads, which event it announces. After every step the touched job
is read back through the API and its outbox events and audit rows are compared with the model: the
status is the model's, the money adds up line by line, and events and audit rows match the
transitions one to one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.server.conftest import Harness
from tests.server.jobs_world import JOBS, LATER_WINDOW, WINDOW, JobWorld, make_world

OPEN = {"unscheduled", "scheduled", "dispatched", "in_progress", "on_hold"}
FROM = {
    "schedule": {"unscheduled", "scheduled", "dispatched"},
    "unschedule": {"scheduled", "dispatched"},
    "assign-technicians": OPEN,
    "unassign-technicians": OPEN,
    "dispatch": {"scheduled"},
    "start": {"scheduled", "dispatched"},
    "hold": {"scheduled", "dispatched", "in_progress"},
    "resume": {"on_hold"},
    "complete": {"in_progress"},
    "cancel": OPEN,
    "reopen": {"completed", "canceled"},
}
ORDER = list(FROM)
SETTINGS = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Model:
    """What the contract says a job should look like."""

    status: str
    technicians: set[str]
    has_schedule: bool
    started: bool = False
    lines: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=lambda: ["job.created"])


def _expected_line(line: dict[str, Any]) -> tuple[int, int]:
    amount = _half_up(Decimal(str(line["quantity"])) * line["unit_price"])
    taxable = line.get("taxable", True)
    tax = _half_up(Decimal(amount) * line["tax_rate_bps"] / Decimal(10000)) if taxable else 0
    return amount, tax


lines_strategy = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Labor", "Capacitor", "Filter"]),
            "quantity": st.sampled_from([1, 2, 0.5, 1.25, 3.333, 0.001]),
            "unit_price": st.integers(min_value=0, max_value=500_000),
            "tax_rate_bps": st.integers(min_value=0, max_value=2_000),
            "taxable": st.booleans(),
        }
    ),
    max_size=4,
)


class JobsMachine(RuleBasedStateMachine):
    """Drives one tenant's jobs through the HTTP API."""

    world: JobWorld

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[str, Model] = {}
        self.touched: str | None = None

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.world.post(path, body)

    @initialize(scheduled=st.booleans(), technicians=st.sets(st.integers(0, 1)), lines=lines_strategy)
    def first(self, scheduled: bool, technicians: set[int], lines: list[dict[str, Any]]) -> None:
        self.create(scheduled, technicians, lines)

    @rule(scheduled=st.booleans(), technicians=st.sets(st.integers(0, 1)), lines=lines_strategy)
    @precondition(lambda self: len(self.models) < 2)
    def create(self, scheduled: bool, technicians: set[int], lines: list[dict[str, Any]]) -> None:
        ids = [self.world.technicians[i] for i in sorted(technicians)]
        body: dict[str, Any] = {
            "customer_id": self.world.customer_id,
            "summary": "Stateful job",
            "assigned_technician_ids": ids,
            "line_items": lines,
        }
        if scheduled:
            body["schedule"] = WINDOW
        response = self._post("/jobs", body)
        assert response.status_code == 201, response.text
        job = response.json()
        status = "scheduled" if scheduled else "unscheduled"
        self.models[job["id"]] = Model(status, set(ids), has_schedule=scheduled, lines=lines)
        self.touched = job["id"]

    @rule(data=st.data(), technicians=st.sets(st.integers(0, 1)))
    @precondition(lambda self: bool(self.models))
    def act(self, data: st.DataObject, technicians: set[int]) -> None:
        job_id = data.draw(st.sampled_from(sorted(self.models)))
        model = self.models[job_id]
        allowed = [name for name in ORDER if model.status in FROM[name]]
        # Mostly an allowed action (sequences reach deep into the lifecycle), sometimes any action.
        action = data.draw(st.one_of(*[st.sampled_from(allowed)] * 3, st.sampled_from(ORDER)))
        ids = [self.world.technicians[i] for i in sorted(technicians)]
        bodies: dict[str, dict[str, Any]] = {
            "schedule": data.draw(st.sampled_from([WINDOW, LATER_WINDOW])),
            "assign-technicians": {"technician_ids": ids},
            "unassign-technicians": {"technician_ids": ids or self.world.technicians[:1]},
            "hold": {"reason": "parts"},
            "cancel": {"reason": "customer"},
            "reopen": {"reason": "callback"},
        }
        response = self._post(f"/jobs/{job_id}/{action}", bodies.get(action))
        self.touched = job_id
        if model.status not in FROM[action]:
            assert response.status_code == 409, (model.status, action, response.text)
            problem = response.json()
            assert problem["code"] == "invalid_state_transition"
            assert problem["current_status"] == model.status
            assert problem["allowed_actions"] == [name for name in ORDER if model.status in FROM[name]]
            return
        if action == "dispatch" and not model.technicians:
            assert response.status_code == 409, response.text
            assert response.json()["code"] == "conflict"
            return
        assert response.status_code == 200, (model.status, action, response.text)
        self._advance(model, action, bodies.get(action) or {})
        assert response.json()["status"] == model.status

    def _advance(self, model: Model, action: str, body: dict[str, Any]) -> None:
        status = model.status
        if action in {"assign-technicians", "unassign-technicians"}:
            ids = set(body["technician_ids"])
            after = ids if action == "assign-technicians" else model.technicians - ids
            if after != model.technicians:
                model.technicians = after
                model.events.append("job.technicians_changed")
            return
        event = {
            "schedule": "job.scheduled" if status == "unscheduled" else "job.rescheduled",
            "unschedule": "job.unscheduled",
            "dispatch": "job.dispatched",
            "start": "job.started",
            "hold": "job.on_hold",
            "resume": "job.resumed",
            "complete": "job.completed",
            "cancel": "job.canceled",
            "reopen": "job.reopened",
        }[action]
        if action == "resume":
            model.status = "in_progress" if model.started else "scheduled"
        elif action == "reopen":
            model.status = "in_progress" if status == "completed" else "unscheduled"
            model.started = model.started and status == "completed"
            model.has_schedule = model.has_schedule and status == "completed"
        else:
            model.status = {
                "schedule": "scheduled",
                "unschedule": "unscheduled",
                "dispatch": "dispatched",
                "start": "in_progress",
                "hold": "on_hold",
                "complete": "completed",
                "cancel": "canceled",
            }[action]
            model.started = model.started or action == "start"
            if action in {"schedule", "unschedule"}:
                model.has_schedule = action == "schedule"
        model.events.append(event)

    @rule(data=st.data(), lines=lines_strategy)
    @precondition(lambda self: bool(self.models))
    def replace_lines(self, data: st.DataObject, lines: list[dict[str, Any]]) -> None:
        job_id = data.draw(st.sampled_from(sorted(self.models)))
        model = self.models[job_id]
        response = self.world.harness.client.patch(
            f"{JOBS}/{job_id}", headers=self.world.headers(), json={"line_items": lines}
        )
        self.touched = job_id
        if model.status in {"completed", "canceled"}:
            assert response.status_code == 409, response.text
            return
        assert response.status_code == 200, response.text
        if lines or model.lines:  # replaced lines are new lines (new ids): a change unless both are empty
            model.events.append("job.updated")
        model.lines = lines

    @invariant()
    def the_touched_job_matches_the_model(self) -> None:
        if self.touched is not None:
            self._check(self.touched)

    def _check(self, job_id: str) -> None:
        model = self.models[job_id]
        job = self.world.harness.client.get(f"{JOBS}/{job_id}", headers=self.world.headers()).json()
        assert job["status"] == model.status
        assert set(job["assigned_technician_ids"]) == model.technicians
        assert (job["schedule"] is not None) == model.has_schedule
        if model.status in {"scheduled", "dispatched"}:
            assert model.has_schedule
        assert (job["started_at"] is not None) == model.started
        assert (job["completed_at"] is not None) == (model.status == "completed")
        assert (job["hold_reason"] is not None) == (model.status == "on_hold")
        assert (job["cancel_reason"] is not None) == (model.status == "canceled")
        if model.status == "dispatched":
            assert job["dispatched_at"] is not None
        expected = [_expected_line(line) for line in model.lines]
        assert [(line["amount"], line["tax_amount"]) for line in job["line_items"]] == expected
        assert job["subtotal"] == sum(amount for amount, _ in expected)
        assert job["tax_total"] == sum(tax for _, tax in expected)
        assert job["total"] == job["subtotal"] + job["tax_total"]
        events = self.world.events(job_id)
        assert [event.type for event in events] == model.events
        assert [audit.action for audit in self.world.audits(job_id)] == model.events
        assert events[-1].data_object == job, "the last event carries the job as it is now"

    def teardown(self) -> None:
        for job_id in self.models:
            self._check(job_id)


def test_random_action_sequences_keep_the_lifecycle_invariants(harness: Harness) -> None:
    world = make_world(harness)

    class Machine(JobsMachine):
        pass

    Machine.world = world
    run_state_machine_as_test(Machine, settings=SETTINGS)


def test_the_model_covers_every_job_action_of_the_contract() -> None:
    contract = json.loads((Path(__file__).parents[2] / "generated" / "openapi.json").read_text(encoding="utf-8"))
    prefix = "/api/public/v1/jobs/{job_id}/"
    actions = {path.removeprefix(prefix) for path, item in contract["paths"].items() if path.startswith(prefix)}
    assert actions == set(ORDER)
