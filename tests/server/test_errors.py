"""Every failure, including the framework's own, is an RFC 9457 problem with the request id."""

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.server.conftest import Harness

THINGS = "/api/public/v1/_test/things"


@pytest.fixture
def auth(harness: Harness) -> dict[str, str]:
    org = harness.organization()
    _, secret = harness.key(org)
    return harness.headers(org, secret)


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert body["type"] == f"https://docs.asteri.example/errors/{code}"
    assert body["title"]
    assert body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_malformed_json_is_400(harness: Harness, auth: dict[str, str]) -> None:
    response = harness.client.post(THINGS, content=b'{"name": ', headers=auth | {"content-type": "application/json"})
    _problem(response, 400, "malformed_json")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/xml"])
def test_a_body_that_is_not_json_is_415(harness: Harness, auth: dict[str, str], content_type: str | None) -> None:
    headers = dict(auth)
    if content_type:
        headers["content-type"] = content_type
    response = harness.client.post(THINGS, content=b'{"name": "x"}', headers=headers)
    _problem(response, 415, "unsupported_media_type")


def test_json_variants_are_accepted(harness: Harness, auth: dict[str, str]) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = harness.client.post(THINGS, content=b'{"name": "x"}', headers=auth | {"content-type": content_type})
        assert response.status_code == 201, response.text


def test_a_body_over_the_limit_is_413(harness: Harness, auth: dict[str, str]) -> None:
    big = json.dumps({"name": "x" * (1024 * 1024)}).encode()
    response = harness.client.post(THINGS, content=big, headers=auth | {"content-type": "application/json"})
    _problem(response, 413, "payload_too_large")


def test_a_chunked_body_over_the_limit_is_413(harness: Harness, auth: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 65536

    response = harness.client.post(THINGS, content=chunks(), headers=auth | {"content-type": "application/json"})
    _problem(response, 413, "payload_too_large")


def test_unknown_route_is_404_and_wrong_method_is_405(harness: Harness, auth: dict[str, str]) -> None:
    _problem(harness.client.get("/api/public/v1/nope", headers=auth), 404, "not_found")
    _problem(harness.client.get("/", headers=auth), 404, "not_found")
    response = harness.client.delete(THINGS, headers=auth)
    _problem(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_validation_errors_name_each_field_as_a_json_pointer(harness: Harness, auth: dict[str, str]) -> None:
    response = harness.client.post(THINGS, json={"name": "", "colour": "red"}, headers=auth)
    body = _problem(response, 422, "validation_failed")
    fields = {error["field"]: error["message"] for error in body["errors"]}
    assert set(fields) == {"/name", "/colour"}
    assert fields["/colour"] == "Unknown field: remove it."
    assert body["detail"] == "2 fields are invalid."


def test_query_parameter_errors_name_the_parameter(harness: Harness, auth: dict[str, str]) -> None:
    body = _problem(harness.client.get(THINGS, params={"limit": 1000}, headers=auth), 422, "validation_failed")
    assert [error["field"] for error in body["errors"]] == ["limit"]


def test_a_missing_body_is_422_on_the_root(harness: Harness, auth: dict[str, str]) -> None:
    body = _problem(harness.client.post(THINGS, headers=auth), 422, "validation_failed")
    assert body["errors"] == [
        {"field": "", "message": "The request body is required: send a JSON object with the fields of the operation."}
    ]


def test_a_crash_is_500_with_the_request_id_and_nothing_internal(harness: Harness, auth: dict[str, str]) -> None:
    response = harness.client.post(f"{THINGS}/explode", json={"name": "x"}, headers=auth | {"x-request-id": "trace-42"})
    body = _problem(response, 500, "internal_error")
    assert response.headers["x-request-id"] == "trace-42"
    assert "trace-42" in body["detail"]
    assert "boom" not in response.text
    assert "Traceback" not in response.text


def test_request_ids_are_generated_or_echoed(harness: Harness, auth: dict[str, str]) -> None:
    generated = harness.client.get(THINGS, headers=auth).headers["x-request-id"]
    assert generated.startswith("req_")
    assert len(generated) == 30
    assert harness.client.get(THINGS, headers=auth | {"x-request-id": "abc-1"}).headers["x-request-id"] == "abc-1"
    weird = harness.client.get(THINGS, headers=auth | {"x-request-id": "a b<script>"}).headers["x-request-id"]
    assert weird.startswith("req_")


def test_credentials_are_checked_before_the_body_is_read(harness: Harness, auth: dict[str, str]) -> None:
    # A stranger learns nothing of the operation's body from its errors: no 400, 413, 415 or 422 before the 401.
    anonymous = {"x-organization-id": auth["x-organization-id"], "content-type": "application/json"}
    for body in (b'{"name": ', b"[]", b'{"unknown": 1}'):
        response = harness.client.post("/api/public/v1/customers", content=body, headers=anonymous)
        _problem(response, 401, "invalid_credentials")
