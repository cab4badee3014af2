"""A tiny FastAPI app implementing the generated mini_server Protocols, for the SDK functional tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


class ProblemError(Exception):
    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.headers = headers or {}
        self.extra = extra


def _problem(status: int, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"https://docs.example/errors/{code}",
        "title": code,
        "status": status,
        "code": code,
        "detail": f"{code} happened",
        "request_id": "req_test",
        **extra,
    }


@dataclass
class State:
    customers: dict[str, Any] = field(default_factory=dict)
    idempotency_keys: list[str | None] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)
    authorized: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    updates: list[tuple[set[str], Any]] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)


def build_app(server: Any, models: Any) -> tuple[FastAPI, State]:
    state = State()
    for i in range(7):
        cid = f"cus_{i:026d}"
        state.customers[cid] = models.Customer(
            id=cid,
            object="customer",
            name=f"Customer {i}",
            status=models.CustomerStatus.ACTIVE,
            created_at="2026-01-01T00:00:00Z",
        )

    class Authorizer:
        async def authorize(self, request: Request, requirements: Any, operation_id: str) -> object:
            state.user_agents.append(request.headers.get("user-agent", ""))
            scopes = tuple(s for req in requirements for s in req.scopes)
            state.authorized.append((operation_id, scopes))
            key = request.headers.get("x-api-key")
            if key is None:
                raise ProblemError(401, "invalid_credentials")
            granted = (
                {"read:customers", "write:customers", "write:jobs", "read:files", "write:files", "write:invoices"}
                if key == "good"
                else set()
            )
            if not any(set(req.scopes) <= granted for req in requirements):
                raise ProblemError(403, "missing_scope", required_scopes=sorted(set(scopes)))
            return {"key": key}

    class Customers:
        async def list_customers(
            self,
            context: Any,
            *,
            limit: int,
            cursor: str | None,
            status: Any,
            updated_since: Any,
            x_organization_id: str,
        ) -> Any:
            ids = sorted(state.customers)
            start = ids.index(cursor) if cursor else 0
            chunk = ids[start : start + limit]
            following = ids[start + limit] if start + limit < len(ids) else None
            context.response.headers["RateLimit"] = '"minute";r=599;t=42'
            context.response.headers["RateLimit-Policy"] = '"minute";q=600;w=60'
            return models.CustomerList(
                object="list",
                data=[state.customers[i] for i in chunk],
                has_more=following is not None,
                next_cursor=following,
            )

        async def create_customer(
            self, context: Any, *, x_organization_id: str, idempotency_key: str | None, body: Any
        ) -> Any:
            state.idempotency_keys.append(idempotency_key)
            if body.name == "flaky" and state.attempts.setdefault("create", 0) < 1:
                state.attempts["create"] += 1
                raise ProblemError(503, "unavailable", headers={"Retry-After": "0"})
            cid = f"cus_{len(state.customers):026d}"
            customer = models.Customer(
                id=cid,
                object="customer",
                name=body.name,
                status=models.CustomerStatus.ACTIVE,
                created_at="2026-01-02T00:00:00Z",
            )
            state.customers[cid] = customer
            context.response.headers["Location"] = f"/api/public/v1/customers/{cid}"
            return customer

        async def get_customer(self, context: Any, *, customer_id: str, x_organization_id: str) -> Any:
            if customer_id.endswith("9" * 26):
                return Response(status_code=299)  # a status the contract does not document
            if customer_id.endswith("8" * 26):
                raise ProblemError(
                    429, "rate_limited", headers={"Retry-After": "0"}, retry_after=0, limit_window="minute"
                )
            if customer_id not in state.customers:
                raise ProblemError(404, "not_found")
            return state.customers[customer_id]

        async def update_customer(
            self, context: Any, *, customer_id: str, x_organization_id: str, if_match: str | None, body: Any
        ) -> Any:
            state.updates.append((set(body.model_fields_set), body))
            customer = state.customers[customer_id]
            changes = body.model_dump(exclude_unset=True)
            return customer.model_copy(update=changes)

        async def archive_customer(self, context: Any, *, customer_id: str, x_organization_id: str) -> None:
            state.customers.pop(customer_id, None)

    class Jobs:
        async def complete_job(
            self, context: Any, *, job_id: str, x_organization_id: str, idempotency_key: str | None, body: Any
        ) -> Any:
            state.idempotency_keys.append(idempotency_key)
            count = state.attempts.setdefault(job_id, 0)
            state.attempts[job_id] = count + 1
            if job_id == "job_flaky" and count < 2:
                raise ProblemError(500, "internal", headers={"Retry-After": "0"})
            return models.CompleteJobResponse(id=job_id, status="completed")

    class Invoices:
        async def update_invoice_accounting_sync(
            self, context: Any, *, invoice_id: str, x_organization_id: str, body: Any
        ) -> Any:
            return models.UpdateInvoiceAccountingSyncResponse(status=body.status, external_id=body.external_id)

    class Files:
        async def upload_file(self, context: Any, *, x_organization_id: str, body: Any, files: Any) -> Any:
            content = await files["file"].read()  # file parts arrive unread, spooled to temporary files
            state.uploads.append((body.purpose, content))
            return models.File(id="file_1", filename="upload", size=len(content))

        async def download_file_content(self, context: Any, *, file_id: str, x_organization_id: str) -> Any:
            return Response(content=b"\x00\x01binary", media_type="application/octet-stream")

    class Meta:
        async def get_health(self, context: Any) -> Any:
            return models.GetHealthResponse(ok=True)

    app = FastAPI(openapi_url=None)
    auth = Authorizer()
    impls = {"customers": Customers(), "jobs": Jobs(), "invoices": Invoices(), "files": Files(), "meta": Meta()}
    for name, impl in impls.items():
        factory = getattr(server, f"build_{name}_router")
        app.include_router(factory(lambda _request, impl=impl: impl, auth))

    @app.exception_handler(ProblemError)
    async def _problem_handler(request: Request, exc: ProblemError) -> JSONResponse:
        return JSONResponse(
            _problem(exc.status, exc.code, **exc.extra),
            status_code=exc.status,
            headers={"x-request-id": "req_test", **exc.headers},
            media_type="application/problem+json",
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]} for e in exc.errors()]
        return JSONResponse(
            _problem(422, "validation_failed", errors=errors), status_code=422, media_type="application/problem+json"
        )

    return app, state
