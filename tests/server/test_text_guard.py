"""NUL characters are refused with 422 naming each field (ADR 0810); the text ``\\u0000`` is not a NUL."""

from __future__ import annotations

import pytest

from server_impl.web.text_guard import nul_body_fields, nul_query_parameters
from tests.server.conftest import Harness

CUSTOMERS = "/api/public/v1/customers"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (b'{"a": "x\\u0000y"}', ["/a"]),
        (b'{"a": ["ok", {"b~/c": "\\u0000"}]}', ["/a/1/b~0~1c"]),
        (b'{"k\\u0000": 1}', ["/k\x00"]),
        (b'{"a": "\\\\u0000"}', []),  # an escaped backslash, then the text u0000
        (b'{"a": "\\\\\\u0000"}', ["/a"]),  # an escaped backslash, then a NUL
        (b'{"a": "\\u0000', []),  # not JSON: refused later as malformed
        (b'{"a": "plain"}', []),
    ],
)
def test_nul_body_fields(body: bytes, fields: list[str]) -> None:
    assert nul_body_fields(body) == fields


def test_nul_query_parameters() -> None:
    assert nul_query_parameters(b"q=a%00b&tag=ok&x%00=1") == ["q", "x\x00"]
    assert nul_query_parameters(b"q=%2500") == []  # the text %00, encoded


def test_the_api_refuses_nul_and_keeps_the_text_backslash_u0000(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org)
    headers = {**harness.headers(org, secret), "content-type": "application/json"}
    refused = harness.client.post(
        CUSTOMERS, headers=headers, content=b'{"display_name": "a\\u0000b", "notes": "\\u0000"}'
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "validation_failed"
    assert [e["field"] for e in refused.json()["errors"]] == ["/display_name", "/notes"]
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    kept = harness.client.post(CUSTOMERS, headers=headers, content=b'{"display_name": "a\\\\u0000b"}')
    assert kept.status_code == 201, kept.text
    assert kept.json()["display_name"] == "a\\u0000b"
    searched = harness.client.get(CUSTOMERS, headers=headers, params={"q": "a\x00"})
    assert searched.status_code == 422
    assert searched.json()["errors"] == [{"field": "q", "message": "NUL characters (U+0000) are not accepted."}]
    assert [c["display_name"] for c in harness.client.get(CUSTOMERS, headers=headers).json()["data"]] == ["a\\u0000b"]


def test_nul_in_the_query_and_in_a_json_body_sent_with_a_get_is_refused_before_the_credentials(
    harness: Harness,
) -> None:
    json_body = {"content-type": "application/json"}
    both = harness.client.request("GET", f"{CUSTOMERS}?tag=a%00", headers=json_body, content=b'{"note": "\\u0000"}')
    assert both.status_code == 422  # no organization, no credentials: the text is refused first
    assert [e["field"] for e in both.json()["errors"]] == ["tag", "/note"]
    assert both.headers["x-request-id"] == both.json()["request_id"]
    huge = harness.client.request("GET", CUSTOMERS, headers=json_body, content=b" " * (1024 * 1024 + 1))
    assert huge.status_code == 413  # read for the check, but never more than a body may hold
    plain = harness.client.request("GET", CUSTOMERS, headers={"content-type": "text/plain"}, content=b"\\u0000")
    assert plain.status_code == 400  # not JSON text: nothing to refuse; the organization header is missing
