"""The query string as strict as the contract: no unknown parameters, no lax scalar spellings.

The generated routes validate parameters in Pydantic's lax mode (as FastAPI does), which reads
``updated_since=0.5`` as a Unix time, ``2024-01-01`` as a naive midnight, ``overdue=yes`` as ``true``
and ``limit=1_000`` as a thousand, and ignores parameters the operation does not declare. The contract promises RFC 3339
``date-time`` values, JSON booleans and integers, and (like request bodies, ADR 0301) rejects what it
does not describe. :func:`check_query` runs after the credentials are accepted (so 401/403 still come
first) and answers 422 ``validation_failed`` naming each offending parameter.

The declared parameters come from the matched generated route itself (its ``ParameterReader``), so
the guard can never drift from the served contract.
"""

from __future__ import annotations

import datetime
import re
import types
from typing import Any, Union, get_args, get_origin

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from generated.server.runtime import ParameterReader

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})")
_INTEGER = re.compile(r"-?(0|[1-9]\d*)")
_SPELLINGS: dict[type, tuple[re.Pattern[str], str]] = {
    datetime.datetime: (_RFC3339, "Use an RFC 3339 date-time with a time zone, such as 2024-05-01T00:00:00Z."),
    bool: (re.compile("true|false"), "Use true or false."),
    int: (_INTEGER, "Use a whole number in decimal digits."),
}


def _scalar(annotation: Any) -> type | None:
    """Return ``datetime``, ``bool`` or ``int`` when the annotation is one of them (optionally ``| None``)."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        annotation = members[0] if len(members) == 1 else None
    return annotation if annotation in _SPELLINGS else None


_ATTRIBUTE = "_asteri_query_parameters"


def _declared(route: APIRoute) -> dict[str, type | None]:
    """Return the route's query parameters by name, each with the scalar type the guard checks (or None).

    Computed once per route and kept on it (routes compare by value, so they cannot key a cache).
    """
    declared: dict[str, type | None] | None = getattr(route, _ATTRIBUTE, None)
    if declared is None:
        reader: ParameterReader[Any] | None = getattr(route, "parameters", None)
        query = reader.query if reader is not None else {}
        declared = {name: _scalar(annotation) for name, annotation in query.items()}
        setattr(route, _ATTRIBUTE, declared)
    return declared


def check_query(request: Request) -> None:
    """Refuse undeclared query parameters and lax spellings of declared ones.

    Args:
        request: A request routed to a generated operation (any other request passes untouched).

    Raises:
        RequestValidationError: One entry per offending parameter (422 ``validation_failed``).
    """
    route = request.scope.get("route")
    if not request.scope.get("query_string") or not isinstance(route, APIRoute):
        return  # nothing sent (most reads of one object), or not an operation of the contract
    declared = _declared(route)
    errors: list[dict[str, Any]] = []
    for name, value in request.query_params.multi_items():
        if name not in declared:
            accepted = ", ".join(declared) or "none"
            errors.append(_error(name, f"Unknown query parameter; this operation accepts: {accepted}."))
            continue
        scalar = declared[name]
        if scalar is not None:
            pattern, message = _SPELLINGS[scalar]
            if not pattern.fullmatch(value):
                errors.append(_error(name, message))
    if errors:
        raise RequestValidationError(errors)


def _error(name: str, message: str) -> dict[str, Any]:
    return {"loc": ("query", name), "msg": message, "type": "value_error"}
