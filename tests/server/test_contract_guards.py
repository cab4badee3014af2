"""The request checks schemathesis asked for: strict query strings and JSON types, URI problem instances."""

from __future__ import annotations

import pytest

from tests.server.conftest import Harness

CUSTOMERS = "/api/public/v1/customers"


@pytest.fixture
def headers(harness: Harness) -> dict[str, str]:
    organization = harness.organization()
    _, secret = harness.key(organization)
    return harness.headers(organization, secret)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"updated_since": "0.5"}, "updated_since"),
        ({"updated_since": "2024-05-01"}, "updated_since"),
        ({"updated_since": "2024-05-01T00:00:00"}, "updated_since"),
        ({"limit": "1_0"}, "limit"),
        ({"limit": " 10"}, "limit"),
        ({"x-unknown": "42"}, "x-unknown"),
    ],
)
def test_lax_or_unknown_query_parameters_are_422(harness: Harness, headers, query, field) -> None:
    response = harness.client.get(CUSTOMERS, params=query, headers=headers)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert "ratelimit" in response.headers


def test_strict_spellings_are_accepted(harness: Harness, headers) -> None:
    query = {"updated_since": "2024-05-01T00:00:00Z", "limit": "10", "status": "active"}
    assert harness.client.get(CUSTOMERS, params=query, headers=headers).status_code == 200
    assert (
        harness.client.get("/api/public/v1/services", params={"bookable_online": "true"}, headers=headers).status_code
        == 200
    )
    refused = harness.client.get("/api/public/v1/services", params={"bookable_online": "yes"}, headers=headers)
    assert refused.status_code == 422


def test_credentials_are_checked_before_the_query(harness: Harness, headers) -> None:
    anonymous = {"x-organization-id": headers["x-organization-id"]}
    assert harness.client.get(CUSTOMERS, params={"x-unknown": "1"}, headers=anonymous).status_code == 401


def test_a_boolean_or_integer_in_another_json_type_is_422(harness: Harness, headers) -> None:
    for body in ({"display_name": "A", "do_not_service": 0}, {"display_name": "A", "notifications_enabled": "true"}):
        assert harness.client.post(CUSTOMERS, json=body, headers=headers).status_code == 422
    service = {"name": "Tune-up", "currency": "USD"}
    assert (
        harness.client.post(
            "/api/public/v1/services", json={**service, "unit_price": "100"}, headers=headers
        ).status_code
        == 422
    )
    created = harness.client.post("/api/public/v1/services", json={**service, "unit_price": 100.0}, headers=headers)
    assert created.status_code == 201
    assert created.json()["unit_price"] == 100


def test_the_problem_instance_is_a_uri_reference(harness: Harness, headers) -> None:
    response = harness.client.get(f'{CUSTOMERS}/caf\u00e9 "x"', headers=headers)
    assert response.status_code == 422  # not an id
    assert response.json()["instance"] == f"{CUSTOMERS}/caf%C3%A9%20%22x%22"


@pytest.mark.parametrize("address", ["", "no-at-sign", "@example.com", "dana@", "da na@example.com"])
def test_a_customer_email_must_be_an_address(harness: Harness, headers, address) -> None:
    body = {"display_name": "Dana", "emails": [{"address": address}]}
    response = harness.client.post(CUSTOMERS, json=body, headers=headers)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["/emails/0/address"]
