"""Signed delivery end to end: a real receiver on loopback, the worker, history, retry and replay."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from asteri import InvalidWebhookSignatureError, Webhooks
from server_impl.domain.clock import utc_now
from server_impl.domain.ids import new_id
from server_impl.domain.tenancy import Environment, Tenant
from server_impl.domain.webhooks import RETRY_SCHEDULE, retry_delay
from server_impl.services import events
from server_impl.worker.compose import build_worker
from tests.server.conftest import Harness
from tests.server.webhook_receiver import Received, receiver

BASE = "/api/public/v1/webhook-endpoints"


class Hooks:
    """A tenant (test environment) with helpers to create endpoints, publish events and run the worker."""

    def __init__(self, harness: Harness, **worker_options: Any) -> None:
        self.harness = harness
        self.org = harness.organization()
        _, secret = harness.key(self.org, environment=Environment.TEST)
        self.headers = harness.headers(self.org, secret)
        self.worker = build_worker(harness.settings, engine=harness.context.engine, **worker_options)

    def endpoint(self, url: str, event_types: list[str] | None = None) -> dict[str, Any]:
        created = self.harness.client.post(
            BASE, json={"url": url, "event_types": event_types or ["customer.*"]}, headers=self.headers
        )
        assert created.status_code == 201, created.text
        return dict(created.json())

    def publish(self, event_type: str = "customer.updated", **data: Any) -> str:
        tenant = Tenant(self.org, Environment.TEST)
        with self.harness.context.uow_factory(tenant) as uow:
            obj = {"id": new_id("cus"), "object": "customer", "display_name": "Ada", **data}
            event = events.publish(uow, None, event_type, obj, tenant=(self.org, "test"))
            uow.commit()
        return event.id

    def drain(self) -> int:
        return self.worker.run_until_idle()

    def get(self, path: str, **params: Any) -> Any:
        answer = self.harness.client.get(f"{BASE}/{path}", params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def post(self, path: str, body: Any = None) -> Any:
        return self.harness.client.post(f"{BASE}/{path}", json=body, headers=self.headers)

    def close(self) -> None:
        for task in self.worker.tasks:
            task.close()


@pytest.fixture
def hooks(make_harness: Callable[..., Harness]):
    made = Hooks(make_harness(webhooks_allow_private=True), concurrency=2)
    yield made
    made.close()


def _headers(item: Received) -> dict[str, str]:
    return {key: item.headers[key] for key in ("webhook-id", "webhook-timestamp", "webhook-signature")}


def test_delivery_is_signed_and_verifies_with_the_library_and_the_sdk(hooks: Hooks) -> None:
    with receiver() as box:
        endpoint = hooks.endpoint(f"{box.url}/hooks")
        event_id = hooks.publish()
        hooks.drain()
        (item,) = box.received
    assert item.path == "/hooks"
    assert item.webhook_id == event_id
    body = Webhook(endpoint["secret"]).verify(item.body, _headers(item))
    assert body["id"] == event_id
    assert body["type"] == "customer.updated"
    assert body["data"]["object"]["display_name"] == "Ada"
    Webhooks(endpoint["secret"]).verify(item.body, item.headers)
    with pytest.raises(InvalidWebhookSignatureError):
        Webhooks(endpoint["secret"]).verify(item.body + b" ", item.headers)


def test_only_subscribed_enabled_endpoints_of_the_tenant_receive_events(hooks: Hooks) -> None:
    with receiver() as invoices, receiver() as customers, receiver() as disabled:
        hooks.endpoint(invoices.url, ["invoice.*"])
        hooks.endpoint(customers.url, ["customer.created"])
        off = hooks.endpoint(disabled.url, ["*"])
        assert hooks.post(f"{off['id']}/disable").status_code == 200
        other = Hooks(hooks.harness)
        other_box_event = other.publish("customer.created")
        created = hooks.publish("customer.created")
        hooks.publish("customer.updated")
        hooks.drain()
        other.close()
        assert customers.ids() == [created]
        assert invoices.received == []
        assert disabled.received == []
        assert other_box_event not in customers.ids()


def test_failing_twice_then_succeeding_shows_three_attempts(hooks: Hooks) -> None:
    with receiver(statuses=[500, 503]) as box:
        endpoint = hooks.endpoint(box.url)
        hooks.publish()
        hooks.drain()
        (delivery,) = hooks.get(f"{endpoint['id']}/deliveries")["data"]
        assert delivery["status"] == "pending"
        assert delivery["attempt_count"] == 1
        assert delivery["last_response_status"] == 500
        wait = (
            utc_now().fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00"))
            - utc_now().fromisoformat(delivery["last_attempt_at"].replace("Z", "+00:00"))
        ).total_seconds()
        assert 4.4 <= wait <= 5.6  # 5 s +- 10 % jitter
        for _ in range(2):
            retried = hooks.post(f"{endpoint['id']}/deliveries/{delivery['id']}/retry")
            assert retried.status_code == 202
            assert retried.json()["status"] == "pending"
            hooks.drain()
        detail = hooks.get(f"{endpoint['id']}/deliveries/{delivery['id']}")
    assert detail["status"] == "succeeded"
    assert detail["next_attempt_at"] is None
    assert [a["response_status"] for a in detail["attempts"]] == [500, 503, 200]
    assert [a["attempt_number"] for a in detail["attempts"]] == [1, 2, 3]
    assert detail["attempts"][2]["response_excerpt"] == '{"ok":true}'
    assert all(a["latency_ms"] >= 0 and a["error"] is None for a in detail["attempts"])
    assert len({item.webhook_id for item in box.received}) == 1  # the same webhook-id on every attempt
    succeeded = hooks.get(f"{endpoint['id']}/deliveries", status="succeeded")["data"]
    assert [item["id"] for item in succeeded] == [delivery["id"]]
    assert hooks.get(f"{endpoint['id']}/deliveries", status="failed")["data"] == []


def test_during_rotation_old_and_new_secrets_both_verify(hooks: Hooks) -> None:
    with receiver() as box:
        endpoint = hooks.endpoint(box.url)
        rotated = hooks.post(f"{endpoint['id']}/rotate-secret", {"overlap_seconds": 3600}).json()
        hooks.publish()
        hooks.drain()
        hooks.post(f"{endpoint['id']}/rotate-secret", {"overlap_seconds": 0})
        hooks.publish()
        hooks.drain()
    during, after = box.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], rotated["secret"]):  # a receiver holding only one of them
        Webhook(secret).verify(during.body, _headers(during))
        Webhooks(secret).verify(during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint["secret"]).verify(after.body, _headers(after))


def test_replay_since_a_time_redelivers_exactly_those_events(hooks: Hooks) -> None:
    with receiver() as box:
        endpoint = hooks.endpoint(box.url, ["customer.*"])
        before = [hooks.publish() for _ in range(2)]
        time.sleep(0.01)
        since = utc_now()
        time.sleep(0.01)
        after = [hooks.publish(), hooks.publish("customer.archived")]
        hooks.publish("invoice.created")  # not subscribed
        hooks.drain()
        assert sorted(box.ids()) == sorted(before + after)
        replay = hooks.post(f"{endpoint['id']}/replay", {"since": since.isoformat()})
        assert replay.status_code == 202, replay.text
        assert replay.json()["queued_count"] == 2
        hooks.drain()
        assert sorted(box.ids()[4:]) == sorted(after)
        narrowed = hooks.post(
            f"{endpoint['id']}/replay", {"since": since.isoformat(), "event_types": ["customer.archived"]}
        )
        assert narrowed.json()["queued_count"] == 1
        hooks.drain()
        assert box.ids()[6:] == [after[1]]
    replays = hooks.get(f"{endpoint['id']}/deliveries", limit=100)["data"]
    assert sum(item["trigger"] == "replay" for item in replays) == 3


def test_replay_and_retry_need_an_enabled_endpoint(hooks: Hooks) -> None:
    endpoint = hooks.endpoint("http://127.0.0.1:9/never")
    hooks.post(f"{endpoint['id']}/disable")
    refused = hooks.post(f"{endpoint['id']}/replay", {"since": utc_now().isoformat()})
    assert refused.status_code == 409
    too_old = (utc_now() - timedelta(days=31)).isoformat()
    hooks.post(f"{endpoint['id']}/enable")
    assert hooks.post(f"{endpoint['id']}/replay", {"since": too_old}).status_code == 422


def test_an_endpoint_failing_past_the_limit_is_disabled_and_announced(make_harness) -> None:
    made = Hooks(make_harness(webhooks_allow_private=True, webhook_disable_after_hours=0.0001), concurrency=1)
    try:
        with receiver(statuses=[500] * 10) as failing, receiver() as watcher:
            endpoint = made.endpoint(failing.url, ["customer.*"])
            made.endpoint(watcher.url, ["webhook_endpoint.disabled"])
            made.publish()
            made.drain()
            time.sleep(0.5)
            delivery = made.get(f"{endpoint['id']}/deliveries")["data"][0]
            made.post(f"{endpoint['id']}/deliveries/{delivery['id']}/retry")
            made.drain()
            state = made.get(endpoint["id"])
            assert state["status"] == "disabled"
            assert state["disabled_reason"] == "failing"
            (announcement,) = watcher.received
        document = json.loads(announcement.body)
        assert document["type"] == "webhook_endpoint.disabled"
        assert document["data"]["object"]["id"] == endpoint["id"]
        assert document["data"]["previous_attributes"]["status"] == "enabled"
    finally:
        made.close()


def test_retry_schedule_has_jitter_and_ends() -> None:
    rng = random.Random(7)
    delays = [retry_delay(n, rng) for n in range(len(RETRY_SCHEDULE))]
    assert delays[0] == timedelta(0)
    for delay, base in zip(delays[1:], RETRY_SCHEDULE[1:], strict=True):
        assert delay is not None
        assert base * 0.9 <= delay <= base * 1.1
        assert delay != base
    assert retry_delay(len(RETRY_SCHEDULE), rng) is None


def test_the_server_delivers_with_its_in_process_worker(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(webhooks_allow_private=True, worker_in_process=True, worker_poll_seconds=0.05)
    made = Hooks(harness)  # its own worker is not run: the app's lifespan started one
    try:
        with receiver() as box:
            made.endpoint(box.url)
            event_id = made.publish()
            assert box.wait_for(1, timeout=20)
            assert box.ids() == [event_id]
    finally:
        made.close()


def test_a_410_answer_disables_the_endpoint_at_once(hooks: Hooks) -> None:
    with receiver(statuses=[410]) as box:
        endpoint = hooks.endpoint(box.url)
        hooks.publish()
        hooks.drain()
        assert len(box.received) == 1
    state = hooks.get(endpoint["id"])
    assert state["status"] == "disabled"
    assert state["disabled_reason"] == "failing"


def test_retry_after_of_a_busy_receiver_is_honoured(hooks: Hooks) -> None:
    with receiver(statuses=[503], retry_after="120") as box:
        endpoint = hooks.endpoint(box.url)
        hooks.publish()
        hooks.drain()
        assert len(box.received) == 1
    (delivery,) = hooks.get(f"{endpoint['id']}/deliveries")["data"]
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(delivery["last_attempt_at"])
    assert timedelta(seconds=119) <= wait <= timedelta(seconds=121)  # not the schedule's 5 s


def test_settled_deliveries_past_the_retention_are_pruned(hooks: Hooks) -> None:
    from server_impl.adapters.sqlalchemy.delivery_store import SqlDeliveryStore
    from server_impl.adapters.sqlalchemy.engine import build_session_factory
    from server_impl.worker.webhooks import PruneTask

    with receiver() as ok, receiver(statuses=[500]) as failing:
        done = hooks.endpoint(ok.url)
        waiting = hooks.endpoint(failing.url)
        hooks.publish()
        hooks.drain()
    store = SqlDeliveryStore(build_session_factory(hooks.harness.context.engine))
    PruneTask(store, retention=timedelta(days=30)).run_once()
    assert len(hooks.get(f"{done['id']}/deliveries")["data"]) == 1  # younger than 30 days: kept
    time.sleep(0.01)
    assert PruneTask(store, retention=timedelta(0)).run_once() >= 1
    assert hooks.get(f"{done['id']}/deliveries")["data"] == []  # succeeded: pruned with its attempts
    (pending,) = hooks.get(f"{waiting['id']}/deliveries")["data"]  # pending: kept
    assert pending["status"] == "pending"


def test_a_real_write_arrives_as_a_typed_event_the_sdk_parses(hooks: Hooks) -> None:
    from asteri import models as sdk_models

    with receiver() as box:
        endpoint = hooks.endpoint(box.url, ["customer.created"])
        created = hooks.harness.client.post(
            "/api/public/v1/customers", json={"display_name": "Webhook Co"}, headers=hooks.headers
        )
        assert created.status_code == 201, created.text
        hooks.drain()
        (item,) = box.received
    event = Webhooks(endpoint["secret"]).unwrap(item.body, item.headers)
    assert isinstance(event, sdk_models.CustomerEvent)
    assert event.data.object.id == created.json()["id"]
    served = hooks.harness.client.get(f"/api/public/v1/events/{item.webhook_id}", headers=hooks.headers)
    assert served.status_code == 200
    assert json.loads(item.body) == served.json()  # the webhook body is the document GET /events/{id} serves


def test_an_unreadable_secret_fails_its_attempt_not_the_batch(make_harness: Callable[..., Harness]) -> None:
    harness = make_harness(webhooks_allow_private=True)
    made = Hooks(harness)
    rekeyed = harness.settings.model_copy(update={"secret_key": "another-secret-key-" + "x" * 32})
    made.close()
    made.worker = build_worker(rekeyed, engine=harness.context.engine)  # sealed under the old key: unreadable
    try:
        with receiver() as box:
            endpoint = made.endpoint(box.url)
            made.publish()
            made.drain()
            assert box.received == []
        (delivery,) = made.get(f"{endpoint['id']}/deliveries")["data"]
        (attempt,) = made.get(f"{endpoint['id']}/deliveries/{delivery['id']}")["attempts"]
        assert attempt["error"] == "internal: SealError"
        assert delivery["status"] == "pending"  # retried on the schedule once the key is fixed
    finally:
        made.close()
