"""A generated route reads its JSON body itself: the same values and the same errors as FastAPI's own handler."""

from __future__ import annotations

import json
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from generated import models
from generated.server.runtime import secured_route_class


class _NoAuthorizer:
    async def authorize(self, request: Request, requirements: Any, operation_id: str) -> object:
        raise AssertionError("no operation here declares security")


async def _create(*, request: Request, response: Response, body: Annotated[models.CustomerCreate, Body()]) -> Response:
    del request, response
    return JSONResponse({"body": body.model_dump(mode="json")})


async def _rotate(
    *, request: Request, response: Response, body: Annotated[models.ApiKeyRotate | None, Body()] = None
) -> Response:
    del request, response
    return JSONResponse({"body": None if body is None else body.model_dump(mode="json")})


def _app(route_class: type[APIRoute]) -> FastAPI:
    router = APIRouter(route_class=route_class)
    router.add_api_route("/create", _create, methods=["POST"], operation_id="create")
    router.add_api_route("/rotate", _rotate, methods=["POST"], operation_id="rotate")
    app = FastAPI()
    app.router.routes.extend(router.routes)  # as the server holds them (included routes run FastAPI's handler)

    async def on_validation(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"errors": json.loads(json.dumps(exc.errors(), default=repr))}, status_code=422)

    app.add_exception_handler(RequestValidationError, on_validation)
    return app


@pytest.fixture(scope="module")
def clients() -> tuple[TestClient, TestClient]:
    direct = _app(secured_route_class(_NoAuthorizer(), {}, {}))
    routes = [route for route in direct.router.routes if isinstance(route, APIRoute)]
    assert len(routes) == 2
    assert all("_direct_app" in route.app.__qualname__ for route in routes)  # not FastAPI's request handler
    return TestClient(direct), TestClient(_app(APIRoute))


JSON = {"content-type": "application/json"}
BODIES: list[tuple[bytes, dict[str, str]]] = [
    (b'{"display_name": "Dana"}', JSON),
    (b'{"display_name": "Dana", "emails": [{"address": "not an email"}]}', JSON),
    (b'{"display_name": "Dana", "unknown": 1}', JSON),
    (b'{"display_name": ', JSON),  # malformed JSON
    (b"null", JSON),
    (b"[]", JSON),
    (b'"text"', JSON),
    (b"", JSON),  # no body
    (b"", {}),
    (b'{"display_name": "Dana"}', {}),  # a body without a content type
    (b'{"display_name": "Dana"}', {"content-type": "text/plain"}),
    (b'{"display_name": "Dana"}', {"content-type": "application/merge-patch+json; charset=utf-8"}),
    (b'{"overlap_hours": 2}', JSON),
    (b'{"overlap_hours": "many"}', JSON),
]


@pytest.mark.parametrize(("body", "headers"), BODIES)
@pytest.mark.parametrize("path", ["/create", "/rotate"])
def test_the_direct_route_answers_every_body_as_fastapi_does(
    clients: tuple[TestClient, TestClient], path: str, body: bytes, headers: dict[str, str]
) -> None:
    direct, fastapi = clients
    ours, theirs = direct.post(path, content=body, headers=headers), fastapi.post(path, content=body, headers=headers)
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
