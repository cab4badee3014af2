"""Functional tests: the generated DTOs, server stubs and SDK, exercised together over ASGI (no sockets)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from tests.codegen.mini_app import build_app

BASE = "http://testserver"
ORG = "org_" + "0" * 26


@pytest.fixture
def app_state(mini):
    return build_app(mini.server, mini.server_models)


class SyncASGITransport(httpx.BaseTransport):
    """httpx.ASGITransport driven synchronously (one event loop per request), for the sync client."""

    def __init__(self, app: Any) -> None:
        self._inner = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> httpx.Response:
            response = await self._inner.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

        return asyncio.run(send())


@pytest.fixture
def client(mini, app_state):
    app, _ = app_state
    return mini.sdk.Asteri("good", organization_id=ORG, base_url=BASE, transport=SyncASGITransport(app))


def async_client(mini: Any, app: Any, **kwargs: Any) -> Any:
    kwargs.setdefault("api_key", "good")
    return mini.sdk.AsyncAsteri(organization_id=ORG, base_url=BASE, transport=httpx.ASGITransport(app=app), **kwargs)


# ---------------------------------------------------------------- DTOs
def test_server_request_models_reject_unknown_fields(mini):
    with pytest.raises(ValidationError):
        mini.server_models.CustomerCreate.model_validate({"name": "x", "nickname": "y"})


def test_server_enums_are_closed_and_sdk_enums_are_open(mini):
    with pytest.raises(ValueError, match="galactic"):
        mini.server_models.CustomerStatus("galactic")
    value = mini.sdk.models.CustomerStatus("galactic")
    assert value.value == "galactic"
    assert mini.sdk.models.CustomerStatus("active") is mini.sdk.models.CustomerStatus.ACTIVE


def test_sdk_request_models_let_the_server_judge_unknown_fields(mini):
    body = mini.sdk.models.CustomerCreate.model_validate({"name": "x", "nickname": "y"})
    assert body.model_dump(by_alias=True) == {"name": "x", "nickname": "y"}


def test_sdk_response_models_keep_unknown_fields(mini):
    customer = mini.sdk.models.Customer.model_validate(
        {
            "id": "c",
            "object": "customer",
            "name": "n",
            "status": "brand_new",
            "created_at": "2026-01-01T00:00:00Z",
            "added_later": 1,
        }
    )
    assert customer.status.value == "brand_new"


def test_patch_body_tells_unset_from_null(mini):
    body = mini.server_models.CustomerUpdate.model_validate({"notes": None})
    assert body.model_fields_set == {"notes"}
    assert json.loads(body.model_dump_json(by_alias=True)) == {"notes": None}
    with pytest.raises(ValidationError):  # name is not nullable
        mini.server_models.CustomerUpdate.model_validate({"name": None})


def test_constraints_are_kept(mini):
    with pytest.raises(ValidationError):
        mini.server_models.CustomerCreate(name="")
    with pytest.raises(ValidationError):
        mini.server_models.CompleteJobRequest(note="x" * 501)


# ---------------------------------------------------------------- server stubs
def test_routes_validate_like_the_contract(app_state):
    app, _ = app_state
    http = TestClient(app)
    headers = {"x-api-key": "good", "x-organization-id": ORG}
    too_small = http.get("/api/public/v1/customers", params={"limit": 0, "status": "galactic"}, headers=headers)
    assert too_small.status_code == 422
    assert [error["field"] for error in too_small.json()["errors"]] == ["limit", "status"]  # wire names
    no_org = http.get("/api/public/v1/customers", headers={"x-api-key": "good"})
    assert no_org.status_code == 422
    assert [error["field"] for error in no_org.json()["errors"]] == ["x-organization-id"]
    assert no_org.json()["errors"][0]["message"] == "Field required"
    listed = http.get("/api/public/v1/customers", params={"limit": "2"}, headers=headers)
    assert listed.status_code == 200  # the text "2" read as the integer the contract declares
    bad_body = http.post("/api/public/v1/customers", json={"name": "x", "nickname": "y"}, headers=headers)
    assert bad_body.status_code == 422
    assert bad_body.json()["errors"][0]["field"] == "nickname"
    created = http.post("/api/public/v1/customers", json={"name": "x"}, headers=headers)
    assert created.status_code == 201
    assert created.headers["location"].startswith("/api/public/v1/customers/cus_")
    assert http.delete(f"/api/public/v1/customers/cus_{0:026d}", headers=headers).status_code == 204


def test_security_scopes_come_from_the_contract(app_state):
    app, state = app_state
    http = TestClient(app)
    response = http.get("/api/public/v1/customers", headers={"x-api-key": "weak", "x-organization-id": ORG})
    assert response.status_code == 403
    assert state.authorized[-1] == ("listCustomers", ("read:customers", "read:customers"))
    assert http.get("/api/public/v1/customers", headers={"x-organization-id": ORG}).status_code == 401
    assert http.get("/api/public/v1/health").json() == {"ok": True}  # security: [] -> no authorizer call
    assert all(op != "getHealth" for op, _ in state.authorized)


def test_authorization_runs_before_body_validation(app_state):
    app, _ = app_state
    response = TestClient(app).post("/api/public/v1/customers", json={"bogus": 1}, headers={"x-organization-id": ORG})
    assert response.status_code == 401


# ---------------------------------------------------------------- SDK, sync
def test_sdk_calls_are_typed_and_send_configuration(mini, client, app_state):
    _, state = app_state
    customer = client.customers.retrieve(f"cus_{1:026d}")
    assert isinstance(customer, mini.sdk.models.Customer)
    assert customer.name == "Customer 1"
    assert state.user_agents[-1] == f"mini_sdk-python/{mini.sdk.__version__}"
    assert mini.sdk.__version__ == "1.2.3"


def test_sdk_auto_pagination_walks_every_page(client):
    page = client.customers.list(limit=3)
    assert page.has_more is True
    assert page.next_cursor == f"cus_{3:026d}"
    assert len(page.data) == 3
    assert [c.name for c in page] == [f"Customer {i}" for i in range(7)]
    assert [len(p.data) for p in page.iter_pages()] == [3, 3, 1]


def test_sdk_create_sends_one_idempotency_key_across_retries(mini, client, app_state):
    _, state = app_state
    created = client.customers.create(mini.sdk.models.CustomerCreate(name="flaky"))
    assert created.name == "flaky"
    assert len(state.idempotency_keys) == 2
    assert state.idempotency_keys[0] is not None
    assert state.idempotency_keys[0] == state.idempotency_keys[1]
    client.customers.create(mini.sdk.models.CustomerCreate(name="other"), idempotency_key="mine")
    assert state.idempotency_keys[-1] == "mine"


def test_sdk_retries_5xx_and_gives_up_after_max_retries(mini, client, app_state):
    _, state = app_state
    done = client.jobs.complete("job_flaky")
    assert done.status.value == "completed"
    assert state.attempts["job_flaky"] == 3
    state.attempts["job_flaky"] = 0
    with pytest.raises(mini.sdk.InternalServerError) as info:
        client.jobs.complete("job_flaky", max_retries=0)
    assert info.value.status == 500
    assert info.value.code == "internal"


def test_sdk_typed_errors(mini, client):
    with pytest.raises(mini.sdk.NotFoundError) as not_found:
        client.customers.retrieve("cus_" + "7" * 26)
    assert (not_found.value.status, not_found.value.code, not_found.value.request_id) == (404, "not_found", "req_test")
    with pytest.raises(mini.sdk.RateLimitError) as limited:
        client.customers.retrieve("cus_" + "8" * 26)
    assert limited.value.retry_after == 0
    assert limited.value.limit_window == "minute"
    weak = mini.sdk.Asteri("weak", organization_id=ORG, base_url=BASE, http_client=client._http)
    assert weak._owns_client is False
    with pytest.raises(mini.sdk.PermissionDeniedError) as denied:
        weak.customers.list()
    assert denied.value.required_scopes == ["read:customers"]
    with pytest.raises(mini.sdk.UnprocessableEntityError) as invalid:
        client.customers.list(limit=1000)
    assert invalid.value.errors[0].field == "limit"
    with pytest.raises(mini.sdk.UnexpectedStatusError):
        client.customers.retrieve("cus_" + "9" * 26)
    assert issubclass(mini.sdk.NotFoundError, mini.sdk.AsteriError)


def test_sdk_connection_errors_are_wrapped(mini):
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    sdk = mini.sdk.Asteri("k", base_url=BASE, transport=httpx.MockTransport(refuse), max_retries=1)
    sdk._retry_delay = lambda retries, response: 0.0
    with pytest.raises(mini.sdk.APIConnectionError):
        sdk.customers.retrieve("cus_1")


def test_sdk_patch_sends_null_but_not_unset(mini, client, app_state):
    _, state = app_state
    client.customers.update(f"cus_{2:026d}", mini.sdk.models.CustomerUpdate(notes=None))
    fields, body = state.updates[-1]
    assert fields == {"notes"}
    assert body.notes is None


def test_sdk_raw_response_and_rate_limit_state(client):
    raw = client.customers.with_raw_response.list(limit=2)
    assert raw.status_code == 200
    assert raw.rate_limit.remaining == 599
    assert raw.rate_limit.limit == 600
    assert raw.rate_limit.reset == 42
    assert len(raw.parse().data) == 2
    page = client.customers.list(limit=2)
    assert page.response.headers["ratelimit"] == '"minute";r=599;t=42'


def test_sdk_nested_namespace_binary_and_multipart(mini, client, app_state):
    _, state = app_state
    synced = client.invoices.accounting_sync.update(
        "inv_1", mini.sdk.models.UpdateInvoiceAccountingSyncRequest(status="synced", external_id=None)
    )
    assert synced.status.value == "synced"
    assert client.files.content("file_1") == b"\x00\x01binary"
    uploaded = client.files.upload(mini.sdk.models.UploadFileRequest(file=b"abc", purpose="logo"), filename="a.png")
    assert uploaded.size == 3
    assert state.uploads[-1] == ("logo", b"abc")
    assert client.customers.archive(f"cus_{5:026d}") is None


def test_sdk_escape_hatch_returns_the_response(client):
    response = client.request("GET", "/customers", params={"limit": 1})
    assert response.status_code == 200
    assert len(response.json()["data"]) == 1
    assert client.request("GET", "/nowhere").status_code == 404


def test_sdk_configuration_from_environment(mini, monkeypatch):
    monkeypatch.setenv("ASTERI_API_KEY", "env-key")
    monkeypatch.setenv("ASTERI_ORGANIZATION_ID", "org_env")
    monkeypatch.setenv("ASTERI_BASE_URL", "http://env.example/")
    sdk = mini.sdk.Asteri()
    assert (sdk.api_key, sdk.organization_id, sdk.base_url) == ("env-key", "org_env", "http://env.example")
    monkeypatch.delenv("ASTERI_BASE_URL")
    assert mini.sdk.Asteri().base_url == "http://localhost:3000"


# ---------------------------------------------------------------- SDK, async
def test_async_sdk_pagination_retries_and_errors(mini, app_state):
    app, state = app_state

    async def scenario() -> Any:
        async with async_client(mini, app) as sdk:
            first = await sdk.customers.list(limit=4)
            assert first.has_more
            names = [c.name async for c in sdk.customers.list(limit=4)]
            created = await sdk.customers.create(mini.sdk.models.CustomerCreate(name="flaky"))
            with pytest.raises(mini.sdk.NotFoundError):
                await sdk.customers.retrieve("cus_" + "7" * 26)
            raw = await sdk.customers.with_raw_response.retrieve(f"cus_{0:026d}")
            return names, created, raw

    names, created, raw = asyncio.run(scenario())
    assert names == [f"Customer {i}" for i in range(7)]
    assert created.name == "flaky"
    assert state.idempotency_keys[0] == state.idempotency_keys[1]
    assert raw.parse().id == f"cus_{0:026d}"


# ---------------------------------------------------------------- webhooks
def test_webhooks_verify_and_unwrap(mini, client):
    from standardwebhooks.webhooks import Webhook

    secret = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
    payload = json.dumps(
        {
            "id": "evt_1",
            "type": "customer.created",
            "data": {
                "id": "cus_1",
                "object": "customer",
                "name": "n",
                "status": "active",
                "created_at": "2026-01-01T00:00:00Z",
            },
        }
    )
    now = int(time.time())
    from datetime import UTC, datetime

    signature = Webhook(secret).sign("msg_1", datetime.fromtimestamp(now, tz=UTC), payload)
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(now), "webhook-signature": signature}
    event = client.webhooks.unwrap(payload, headers, secret=secret)
    assert isinstance(event, mini.sdk.models.CustomerCreatedEvent)
    assert event.data.name == "n"
    with pytest.raises(mini.sdk.InvalidWebhookSignatureError):
        client.webhooks.verify(payload + " ", headers, secret=secret)


def test_sdk_timeouts_raise_api_timeout_error(mini):
    def slow(request):
        raise httpx.ReadTimeout("too slow", request=request)

    sdk = mini.sdk.Asteri("k", base_url=BASE, transport=httpx.MockTransport(slow), max_retries=0)
    with pytest.raises(mini.sdk.APITimeoutError):
        sdk.customers.retrieve("cus_1", timeout=0.01)


def test_sdk_retry_delay_honours_the_server(mini):
    import importlib

    base_client: Any = importlib.import_module("mini_sdk._base_client")
    SyncAPIClient, MAX_RETRY_DELAY = base_client.SyncAPIClient, base_client.MAX_RETRY_DELAY

    def response(headers: dict[str, str]) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert SyncAPIClient._retry_delay(0, response({"Retry-After": "3"})) == 3.0
    assert SyncAPIClient._retry_delay(0, response({"retry-after-ms": "250"})) == 0.25
    assert SyncAPIClient._retry_delay(0, response({"RateLimit": '"minute";r=0;t=7'})) == 7.0
    backoff = [SyncAPIClient._retry_delay(n, response({})) for n in range(6)]
    assert all(0 < b <= MAX_RETRY_DELAY for b in backoff)
    assert backoff[3] > backoff[0]


def test_sdk_does_not_retry_unsafe_requests_or_long_waits(mini):
    calls = []

    def flaky(request):
        calls.append(request)
        return httpx.Response(503, headers={"Retry-After": "0"}, json={"code": "unavailable"})

    sdk = mini.sdk.Asteri("k", base_url=BASE, transport=httpx.MockTransport(flaky), max_retries=2)
    with pytest.raises(mini.sdk.InternalServerError):
        sdk.customers.update("cus_1", mini.sdk.models.CustomerUpdate(name="x"))  # PATCH without a key
    assert len(calls) == 1
    calls.clear()
    with pytest.raises(mini.sdk.InternalServerError):
        sdk.customers.retrieve("cus_1")
    assert len(calls) == 3
    assert calls[1].headers["x-retry-count"] == "1"
