"""Exception handlers: every failure, ours or the framework's, becomes a problem document."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match

from server_impl.domain import errors as domain
from server_impl.web.contract import iter_routes
from server_impl.web.problems import ImmediateResponse, ProblemError, field_pointer, problem_response

_HTTP_CODES = {
    400: "malformed_json",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    503: "service_unavailable",
}

_MISSING_BODY = "The request body is required: send a JSON object with the fields of the operation."
_MESSAGES = {
    "missing": "Field required.",
    "extra_forbidden": "Unknown field: remove it.",
}


def _request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "unknown"))


def validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Turn Pydantic/FastAPI error entries into ``{field, message}`` entries.

    Body fields are JSON pointers (``/emails/0/address``); query, header and path parameters are
    named as sent (``limit``).

    Args:
        errors: ``RequestValidationError.errors()``.

    Returns:
        One entry per error, in order.
    """
    entries = []
    for error in errors:
        location = list(error.get("loc", ()))
        source = location.pop(0) if location else "body"
        field = field_pointer(location) if source == "body" else str(location[-1] if location else source)
        message = _MESSAGES.get(str(error.get("type")), str(error.get("msg", "Invalid value.")).rstrip(".") + ".")
        if source == "body" and not location and error.get("type") == "missing":
            message = _MISSING_BODY
        entries.append({"field": field, "message": message})
    return entries


def allowed_methods(request: Request) -> list[str]:
    """Return every method some route accepts on the request's path, sorted (for ``Allow``)."""
    methods: set[str] = set()
    path = request.scope["path"]
    for prefix, route in iter_routes(request.app.router.routes):
        if prefix and not path.startswith(prefix):
            continue
        match, _ = route.matches({**request.scope, "path": path[len(prefix) :], "root_path": ""})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def install_error_handlers(app: FastAPI, docs_base_url: str) -> None:
    """Register the problem+json exception handlers on the app.

    Args:
        app: The application.
        docs_base_url: Base of the problem ``type`` URIs.
    """

    def render(request: Request, problem: ProblemError) -> Response:
        return problem_response(
            docs_base_url=docs_base_url,
            status=problem.status,
            code=problem.code,
            detail=problem.detail,
            request_id=_request_id(request),
            instance=request.url.path,
            extra=problem.extra,
            headers=problem.headers,
        )

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return render(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = list(exc.errors())
        if any(error.get("type") == "json_invalid" for error in errors):
            return render(request, ProblemError(400, "malformed_json", "The request body is not valid JSON."))
        entries = validation_errors(errors)
        count = len(entries)
        detail = f"{count} field{'s are' if count != 1 else ' is'} invalid."
        return render(request, ProblemError(422, "validation_failed", detail, extra={"errors": entries}))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, "internal_error" if exc.status_code >= 500 else "conflict")
        detail = {
            404: f"No route matches {request.url.path}.",
            405: f"{request.method} is not allowed on {request.url.path}.",
            400: "The request body could not be parsed as JSON.",
        }.get(exc.status_code, str(exc.detail))
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(allowed_methods(request))
        return render(request, ProblemError(exc.status_code, code, detail, headers=headers))

    async def on_domain(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, domain.DomainError)
        return render(request, domain_problem(exc))

    async def on_immediate(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ImmediateResponse)
        return exc.response

    app.add_exception_handler(ImmediateResponse, on_immediate)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(domain.DomainError, on_domain)


_SIMPLE: tuple[tuple[type[domain.DomainError], int, str], ...] = (
    (domain.NotFound, 404, "not_found"),
    (domain.PreconditionFailed, 412, "precondition_failed"),
    (domain.IdempotencyKeyReused, 422, "idempotency_key_reused"),
    (domain.OrganizationAccessDenied, 403, "organization_access_denied"),
)


def _credentials_problem(error: domain.InvalidCredentials) -> ProblemError:
    challenge = f'{error.scheme} realm="asteri"'
    if error.reason == "missing":
        challenge = 'ApiKey realm="asteri", Bearer realm="asteri"'
    elif error.scheme == "Bearer":
        challenge += ', error="invalid_token"'
    return ProblemError(401, "invalid_credentials", error.detail, headers={"WWW-Authenticate": challenge})


def domain_problem(error: domain.DomainError) -> ProblemError:  # noqa: PLR0911 - one branch per error kind
    """Map a domain error to the problem the contract declares for it.

    Args:
        error: What the use case refused.

    Returns:
        The problem to send.
    """
    for kind, status, code in _SIMPLE:
        if isinstance(error, kind):
            return ProblemError(status, code, error.detail)
    if isinstance(error, domain.InvalidStateTransition):
        extra = {"current_status": error.current_status, "allowed_actions": list(error.allowed_actions)}
        return ProblemError(409, "invalid_state_transition", error.detail, extra=extra)
    if isinstance(error, domain.IdempotencyKeyInUse):
        return ProblemError(
            409,
            "idempotency_key_in_use",
            error.detail,
            extra={"retry_after": error.retry_after},
            headers={"Retry-After": str(error.retry_after)},
        )
    if isinstance(error, domain.ValidationFailed):
        entries = [{"field": item.field, "message": item.message} for item in error.errors]
        return ProblemError(422, "validation_failed", error.detail, extra={"errors": entries})
    if isinstance(error, domain.ScopeEscalation):
        return ProblemError(403, "missing_scope", error.detail, extra={"required_scopes": list(error.missing)})
    if isinstance(error, domain.InvalidCredentials):
        return _credentials_problem(error)
    return ProblemError(409, "conflict", error.detail)
