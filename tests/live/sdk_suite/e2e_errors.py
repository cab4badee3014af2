"""Typed errors for 401, 403, 404, 409, 422 and 429, with the problem's fields."""

from __future__ import annotations

import pytest

import asteri
from asteri import models


def test_401_authentication_error(make_client) -> None:
    with make_client("ast_live_" + "x" * 49, max_retries=0) as sdk, pytest.raises(asteri.AuthenticationError) as caught:
        sdk.customers.list()
    assert caught.value.status == 401
    assert caught.value.code == "invalid_credentials"
    assert caught.value.request_id


def test_403_missing_scope_names_the_scopes(env, make_client) -> None:
    with make_client(env("ASTERI_E2E_READONLY_KEY")) as sdk:
        assert isinstance(list(sdk.customers.list(limit=1)), list)
        with pytest.raises(asteri.PermissionDeniedError) as caught:
            sdk.customers.create(models.CustomerCreate(display_name="Nope"))
    assert caught.value.code == "missing_scope"
    assert caught.value.required_scopes == ["write:customers"]


def test_403_another_organization(env, make_client) -> None:
    other = env("ASTERI_E2E_OTHER_ORGANIZATION_ID")
    with make_client(organization_id=other) as sdk, pytest.raises(asteri.PermissionDeniedError) as caught:
        sdk.customers.list()
    assert caught.value.code == "organization_access_denied"


def test_404_not_found(client: asteri.Asteri) -> None:
    with pytest.raises(asteri.NotFoundError) as caught:
        client.customers.get("cus_01HWDJ8FSSZ5AWSH8VHTPRE95B")
    assert caught.value.status == 404
    assert caught.value.code == "not_found"


def test_409_invalid_state_transition(client: asteri.Asteri, new_customer) -> None:
    customer = new_customer(client)
    job = client.jobs.create(models.JobCreate(customer_id=customer.id, summary="Not scheduled yet"))
    with pytest.raises(asteri.ConflictError) as caught:
        client.jobs.complete(job.id)
    assert caught.value.code == "invalid_state_transition"
    problem = caught.value.problem
    assert problem["current_status"] == "unscheduled"
    assert "schedule" in problem["allowed_actions"]


def test_422_names_each_field(client: asteri.Asteri) -> None:
    with pytest.raises(asteri.UnprocessableEntityError) as caught:
        client.jobs.create(models.JobCreate(customer_id="cus_01HWDJ8FSSZ5AWSH8VHTPRE95B", summary="Ghost"))
    assert caught.value.code == "validation_failed"
    assert [error.field for error in caught.value.errors] == ["/customer_id"]


def test_429_rate_limit_error(limited_key_refusal) -> None:
    refusal = limited_key_refusal()
    assert refusal.status == 429
    assert refusal.code == "rate_limited"
    assert refusal.limit_window == "minute"
    assert refusal.retry_after is not None
    assert 1 <= refusal.retry_after <= 60
