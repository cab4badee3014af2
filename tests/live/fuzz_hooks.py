"""schemathesis hooks of the live fuzzing run: two built-in checks with narrow, listed exceptions.

The run disables ``positive_data_acceptance`` and ``negative_data_rejection`` and registers the two
checks below instead. Each calls the built-in
check unchanged and drops only the failures that match one of the exceptions in :data:`EXCEPTIONS`,
identified by the problem ``code`` (and fields) the server answered with or by the mutation
schemathesis made; any other failure of those checks is reported as is. Every exception is listed,
with its reason, in ``docs/fuzzing.md``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import schemathesis
from schemathesis.core.failures import AcceptedNegativeData, Failure, FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)

from server_impl.domain.ids import is_id

EXCEPTIONS: dict[str, str] = {
    "opaque-cursor": (
        "A schema-valid `cursor` that this API did not issue is refused with 422 naming `cursor`: "
        "cursors are opaque, no JSON Schema can say which strings are cursors."
    ),
    "idempotency-key-reused": (
        "The generator sends the same schema-valid Idempotency-Key with different requests; the contract "
        "answers 422 idempotency_key_reused (DESIGN.md, idempotency)."
    ),
    "business-rule-422": (
        "A schema-valid body refused with 422 validation_failed whose every error is a business rule the "
        "JSON Schema cannot state (a referenced id that does not exist in the tenant, one field compared "
        "with another, a quantity with more than three decimals, an https webhook URL, ...). Errors of the "
        "schema kind (Pydantic's messages: type, length, required, unknown field) still fail the run."
    ),
    "upload-content-sniffing": (
        "POST /files sniffs the bytes: content that is not one of the accepted file types is refused with "
        "415 unsupported_media_type, which a multipart schema cannot state."
    ),
    "precondition-before-content": (
        "A schema-violating body sent with a stale If-Match is refused with 412 precondition_failed before the "
        "body is read (RFC 9110 13.2.1 lets preconditions be evaluated before the content); nothing changes."
    ),
    "link-value-breaks-its-schema": (
        "In the stateful phase schemathesis fills parameters and body fields from earlier responses through "
        "inferred links, and counts the request as schema-valid whatever the value: an invoice's null `job_id` "
        "becomes `/jobs/None/schedule`. A 422 whose every error names a path or query parameter whose sent value "
        "breaks that parameter's schema, or a field of a JSON body that breaks the body's schema, is the contract "
        "working, not a rejected valid request."
    ),
    "multipart-empty-array": (
        "A multipart field made an empty array by a negative mutation is sent as no part at all: the request "
        "on the wire leaves the (optional) field out, which the contract allows, so it is accepted. Made an "
        "array of one well-formed id, it is sent as exactly the part the valid string would be."
    ),
    "stale-if-match": (
        "A schema-valid If-Match that is not the object's current ETag is refused with 412 "
        "precondition_failed, as the contract says."
    ),
}


def _problem(response: Any) -> dict[str, Any]:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _failures(error: BaseException) -> list[Failure]:
    if isinstance(error, FailureGroup):
        return list(error.exceptions)
    assert isinstance(error, Failure)
    return [error]


def _reraise(kept: Iterable[Failure]) -> None:
    remaining = list(kept)
    if len(remaining) == 1:
        raise remaining[0]
    if remaining:
        raise FailureGroup(remaining)


Excuse = Callable[[Failure, dict[str, Any], Any], bool]


def _filtered(check: Callable[..., bool | None], excused: Excuse) -> Any:
    def run(ctx: Any, response: Any, case: Any) -> bool | None:
        try:
            return check(ctx, response, case)
        except (Failure, FailureGroup) as error:
            problem = _problem(response)
            _reraise(failure for failure in _failures(error) if not excused(failure, problem, case))
            return None

    return run


# The server's messages for errors of the schema kind: Pydantic's own, the query guard's, and text
# refused outright. A 422 carrying one of them is never excused: the server rejected what the
# contract allows.
_SCHEMA_MESSAGES = re.compile(
    r"^(Input should|String should|List should|Dictionary should|Value should|Tuple should|Field required|"
    r"Unknown field|Unknown query parameter|Extra inputs|JSON input|Invalid JSON|Input is|Value error|"
    r"Use an RFC 3339|Use true or false|Use a whole number|NUL characters|The request body is required)"
)


def _errors(problem: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"field": str(item.get("field")), "message": str(item.get("message"))}
        for item in problem.get("errors") or []
        if isinstance(item, dict)
    ]


def _business_rule_422(problem: dict[str, Any]) -> bool:
    """A 422 naming only ``cursor``, or only business rules (no error of the schema kind)."""
    errors = _errors(problem)
    if problem.get("code") != "validation_failed" or not errors:
        return False
    if {error["field"] for error in errors} == {"cursor"}:
        return True
    return not any(_SCHEMA_MESSAGES.match(error["message"]) for error in errors)


def _sent_value_breaks_its_schema(problem: dict[str, Any], case: Any) -> bool:
    """A 422 whose every error names a value of ``case`` that breaks its own schema.

    An error names a path or query parameter (by name) whose sent value breaks that parameter's
    schema, or a body field (a JSON pointer) of a JSON body that breaks the body's schema.
    """
    errors = _errors(problem)
    if problem.get("code") != "validation_failed" or not errors:
        return False
    body_breaks_schema = _json_body_breaks_its_schema(case)
    for error in errors:
        name = error["field"]
        if name.startswith("/"):
            if not body_breaks_schema:
                return False
            continue
        for location, sent in (("path", case.path_parameters), ("query", case.query)):
            parameter = case.operation.get_parameter(name, location)
            if parameter is not None and sent and name in sent and not parameter.is_valid(sent[name]):
                break
        else:
            return False
    return True


def _json_body_breaks_its_schema(case: Any) -> bool:
    if not isinstance(case.body, (dict, list)):
        return False
    bodies = list(case.operation.get_bodies_for_media_type("application/json"))
    return bool(bodies) and not bodies[0].is_valid(case.body)


def _rejection_excused(failure: Failure, problem: dict[str, Any], case: Any) -> bool:
    if not isinstance(failure, RejectedPositiveData):
        return False
    code = problem.get("code")
    excused = {
        412: code == "precondition_failed",
        415: code == "unsupported_media_type" and failure.operation == "POST /api/public/v1/files",
        422: code == "idempotency_key_reused"
        or _business_rule_422(problem)
        or _sent_value_breaks_its_schema(problem, case),
    }
    return excused.get(failure.status_code, False)


_ARRAY_MUTATION = re.compile(r"violates `type` at /properties/([^ ]+) \(was [^,()]+, became array\)")


# The multipart id fields of the contract (POST /files) and their prefixes.
_MULTIPART_IDS = {"customer_id": "cus", "job_id": "job", "estimate_id": "est", "invoice_id": "inv", "payment_id": "pay"}


def _sent_as_a_valid_field(name: str, value: Any) -> bool:
    # An array is sent as one part per item: none is the field left out; one well-formed id is
    # exactly the part a valid string sends.
    if value == []:
        return True
    prefix = _MULTIPART_IDS.get(name)
    return (
        prefix is not None
        and isinstance(value, list)
        and len(value) == 1
        and isinstance(value[0], str)
        and is_id(value[0], prefix)
    )


def _only_empty_multipart_arrays(failure: Failure, case: Any) -> bool:
    """Every mutation made a multipart field an array the wire cannot tell from a valid field."""
    names = _ARRAY_MUTATION.findall(failure.message)
    body = case.body
    return (
        bool(names)
        and failure.message.count("violates") == len(names)
        and "multipart/form-data" in (case.media_type or "")
        and isinstance(body, dict)
        and all(_sent_as_a_valid_field(name, body.get(name)) for name in names)
    )


def _acceptance_of_negative_excused(failure: Failure, problem: dict[str, Any], case: Any) -> bool:
    """A schema-violating body refused first for its stale If-Match (412), or one the wire made valid."""
    if not isinstance(failure, AcceptedNegativeData):
        return False
    if failure.status_code == 412 and problem.get("code") == "precondition_failed":
        return True
    return _only_empty_multipart_arrays(failure, case)


_acceptance = _filtered(positive_data_acceptance, _rejection_excused)
_rejection = _filtered(negative_data_rejection, _acceptance_of_negative_excused)


@schemathesis.check
def asteri_positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """``positive_data_acceptance``, except the cases in :data:`EXCEPTIONS` (foreign cursors, stale ETags...)."""
    return _acceptance(ctx, response, case)  # type: ignore[no-any-return]


@schemathesis.check
def asteri_negative_data_rejection(ctx: Any, response: Any, case: Any) -> bool | None:
    """``negative_data_rejection``, except a stale If-Match answered first and empty multipart arrays (EXCEPTIONS)."""
    return _rejection(ctx, response, case)  # type: ignore[no-any-return]
