"""The contract's routes found by their first path segment, instead of by trying every route in turn."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi.routing import APIRoute
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

_SELECTED = "asteri.selected_route"


def _first_segment(path: str, prefix: str) -> str | None:
    """Return the segment after ``prefix`` (``None``: not under it, or a path parameter)."""
    if not path.startswith(prefix):
        return None
    segment = path[len(prefix) :].partition("/")[0]
    return None if "{" in segment else segment


def _depth(path: str) -> int | None:
    """Return the number of slashes a route's path matches (``None``: a ``path`` parameter matches any)."""
    return None if ":path}" in path else path.count("/")


class SegmentRoutes(BaseRoute):
    """One route holding many, tried only among those that share the request's first path segment.

    FastAPI tries an application's routes one by one, and an included router's routes one by one
    within it: finding a route of the twelfth tag cost ~125 us against ~10 us for the first. Here a
    request under ``prefix`` (``/api/public/v1/``) is matched against the routes of its segment
    (``customers``, ``webhook-endpoints``...) in their order; routes whose first segment is a path
    parameter are tried for every segment, in their place. A path matched with another method is a
    partial match, as Starlette's own routes report it, so 405 answers stay what they were.

    Attributes:
        routes: Every route held, in the order given (what tools that list an app's routes read).
    """

    def __init__(self, prefix: str, routes: Iterable[BaseRoute]) -> None:
        self.prefix = prefix.rstrip("/") + "/"
        given = list(routes)
        self.routes = [route for route in given if isinstance(route, APIRoute)]
        if len(self.routes) != len(given):
            raise TypeError("SegmentRoutes holds API routes only (mount anything else on the app)")
        keyed = [(_first_segment(route.path, self.prefix), _depth(route.path), route) for route in self.routes]
        self._everywhere = [route for segment, _, route in keyed if segment is None]
        self._by_segment = {
            segment: [route for other, _, route in keyed if other in (segment, None)]
            for segment, _, _ in keyed
            if segment is not None
        }
        # Narrower still: a route's pattern has a fixed number of slashes (unless a `path` parameter
        # spans them), so only those of the request's depth can match: one regex tried, not three.
        self._by_depth = {
            (segment, depth): [
                route for other, level, route in keyed if other in (segment, None) and level in (depth, None)
            ]
            for segment, depth, _ in keyed
            if segment is not None and depth is not None
        }

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match the request against the routes of its first segment (see the class)."""
        if scope["type"] != "http":
            return Match.NONE, {}
        path = get_route_path(scope)
        if not path.startswith(self.prefix):
            return Match.NONE, {}
        segment = path[len(self.prefix) :].partition("/")[0]
        candidates = self._by_depth.get((segment, path.count("/")))
        if candidates is None:  # a depth no route of the segment has: its routes, or those of any segment
            candidates = self._by_segment.get(segment, self._everywhere)
        partial: tuple[APIRoute, Scope] | None = None
        for route in candidates:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return Match.FULL, {**child_scope, _SELECTED: route}
            if match is Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            return Match.PARTIAL, {**partial[1], _SELECTED: partial[0]}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hand the request to the route :meth:`matches` selected."""
        route: APIRoute = scope.pop(_SELECTED)
        await route.handle(scope, receive, send)
