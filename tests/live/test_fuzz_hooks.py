"""The fuzzing hooks excuse exactly the listed exceptions (docs/fuzzing.md), nothing broader."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.openapi.checks import RejectedPositiveData

from server_impl.web.contract import default_spec_path, load_contract
from tests.live.fuzz_hooks import EXCEPTIONS, _acceptance_of_negative_excused, _rejection_excused

SCHEDULE = "/api/public/v1/jobs/{job_id}/schedule"
PATTERN_MESSAGE = "String should match pattern '^job_[0-9A-HJKMNP-TV-Z]{26}$'."


@pytest.fixture(scope="module")
def contract() -> Any:
    path = default_spec_path()
    assert path is not None
    return schemathesis.openapi.from_dict(json.loads(load_contract(path)))


def _rejected(operation: Any) -> RejectedPositiveData:
    message = "Valid data should have been accepted"
    return RejectedPositiveData(operation=operation.label, message=message, status_code=422, allowed_statuses=["2xx"])


def _problem(*errors: tuple[str, str]) -> dict[str, Any]:
    return {"code": "validation_failed", "errors": [{"field": field, "message": message} for field, message in errors]}


def test_a_link_value_that_breaks_its_path_parameter_is_excused(contract: Any) -> None:
    operation = contract[SCHEDULE]["POST"]
    case = operation.Case(path_parameters={"job_id": "None"}, body={})  # an invoice's null job_id, via a link
    assert _rejection_excused(_rejected(operation), _problem(("job_id", PATTERN_MESSAGE)), case)
    assert "link-value-breaks-its-schema" in EXCEPTIONS


def test_a_valid_path_parameter_refused_is_still_a_failure(contract: Any) -> None:
    operation = contract[SCHEDULE]["POST"]
    case = operation.Case(path_parameters={"job_id": "job_01HWN5SXS5AA819X9YP981068V"}, body={})
    assert not _rejection_excused(_rejected(operation), _problem(("job_id", PATTERN_MESSAGE)), case)


def test_one_error_on_a_valid_field_keeps_the_failure(contract: Any) -> None:
    operation = contract[SCHEDULE]["POST"]
    window = {"window_start": "2026-05-01T09:00:00Z", "window_end": "2026-05-01T11:00:00Z", "timezone": "UTC"}
    case = operation.Case(path_parameters={"job_id": "None"}, body=window)  # a valid body, refused
    problem = _problem(("job_id", PATTERN_MESSAGE), ("/window_start", "Input should be a valid datetime."))
    assert not _rejection_excused(_rejected(operation), problem, case)


def test_a_query_value_that_breaks_its_parameter_is_excused(contract: Any) -> None:
    operation = contract["/api/public/v1/jobs"]["GET"]
    case = operation.Case(query={"customer_id": "None"})
    problem = _problem(("customer_id", "String should match pattern '^cus_[0-9A-HJKMNP-TV-Z]{26}$'."))
    assert _rejection_excused(_rejected(operation), problem, case)


def test_a_body_that_breaks_its_schema_excuses_its_field_errors_only(contract: Any) -> None:
    operation = contract["/api/public/v1/jobs"]["POST"]
    linked = operation.Case(body={"customer_id": None, "summary": "Fix the boiler"})  # a null from a response
    problem = _problem(("/customer_id", "Input should be a valid string."))
    assert _rejection_excused(_rejected(operation), problem, linked)
    valid = operation.Case(body={"customer_id": "cus_01HWN5SXS5AA819X9YP981068V", "summary": "Fix the boiler"})
    assert not _rejection_excused(_rejected(operation), problem, valid)


def _accepted(operation: Any, mutation: str) -> AcceptedNegativeData:
    message = f"Invalid data should have been rejected\nInvalid component: in body - {mutation}"
    return AcceptedNegativeData(operation=operation.label, message=message, status_code=201, expected_statuses=["4xx"])


def test_an_empty_array_in_a_multipart_field_is_sent_as_no_part_and_is_excused(contract: Any) -> None:
    operation = contract["/api/public/v1/files"]["POST"]
    mutation = "violates `type` at /properties/job_id (was string, became array)"
    body = {"file": b"x", "purpose": "photo", "job_id": []}
    case = operation.Case(body=body, media_type="multipart/form-data")
    assert _acceptance_of_negative_excused(_accepted(operation, mutation), {}, case)
    assert "multipart-empty-array" in EXCEPTIONS
    one_id = operation.Case(
        body={**body, "job_id": ["job_01HWN5SXS5AA819X9YP981068V"]}, media_type="multipart/form-data"
    )
    assert _acceptance_of_negative_excused(_accepted(operation, mutation), {}, one_id)  # the part a string sends
    malformed = operation.Case(body={**body, "job_id": ["job_nope"]}, media_type="multipart/form-data")
    assert not _acceptance_of_negative_excused(_accepted(operation, mutation), {}, malformed)
    two_ids = operation.Case(body={**body, "job_id": ["a", "b"]}, media_type="multipart/form-data")
    assert not _acceptance_of_negative_excused(_accepted(operation, mutation), {}, two_ids)  # two parts are sent
    other = "violates `type` at /properties/job_id (was string, became array)\nviolates `enum` at /properties/purpose"
    assert not _acceptance_of_negative_excused(_accepted(operation, other), {}, case)  # another mutation as well
