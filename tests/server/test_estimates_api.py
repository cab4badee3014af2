"""Estimates over HTTP: every operation, every refused transition, expiry on read and by the worker task."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from server_impl.domain.errors import Conflict
from server_impl.domain.estimates import ALLOWED_ACTIONS
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.handlers.estimates import expire_due_estimates
from server_impl.services.ports import AuditFilter, EstimateFilter, EventFilter
from server_impl.worker.compose import build_tasks
from server_impl.worker.estimates import ExpireEstimatesTask
from server_impl.worker.loop import Worker
from tests.server.conftest import Harness
from tests.server.estimate_support import BASE, Clock, Shop, make_shop
from tests.server.file_samples import png

ACTIONS = ("update", "send", "approve", "decline", "revise", "void", "convert")


@pytest.fixture
def shop(harness: Harness) -> Shop:
    return make_shop(harness)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _approve_body(estimate: dict[str, Any], index: int = 1) -> dict[str, Any]:
    return {"option_ids": [estimate["options"][index]["id"]], "approved_by": "Dana Whitfield", "signature_name": "DW"}


def _act(shop: Shop, estimate: dict[str, Any], action: str) -> Any:
    path = f"/estimates/{estimate['id']}"
    if action == "update":
        return shop.patch(path, {"title": "Changed"})
    if action == "approve":
        return shop.post(f"{path}/approve", _approve_body(estimate))
    return shop.post(f"{path}/{action}")


def _in_status(shop: Shop, clock: Clock, status: str) -> dict[str, Any]:
    """Return an estimate brought to ``status`` through the API (``expired`` by moving the clock)."""
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date()
    estimate = shop.create(valid_until=tomorrow.isoformat())
    path = f"/estimates/{estimate['id']}"
    steps = {
        "draft": [],
        "sent": ["send"],
        "approved": ["send", "approve"],
        "declined": ["send", "decline"],
        "expired": ["send"],
        "void": ["void"],
    }[status]
    for step in steps:
        assert _act(shop, estimate, step).status_code == 200
    if status == "expired":
        clock.now = datetime.now(UTC) + timedelta(days=3)
    current = shop.get(path).json()
    assert current["status"] == status
    return dict(current)


def test_create_prices_every_option_and_audits_and_announces(shop: Shop) -> None:
    response = shop.post("/estimates", shop.estimate_body(tags=["hvac", "hvac"], deposit_amount=50000))
    assert response.status_code == 201, response.text
    estimate = response.json()
    assert response.headers["Location"].endswith(estimate["id"])
    assert response.headers["ETag"]
    assert estimate["status"] == "draft"
    assert estimate["number"].startswith("E-")
    assert estimate["currency"] == "USD"
    assert estimate["tags"] == ["hvac"]
    repair, replace = estimate["options"]
    assert repair["line_items"][0]["name"] == "Fan motor"
    assert (repair["subtotal"], repair["tax_total"], repair["total"]) == (38500, 3176, 41676)
    assert (replace["subtotal"], replace["tax_total"], replace["total"]) == (491500, 34650, 526150)
    assert [option["approval_status"] for option in estimate["options"]] == ["pending", "pending"]
    assert shop.event_types(estimate["id"]) == ["estimate.created"]
    assert shop.audit_actions(estimate["id"]) == ["estimate.created"]
    second = shop.create()
    assert int(second["number"][2:]) == int(estimate["number"][2:]) + 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_id": "cus_01HWDJ8FSSZ5AWSH8VHTPRE95B"}, "/customer_id"),
        ({"service_location_id": "loc_01HWS3C4DWA7N36096Q14DR9GP"}, "/service_location_id"),
        ({"job_id": "job_01HWN5SXS5AA819X9YP981068V"}, "/job_id"),
        ({"deposit_amount": 10_000_000}, "/deposit_amount"),
    ],
)
def test_create_refuses_unknown_references_naming_the_field(shop: Shop, change: dict[str, Any], field: str) -> None:
    response = shop.post("/estimates", shop.estimate_body(**change))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_another_tenants_customer_and_service_are_422_as_if_missing(harness: Harness, shop: Shop) -> None:
    other = make_shop(harness)
    response = shop.post("/estimates", shop.estimate_body(customer_id=other.customer_id))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/customer_id"
    body = shop.estimate_body()
    body["options"][1]["line_items"].append({"service_id": other.service_id})
    response = shop.post("/estimates", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/options/1/line_items/2/service_id"
    assert shop.get("/estimates").json()["data"] == []
    assert shop.create()["number"] == "E-1", "a refused create takes no number"


def test_at_most_one_option_is_recommended(shop: Shop) -> None:
    body = shop.estimate_body()
    body["options"][0]["is_recommended"] = True
    response = shop.post("/estimates", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/options/1/is_recommended"


def test_update_replaces_fields_of_a_draft_guarded_by_if_match(shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}"
    etag = shop.get(path).headers["ETag"]
    assert shop.patch(path, {"title": "x"}, **{"If-Match": '"stale"'}).status_code == 412
    options = [{"name": "Only", "line_items": [{"name": "Visit", "unit_price": 8900}]}]
    response = shop.patch(path, {"title": "New title", "options": options, "valid_until": None}, **{"If-Match": etag})
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["title"] == "New title"
    assert [option["total"] for option in updated["options"]] == [8900]
    assert response.headers["ETag"] != etag
    same = shop.patch(path, {"title": "New title"})
    assert same.status_code == 200
    assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.updated"]
    assert shop.audit_actions(estimate["id"]) == ["estimate.created", "estimate.updated"]
    with shop.harness.context.uow_factory(None) as uow:
        (event,) = [
            e
            for e in uow.events.list(EventFilter(type="estimate.updated"), limit=100).items
            if e.resource_id == estimate["id"]
        ]
    assert event.previous_attributes is not None
    assert set(event.previous_attributes) >= {"title", "options"}
    assert event.previous_attributes["title"] == "Condenser replacement"


def test_the_revenue_path_of_an_estimate(shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}"
    sent = shop.post(f"{path}/send", {"channel": "email", "to": "dana@example.com"})
    assert sent.status_code == 200
    assert sent.json()["status"] == "sent"
    assert sent.json()["sent_at"] is not None
    assert shop.post(f"{path}/send").json()["status"] == "sent"
    approved = shop.post(f"{path}/approve", _approve_body(estimate)).json()
    assert approved["status"] == "approved"
    assert [option["approval_status"] for option in approved["options"]] == ["declined", "approved"]
    approval = approved["approval"]
    assert approval["option_ids"] == [estimate["options"][1]["id"]]
    assert (approval["approved_by"], approval["signature_name"]) == ("Dana Whitfield", "DW")
    assert approval["approved_at"] == approved["approved_at"]
    expected = ["estimate.created", "estimate.sent", "estimate.sent", "estimate.approved"]
    assert shop.event_types(estimate["id"]) == expected
    assert shop.audit_actions(estimate["id"]) == expected


def test_decline_revise_and_void(shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}"
    shop.post(f"{path}/send")
    declined = shop.post(f"{path}/decline", {"reason": "Too expensive"}).json()
    assert (declined["status"], declined["decline_reason"]) == ("declined", "Too expensive")
    assert {option["approval_status"] for option in declined["options"]} == {"declined"}
    revised = shop.post(f"{path}/revise").json()
    assert (revised["status"], revised["decline_reason"]) == ("draft", None)
    assert {option["approval_status"] for option in revised["options"]} == {"pending"}
    voided = shop.post(f"{path}/void").json()
    assert voided["status"] == "void"
    assert voided["voided_at"] is not None
    expected = ["estimate.created", "estimate.sent", "estimate.declined", "estimate.revised", "estimate.voided"]
    assert shop.event_types(estimate["id"]) == expected
    assert shop.audit_actions(estimate["id"]) == expected


@pytest.mark.parametrize("status", ["draft", "sent", "approved", "declined", "expired", "void"])
def test_every_refused_action_is_409_with_the_allowed_actions_and_writes_nothing(
    shop: Shop, clock: Clock, status: str
) -> None:
    estimate = _in_status(shop, clock, status)
    events_before = shop.event_types(estimate["id"])
    refused = [action for action in ACTIONS if action not in ALLOWED_ACTIONS[status]]
    assert refused
    for action in refused:
        response = _act(shop, estimate, action)
        assert response.status_code == 409, (status, action, response.text)
        problem = response.json()
        assert problem["code"] == "invalid_state_transition"
        assert problem["current_status"] == status
        assert problem["allowed_actions"] == list(ALLOWED_ACTIONS[status])
    assert shop.get(f"/estimates/{estimate['id']}").json() == estimate
    assert shop.event_types(estimate["id"]) == events_before


def test_a_converted_estimate_allows_nothing(shop: Shop) -> None:
    assert ALLOWED_ACTIONS["converted"] == ()
    assert ALLOWED_ACTIONS["void"] == ()


def test_approving_an_option_of_another_estimate_is_422_and_changes_nothing(shop: Shop) -> None:
    first, second = shop.create(), shop.create()
    path = f"/estimates/{first['id']}"
    response = shop.post(f"{path}/approve", {"option_ids": [second["options"][0]["id"]], "approved_by": "Dana"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/option_ids/0"
    assert shop.get(path).json()["status"] == "draft"
    assert shop.event_types(first["id"]) == ["estimate.created"]


def test_sending_with_a_past_valid_until_is_422(shop: Shop) -> None:
    estimate = shop.create(valid_until=(date.today() - timedelta(days=2)).isoformat())
    response = shop.post(f"/estimates/{estimate['id']}/send")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/valid_until"


def test_a_sent_estimate_past_its_date_reads_as_expired_and_cannot_be_approved(shop: Shop, clock: Clock) -> None:
    today = datetime.now(UTC).date()
    estimate = shop.create(valid_until=today.isoformat())
    path = f"/estimates/{estimate['id']}"
    etag_sent = shop.post(f"{path}/send").headers["ETag"]
    clock.now = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    read = shop.get(path)
    assert read.json()["status"] == "expired"
    assert read.json()["expired_at"] == clock.now.isoformat().replace("+00:00", "Z")
    assert read.headers["ETag"] != etag_sent
    assert [item["id"] for item in shop.get("/estimates", status="expired").json()["data"]] == [estimate["id"]]
    assert shop.get("/estimates", status="sent").json()["data"] == []
    refused = shop.post(f"{path}/approve", _approve_body(estimate))
    assert refused.status_code == 409
    assert refused.json()["current_status"] == "expired"
    assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.sent"]  # the refusal rolled back
    clock.now = clock.now - timedelta(microseconds=1)
    assert shop.get(path).json()["status"] == "sent"  # the last moment of valid_until


def test_revising_a_stale_sent_estimate_records_its_expiry_first(shop: Shop, clock: Clock) -> None:
    today = datetime.now(UTC).date()
    estimate = shop.create(valid_until=today.isoformat())
    path = f"/estimates/{estimate['id']}"
    shop.post(f"{path}/send")
    clock.now = datetime.now(UTC) + timedelta(days=2)
    revised = shop.post(f"{path}/revise")
    assert revised.status_code == 200, revised.text
    assert revised.json()["status"] == "draft"
    expected = ["estimate.created", "estimate.sent", "estimate.expired", "estimate.revised"]
    assert shop.event_types(estimate["id"]) == expected
    assert shop.audit_actions(estimate["id"]) == expected


def test_the_worker_task_persists_and_announces_expiry_once(harness: Harness, shop: Shop) -> None:
    today = datetime.now(UTC).date()
    due = shop.create(valid_until=today.isoformat())
    later = shop.create(valid_until=(today + timedelta(days=10)).isoformat())
    draft = shop.create(valid_until=today.isoformat())
    for estimate in (due, later):
        assert shop.post(f"/estimates/{estimate['id']}/send").status_code == 200
    other = make_shop(harness)
    theirs = other.create(valid_until=today.isoformat())
    other.post(f"/estimates/{theirs['id']}/send")
    now = datetime.now(UTC) + timedelta(days=1, hours=1)
    factory = harness.context.uow_factory
    assert expire_due_estimates(factory, now) >= 2
    assert expire_due_estimates(factory, now) == 0
    for owner, estimate, status in ((shop, due, "expired"), (shop, later, "sent"), (shop, draft, "draft")):
        assert owner.get(f"/estimates/{estimate['id']}").json()["status"] == status
    assert other.get(f"/estimates/{theirs['id']}").json()["status"] == "expired"
    assert shop.event_types(due["id"]) == ["estimate.created", "estimate.sent", "estimate.expired"]
    with factory(None) as uow:
        (event,) = [
            e
            for e in uow.events.list(EventFilter(type="estimate.expired"), limit=100).items
            if e.resource_id == due["id"]
        ]
        (entry,) = uow.audit_events.list(AuditFilter(resource_id=due["id"], action="estimate.expired"), limit=10).items
    assert event.request_id is None
    assert event.previous_attributes is not None
    assert event.previous_attributes["status"] == "sent"
    assert event.data_object["status"] == "expired"
    assert entry.actor_type == "system"


def test_list_filters_by_customer_and_status_and_pages(harness: Harness, shop: Shop) -> None:
    ids = [shop.create()["id"] for _ in range(3)]
    shop.post(f"/estimates/{ids[0]}/send")
    first = shop.get("/estimates", limit=2)
    assert first.status_code == 200
    assert [item["id"] for item in first.json()["data"]] == ids[::-1][:2]
    assert first.json()["has_more"] is True
    rest = shop.get("/estimates", limit=2, cursor=first.json()["next_cursor"]).json()
    assert [item["id"] for item in rest["data"]] == [ids[0]]
    assert [item["id"] for item in shop.get("/estimates", status="sent").json()["data"]] == [ids[0]]
    assert len(shop.get("/estimates", customer_id=shop.customer_id).json()["data"]) == 3
    other = make_shop(harness)
    assert shop.get("/estimates", customer_id=other.customer_id).json()["data"] == []


def test_a_read_only_key_cannot_write_estimates(harness: Harness, shop: Shop) -> None:
    reader = make_shop(harness, scopes=("read:estimates",))
    assert reader.get("/estimates").status_code == 200
    response = reader.post("/estimates", reader.estimate_body())
    assert response.status_code == 403
    assert response.json()["required_scopes"] == ["write:estimates"]


def test_workers_racing_expire_an_estimate_once(harness: Harness, shop: Shop) -> None:
    today = datetime.now(UTC).date()
    due = [shop.create(valid_until=today.isoformat()) for _ in range(3)]
    for estimate in due:
        shop.post(f"/estimates/{estimate['id']}/send")
    now = datetime.now(UTC) + timedelta(days=2)
    factory = harness.context.uow_factory
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: expire_due_estimates(factory, now), range(3)))
    for estimate in due:
        assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.sent", "estimate.expired"]
        assert shop.audit_actions(estimate["id"]) == ["estimate.created", "estimate.sent", "estimate.expired"]


def test_a_stale_write_is_refused_by_the_version_check(harness: Harness, shop: Shop) -> None:
    estimate = shop.create()
    factory = harness.context.uow_factory
    with factory(_tenant_of(shop)) as uow:
        stale = uow.estimates.get(estimate["id"])
    assert stale is not None
    assert shop.patch(f"/estimates/{estimate['id']}", {"title": "Meanwhile"}).status_code == 200
    stale.title, stale.version = "Lost update", stale.version + 1
    with factory(_tenant_of(shop)) as uow, pytest.raises(Conflict):
        uow.estimates.save(stale)
    assert shop.get(f"/estimates/{estimate['id']}").json()["title"] == "Meanwhile"


def _tenant_of(shop: Shop) -> Tenant:
    return Tenant(shop.org, Environment.LIVE)


def test_an_estimate_for_a_job_names_a_job_of_the_same_customer(harness: Harness, shop: Shop) -> None:
    job = shop.post("/jobs", {"customer_id": shop.customer_id, "summary": "Diagnostic visit"}).json()
    estimate = shop.create(job_id=job["id"])
    assert estimate["job_id"] == job["id"]
    assert [item["id"] for item in shop.get("/estimates", job_id=job["id"]).json()["data"]] == [estimate["id"]]
    someone_else = shop.post("/customers", {"display_name": "Someone else"}).json()["id"]
    theirs = shop.post("/jobs", {"customer_id": someone_else, "summary": "Other visit"}).json()["id"]
    response = shop.patch(f"/estimates/{estimate['id']}", {"job_id": theirs})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/job_id"
    other = make_shop(harness)
    foreign = other.post("/jobs", {"customer_id": other.customer_id, "summary": "Theirs"}).json()["id"]
    response = shop.post("/estimates", shop.estimate_body(job_id=foreign))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/job_id"


def test_concurrent_creates_all_succeed_with_consecutive_numbers(harness: Harness) -> None:
    shop = make_shop(harness)
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda _: shop.post("/estimates", shop.estimate_body()), range(12)))
    assert [response.status_code for response in responses] == [201] * 12
    assert sorted(int(response.json()["number"][2:]) for response in responses) == list(range(1, 13))


def test_the_customers_activity_lists_its_estimates_transitions(shop: Shop) -> None:
    estimate = shop.create()
    shop.post(f"/estimates/{estimate['id']}/send")
    response = shop.get(f"/customers/{shop.customer_id}/activity", resource_type="estimate")
    assert response.status_code == 200, response.text
    entries = response.json()["data"]
    assert sorted((entry["type"], entry["resource_id"]) for entry in entries) == [
        ("estimate.created", estimate["id"]),
        ("estimate.sent", estimate["id"]),
    ]


def _upload(shop: Shop, purpose: str) -> str:
    response = shop.harness.client.post(
        f"{BASE}/files",
        headers=shop.headers(),
        data={"purpose": purpose},
        files={"file": ("signature.png", png(), "image/png")},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_the_signature_file_must_be_a_signature_of_the_tenant(harness: Harness, shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}/approve"
    other = make_shop(harness)
    for file_id in (_upload(shop, "photo"), _upload(other, "signature")):
        body = {"option_ids": [estimate["options"][0]["id"]], "approved_by": "Dana", "signature_file_id": file_id}
        response = shop.post(path, body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "/signature_file_id"
    signature = _upload(shop, "signature")
    body = {"option_ids": [estimate["options"][0]["id"]], "approved_by": "Dana", "signature_file_id": signature}
    approved = shop.post(path, body)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval"]["signature_file_id"] == signature
    assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.approved"]


def test_a_replayed_action_answers_the_same_and_announces_nothing_more(shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}/send"
    first = shop.post(path, None, **{"Idempotency-Key": "send-once"})
    replay = shop.post(path, None, **{"Idempotency-Key": "send-once"})
    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert shop.event_types(estimate["id"]) == ["estimate.created", "estimate.sent"]
    assert shop.audit_actions(estimate["id"]) == ["estimate.created", "estimate.sent"]


def test_the_data_layer_confines_estimates_to_their_tenant(harness: Harness, shop: Shop) -> None:
    estimate = shop.create()
    factory = harness.context.uow_factory
    with factory(_tenant_of(shop)) as uow:
        mine = uow.estimates.get(estimate["id"])
    assert mine is not None
    other = make_shop(harness)
    for tenant in (_tenant_of(other), Tenant(shop.org, Environment.TEST)):
        with factory(tenant) as uow:
            assert uow.estimates.get(estimate["id"]) is None
            assert all(item.id != estimate["id"] for item in uow.estimates.list(EstimateFilter(), limit=100).items)
            mine.title, mine.version = "Taken over", mine.version + 1
            with pytest.raises(Conflict):
                uow.estimates.save(mine)
            mine.version -= 1
    assert shop.get(f"/estimates/{estimate['id']}").json()["title"] == estimate["title"]


def test_concurrent_actions_on_one_estimate_make_one_transition(shop: Shop) -> None:
    estimate = shop.create()
    path = f"/estimates/{estimate['id']}"
    assert shop.post(f"{path}/send").status_code == 200
    calls = [  # exclusive: after either, neither is allowed
        lambda: shop.post(f"{path}/approve", _approve_body(estimate)),
        lambda: shop.post(f"{path}/decline"),
    ] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda call: call(), calls))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 409, 409, 409, 409, 409], [response.text for response in responses]
    (winner,) = [response.json() for response in responses if response.status_code == 200]
    assert shop.get(path).json()["status"] == winner["status"]
    events = shop.event_types(estimate["id"])
    assert events[:2] == ["estimate.created", "estimate.sent"]
    assert len(events) == 3
    assert shop.audit_actions(estimate["id"]) == events


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 200),  # the customer's email address
        ({"channel": "sms"}, 422),  # the customer has no phone
        ({"channel": "sms", "to": "+15125550143"}, 200),
        ({"channel": "sms", "to": "dana@example.com"}, 422),
        ({"channel": "email", "to": "not an address"}, 422),
    ],
)
def test_sending_needs_an_address_for_the_channel(shop: Shop, body: dict[str, Any] | None, status: int) -> None:
    estimate = shop.create()
    response = shop.post(f"/estimates/{estimate['id']}/send", body)
    assert response.status_code == status, response.text
    if status == 422:
        assert [error["field"] for error in response.json()["errors"]] == ["/to"]
        assert shop.event_types(estimate["id"]) == ["estimate.created"]


def test_the_worker_runs_the_expiry_task(harness: Harness, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> None:
    today = datetime.now(UTC).date()
    estimate = shop.create(valid_until=today.isoformat())
    shop.post(f"/estimates/{estimate['id']}/send")
    later = datetime.now(UTC) + timedelta(days=2)
    monkeypatch.setattr("server_impl.handlers.estimates.utc_now", lambda: later)
    task = ExpireEstimatesTask(harness.context.uow_factory)
    assert (task.name, task.interval_seconds) == ("expire_estimates", 60.0)
    assert Worker([task]).run_once() >= 1
    assert shop.event_types(estimate["id"])[-1] == "estimate.expired"
    tasks = build_tasks(harness.settings, harness.context.engine)
    try:
        assert "expire_estimates" in [task.name for task in tasks]
    finally:
        for built in tasks:
            built.close()
