"""Random action sequences against the estimates API, checked against a model of the lifecycle.

The machine creates estimates, tries every action (allowed or not), moves the clock past
``valid_until`` dates and runs the worker's expiry task. After every step the estimate it touched
must read as the model says (status, options, totals recomputed independently); at the end every
estimate's outbox events and audit rows must be exactly the transitions the model expects, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from server_impl.domain.estimates import ALLOWED_ACTIONS, STATUSES
from server_impl.handlers.estimates import expire_due_estimates
from tests.server.conftest import Harness
from tests.server.estimate_support import Clock, Shop, make_shop

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
ACTIONS = ("update", "send", "approve", "decline", "revise", "void", "convert")
TRANSITION_EVENTS = {
    "send": ("sent", "estimate.sent"),
    "approve": ("approved", "estimate.approved"),
    "decline": ("declined", "estimate.declined"),
    "revise": ("draft", "estimate.revised"),
    "void": ("void", "estimate.voided"),
}

lines = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.just("Part"),
            "unit_price": st.integers(0, 500_000),
            "quantity": st.sampled_from([1, 2, 0.5, 1.25, 3.333]),
            "tax_rate_bps": st.sampled_from([0, 825, 1000, 2000]),
            "taxable": st.booleans(),
        }
    ),
    min_size=1,
    max_size=3,
)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def expected_totals(sent_lines: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Subtotal, tax and total computed independently of the server's code."""
    subtotal = tax = 0
    for line in sent_lines:
        amount = _round(Decimal(str(line["quantity"])) * line["unit_price"])
        subtotal += amount
        if line["taxable"]:
            tax += _round(Decimal(amount) * line["tax_rate_bps"] / 10000)
    return subtotal, tax, subtotal + tax


@dataclass
class Model:
    """What one estimate should look like."""

    status: str
    valid_until: date | None
    options: list[list[dict[str, Any]]]
    events: list[str] = field(default_factory=lambda: ["estimate.created"])
    approved: list[int] = field(default_factory=list)


