"""The ``Link: <...>; rel="next"`` of a page keeps the request's query and replaces its cursor."""

import pytest
from starlette.requests import Request
from starlette.responses import Response

from generated.server.runtime import RequestContext
from server_impl.handlers.common import decode_cursor, page_cursor

LAST = "cus_01HW0000000000000000000000"


def _context(query: bytes, path: str = "/api/public/v1/customers") -> RequestContext:
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": [(b"host", b"api.test")]}
    return RequestContext(Request(scope), Response(), None, "listCustomers")


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"limit=2",
        b"q=a%20b%2Bc&tag=x&tag=y&cursor=c1.old&limit=2",
        b"cursor=c1.old&status=&updated_since=2026-11-29T04%3A13%3A45%2B00%3A00",
    ],
)
@pytest.mark.parametrize("path", ["/api/public/v1/customers", "/api/public/v1/customers/a?b#c\\d/activity"])
def test_the_next_link_is_the_query_with_the_new_cursor_as_starlette_would_build_it(query: bytes, path: str) -> None:
    context = _context(query, path)
    cursor = page_cursor(context, ["cus_01HV0000000000000000000000", LAST], has_more=True)
    assert cursor is not None
    assert decode_cursor(cursor) == LAST
    expected = context.request.url.include_query_params(cursor=cursor)
    assert context.response.headers["link"] == f'<{expected.path}?{expected.query}>; rel="next"'


def test_the_last_page_has_no_link() -> None:
    context = _context(b"limit=2")
    assert page_cursor(context, [LAST], has_more=False) is None
    assert "link" not in context.response.headers
