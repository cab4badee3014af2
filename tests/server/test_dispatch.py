"""Dispatch on the first path segment finds the same route Starlette's linear scan would."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Match, Mount

from server_impl.web.dispatch import SegmentRoutes


def _route(path: str, method: str, name: str) -> APIRoute:
    async def endpoint() -> dict[str, str]:
        return {"route": name}

    return APIRoute(path, endpoint, methods=[method], name=name)


ROUTES = [
    _route("/api/v1/things", "GET", "list-things"),
    _route("/api/v1/things/{thing_id}", "GET", "get-thing"),
    _route("/api/v1/things/{thing_id}", "DELETE", "delete-thing"),
    _route("/api/v1/other/{other_id}", "GET", "get-other"),
    _route("/api/v1/{anything}/echo", "POST", "echo-anything"),
    _route("/api/v1/files/{key:path}", "GET", "get-file"),
    _route("/api/v1/things/{thing_id}/parts/{part_id}", "GET", "get-part"),
]


def _app() -> FastAPI:
    app = FastAPI()
    app.router.routes.append(SegmentRoutes("/api/v1", ROUTES))
    return app


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}


def test_a_request_is_matched_only_against_its_segment_and_gets_the_same_route() -> None:
    client = TestClient(_app())
    assert client.get("/api/v1/things").json() == {"route": "list-things"}
    assert client.get("/api/v1/things/7").json() == {"route": "get-thing"}
    assert client.delete("/api/v1/things/7").json() == {"route": "delete-thing"}
    assert client.get("/api/v1/other/7").json() == {"route": "get-other"}
    # a route whose first segment is a parameter is found under every segment
    assert client.post("/api/v1/things/echo").json() == {"route": "echo-anything"}
    assert client.post("/api/v1/unknown/echo").json() == {"route": "echo-anything"}


def test_another_method_is_a_partial_match_and_an_unknown_path_none() -> None:
    routes = SegmentRoutes("/api/v1", ROUTES)
    assert routes.matches(_scope("PUT", "/api/v1/things/7"))[0] is Match.PARTIAL
    assert routes.matches(_scope("GET", "/api/v1/nothing"))[0] is Match.NONE
    assert routes.matches(_scope("GET", "/elsewhere/things"))[0] is Match.NONE
    assert routes.matches({"type": "websocket", "path": "/api/v1/things", "root_path": ""})[0] is Match.NONE
    response = TestClient(_app()).put("/api/v1/things/7")
    assert response.status_code == 405


def test_it_holds_api_routes_only() -> None:
    with pytest.raises(TypeError, match="API routes only"):
        SegmentRoutes("/api/v1", [Mount("/x", app=FastAPI())])


def _linear(method: str, path: str) -> tuple[Match, str | None]:
    """What Starlette's scan of the routes one by one selects: the first full match, else the first partial."""
    partial = None
    for route in ROUTES:
        match, _ = route.matches(_scope(method, path))
        if match is Match.FULL:
            return match, route.name
        if match is Match.PARTIAL and partial is None:
            partial = route.name
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE", "PUT"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/things",
        "/api/v1/things/",
        "/api/v1/things/7",
        "/api/v1/things/7/parts/3",
        "/api/v1/things/7/parts",
        "/api/v1/things/echo",
        "/api/v1/other/7/echo",
        "/api/v1/files/a",
        "/api/v1/files/a/b/c",
        "/api/v1/nothing/at/all",
        "/api/v1/",
    ],
)
def test_it_selects_what_a_linear_scan_selects_at_every_depth(method: str, path: str) -> None:
    match, child = SegmentRoutes("/api/v1", ROUTES).matches(_scope(method, path))
    selected = child.get("asteri.selected_route")
    assert (match, selected.name if selected is not None else None) == _linear(method, path)
