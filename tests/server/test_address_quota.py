"""Failures answered before a credential was accepted: charged to the client address, then 429.

DESIGN.md wants the RateLimit fields on every response; these answers have no credential whose
quota they could report, so they report (and spend) the client address's (``web/address_quota.py``).
"""

from collections.abc import Callable

import pytest

from tests.server.conftest import Harness

THINGS = "/api/public/v1/_test/things"


@pytest.fixture
def throttled(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness(unauthenticated_per_minute=4, unauthenticated_per_day=100)


def test_each_failure_before_credentials_reports_and_spends_the_address_quota(throttled: Harness) -> None:
    org = throttled.organization()
    _, secret = throttled.key(org)
    failures = [
        throttled.client.get(THINGS),  # no organization header: 400
        throttled.client.get(THINGS, headers={"x-organization-id": org, "x-api-key": "ak_test_nope"}),  # 401
        throttled.client.get(THINGS, headers=throttled.headers(throttled.organization(), secret)),  # 403
        throttled.client.post(THINGS, content=b"a=b", headers={"content-type": "text/plain"}),  # 415, at the edge
    ]
    assert [response.status_code for response in failures] == [400, 401, 403, 415]
    for spent, response in enumerate(failures, start=1):
        assert response.headers["ratelimit-policy"] == '"minute";q=4;w=60, "day";q=100;w=86400'
        assert response.headers["ratelimit"] == f'"minute";r={4 - spent};t=60'


def test_past_the_address_quota_failures_are_answered_429_but_valid_credentials_still_work(
    throttled: Harness,
) -> None:
    org = throttled.organization()
    _, secret = throttled.key(org)
    guesses = [
        throttled.client.get(THINGS, headers={"x-organization-id": org, "x-api-key": f"ak_test_{n}"}) for n in range(6)
    ]
    assert [response.status_code for response in guesses] == [401, 401, 401, 401, 429, 429]
    refused = guesses[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "rate_limited"
    assert refused.json()["limit_window"] == "minute"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert "credential" in refused.json()["detail"]
    valid = throttled.client.get(THINGS, headers=throttled.headers(org, secret))
    assert valid.status_code == 200, "the key's own quota is untouched by the address's failures"
    assert '"minute";q=4;' not in valid.headers["ratelimit-policy"], "it reports the key's quota"


def test_answers_after_credentials_and_pages_outside_the_api_are_not_charged(throttled: Harness) -> None:
    org = throttled.organization()
    _, secret = throttled.key(org)
    headers = throttled.headers(org, secret)
    assert throttled.client.get(f"{THINGS}/cus_nope", headers=headers).status_code == 404  # the key's quota
    assert throttled.client.get(THINGS, params={"limit": 0}, headers=headers).status_code == 422
    outside = throttled.client.get("/not-the-api")
    assert outside.status_code == 404
    assert "ratelimit" not in outside.headers
    first_failure = throttled.client.get(THINGS)
    assert first_failure.headers["ratelimit"] == '"minute";r=3;t=60', "nothing before it was charged to the address"