class EstimateMachine(RuleBasedStateMachine):
    """The estimates API against :class:`Model`."""

    estimates = Bundle("estimates")
    bound: ClassVar[tuple[Harness, Clock]]
    """The app and the clock, set by a subclass made in the test (hypothesis instantiates the class)."""

    def __init__(self) -> None:
        super().__init__()
        harness, clock = self.harness, self.clock = self.bound
        self.shop: Shop = make_shop(harness)
        self.models: dict[str, Model] = {}
        self.touched: str | None = None
        self.titles = 0
        clock.now = START

    # -- helpers --------------------------------------------------------------------------------

    def tick(self) -> None:
        assert self.clock.now is not None
        self.clock.now += timedelta(seconds=1)

    @property
    def today(self) -> date:
        assert self.clock.now is not None
        return self.clock.now.date()

    def effective(self, model: Model) -> str:
        if model.status == "sent" and model.valid_until is not None and model.valid_until < self.today:
            return "expired"
        return model.status

    # -- rules ----------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self.clock.now = START

    @rule(
        target=estimates,
        options=st.lists(lines, min_size=1, max_size=3),
        recommended=st.integers(-1, 2),
        valid_days=st.one_of(st.none(), st.integers(0, 3)),
    )
    def create(self, options: list[list[dict[str, Any]]], recommended: int, valid_days: int | None) -> str:
        self.tick()
        valid_until = None if valid_days is None else self.today + timedelta(days=valid_days)
        body = self.shop.estimate_body(
            options=[
                {"name": f"Option {index}", "is_recommended": index == recommended, "line_items": option}
                for index, option in enumerate(options)
            ],
            valid_until=None if valid_until is None else valid_until.isoformat(),
        )
        response = self.shop.post("/estimates", body)
        assert response.status_code == 201, response.text
        estimate_id = str(response.json()["id"])
        self.models[estimate_id] = Model("draft", valid_until, options)
        self.touched = estimate_id
        return estimate_id

    @rule(estimate_id=estimates, action=st.sampled_from(ACTIONS), picks=st.lists(st.integers(0, 2), min_size=1))
    def act(self, estimate_id: str, action: str, picks: list[int]) -> None:
        self.tick()
        model = self.models[estimate_id]
        current = self.effective(model)
        path = f"/estimates/{estimate_id}"
        chosen = sorted({pick % len(model.options) for pick in picks})
        if action == "update":
            self.titles += 1
            response = self.shop.patch(path, {"title": f"Title {self.titles}"})
        elif action == "approve":
            options = self.shop.get(path).json()["options"]
            response = self.shop.post(
                f"{path}/approve", {"option_ids": [options[i]["id"] for i in chosen], "approved_by": "Dana"}
            )
        else:
            response = self.shop.post(f"{path}/{action}")
        self.touched = estimate_id
        if action not in ALLOWED_ACTIONS[current]:
            assert response.status_code == 409, (current, action, response.text)
            problem = response.json()
            assert (problem["current_status"], problem["allowed_actions"]) == (current, list(ALLOWED_ACTIONS[current]))
            return
        if action == "send" and model.valid_until is not None and model.valid_until < self.today:
            assert response.status_code == 422, response.text
            return
        if action == "convert":  # conversion is covered by its own tests; here only its refusals count
            assert response.status_code in {200, 409}, response.text
            if response.status_code == 200:
                model.status = "converted"
                model.events.append("estimate.converted")
            return
        assert response.status_code == 200, (current, action, response.text)
        if current != model.status:  # the write recorded the derived expiry first
            model.status = "expired"
            model.events.append("estimate.expired")
        if action == "update":
            model.events.append("estimate.updated")
            return
        model.status, event = TRANSITION_EVENTS[action]
        model.events.append(event)
        if action == "approve":
            model.approved = chosen
        elif action == "revise":
            model.approved = []

    @rule(days=st.integers(1, 3))
    def time_passes(self, days: int) -> None:
        assert self.clock.now is not None
        self.clock.now += timedelta(days=days)

    @rule()
    def worker_runs(self) -> None:
        self.tick()
        due = [model for model in self.models.values() if self.effective(model) != model.status]
        assert expire_due_estimates(self.harness.context.uow_factory, self.clock.now) >= len(due)
        for model in due:
            model.status = "expired"
            model.events.append("estimate.expired")

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def the_touched_estimate_reads_as_modelled(self) -> None:
        if self.touched is not None:
            self.check(self.touched)

    def check(self, estimate_id: str) -> None:
        model = self.models[estimate_id]
        estimate = self.shop.get(f"/estimates/{estimate_id}").json()
        assert estimate["status"] in STATUSES
        assert estimate["status"] == self.effective(model)
        assert sum(option["is_recommended"] for option in estimate["options"]) <= 1
        for option, sent in zip(estimate["options"], model.options, strict=True):
            assert (option["subtotal"], option["tax_total"], option["total"]) == expected_totals(sent)
            assert option["subtotal"] == sum(line["amount"] for line in option["line_items"])
            assert option["tax_total"] == sum(line["tax_amount"] for line in option["line_items"])
        statuses = [option["approval_status"] for option in estimate["options"]]
        if estimate["status"] in {"approved", "converted"}:
            assert statuses == ["approved" if i in model.approved else "declined" for i in range(len(statuses))]
            approved_ids = [option["id"] for option in estimate["options"] if option["approval_status"] == "approved"]
            assert estimate["approval"]["option_ids"] == approved_ids
            if estimate["status"] == "converted":
                job = self.shop.get(f"/jobs/{estimate['converted_job_id']}").json()
                assert job["source_estimate_id"] == estimate_id
                assert job["total"] == sum(
                    option["total"] for option in estimate["options"] if option["approval_status"] == "approved"
                )
        elif estimate["status"] == "declined":
            assert set(statuses) == {"declined"}
        elif estimate["status"] in {"draft", "sent"}:
            assert set(statuses) == {"pending"}

    def teardown(self) -> None:
        for estimate_id, model in self.models.items():
            self.check(estimate_id)
            assert self.shop.event_types(estimate_id) == model.events
            assert self.shop.audit_actions(estimate_id) == model.events


def test_random_action_sequences_keep_the_lifecycle_invariants(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock(monkeypatch)

    class Bound(EstimateMachine):
        bound = (harness, clock)

    run_state_machine_as_test(
        Bound,
        settings=settings(
            max_examples=8,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
