"""Redis unavailable: the configured failure mode decides (ADR 0811), and the log or the answer says so.

``ASTERI_RATE_LIMIT_FAILURE=open`` (the default) lets traffic through with a warning in the log;
``closed`` answers 503 ``service_unavailable`` with ``Retry-After`` and writes nothing. Redis is
"down" here as a closed port, so these tests need no Redis at all.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.server.conftest import Harness

CUSTOMERS = "/api/public/v1/customers"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens there


def _down(make_harness: Callable[..., Harness], failure: str) -> tuple[Harness, dict[str, str]]:
    harness = make_harness(redis_url=f"redis://127.0.0.1:{_closed_port()}/0", rate_limit_failure=failure)
    org = harness.organization()
    _, secret = harness.key(org)
    return harness, harness.headers(org, secret)


def test_fail_open_lets_requests_through_with_a_warning(
    make_harness: Callable[..., Harness], caplog: pytest.LogCaptureFixture
) -> None:
    harness, headers = _down(make_harness, "open")
    with caplog.at_level(logging.WARNING, logger="asteri.ratelimit"):
        created = harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "Open"})
        listed = harness.client.get(CUSTOMERS, headers=headers)
    assert created.status_code == 201, created.text
    assert listed.status_code == 200
    assert [c["display_name"] for c in listed.json()["data"]] == ["Open"]
    assert listed.headers["RateLimit-Policy"].startswith('"minute";q=')
    assert "RateLimit" not in listed.headers  # the remaining quota is unknown, so it is not made up
    warnings = [r for r in caplog.records if "fail open" in r.getMessage()]
    assert len(warnings) == 1, "one warning per interval, not one per request"


def test_fail_closed_answers_503_with_retry_after_and_writes_nothing(make_harness: Callable[..., Harness]) -> None:
    harness, headers = _down(make_harness, "closed")
    created = harness.client.post(CUSTOMERS, headers=headers, json={"display_name": "Closed"})
    assert created.status_code == 503, created.text
    assert created.headers["content-type"] == "application/problem+json"
    assert created.headers["Retry-After"] == "5"
    body = created.json()
    assert body["code"] == "service_unavailable"
    assert body["retry_after"] == 5
    assert body["request_id"] == created.headers["x-request-id"]
    org = headers["x-organization-id"]
    with harness.context.engine.connect() as connection:
        for table in ("customers", "audit_events", "events"):
            count = connection.execute(text(f"SELECT count(*) FROM {table} WHERE organization_id = :o"), {"o": org})
            assert count.scalar_one() == (1 if table == "audit_events" else 0), table  # the key's creation only


def test_bad_credentials_are_still_401_when_limits_fail_closed(make_harness: Callable[..., Harness]) -> None:
    harness, headers = _down(make_harness, "closed")
    response = harness.client.get(CUSTOMERS, headers={**headers, "x-api-key": "ast_live_nope"})
    assert response.status_code == 401


def test_the_failure_mode_is_validated_at_start() -> None:
    from server_impl.settings import ConfigurationError, load_settings

    with pytest.raises(ConfigurationError, match="RATE_LIMIT_FAILURE"):
        load_settings(rate_limit_failure="sometimes")


@pytest.mark.redis
@pytest.mark.parametrize("failure", ["open", "closed"])
def test_limits_come_back_with_redis_without_a_restart(make_harness: Callable[..., Harness], failure: str) -> None:
    from urllib.parse import urlsplit

    from tests.scale.conftest import redis_base_url
    from tests.server.tcp_proxy import TcpProxy

    upstream = urlsplit(redis_base_url())
    with TcpProxy((upstream.hostname or "127.0.0.1", upstream.port or 6379)) as proxy:
        harness = make_harness(redis_url=f"redis://127.0.0.1:{proxy.port}/0", rate_limit_failure=failure)
        org = harness.organization()
        _, secret = harness.key(org)
        headers = harness.headers(org, secret)
        up = harness.client.get(CUSTOMERS, headers=headers)
        assert up.status_code == 200
        assert "RateLimit" in up.headers
        proxy.cut()
        down = harness.client.get(CUSTOMERS, headers=headers)
        assert down.status_code == (200 if failure == "open" else 503), down.text
        assert "RateLimit" not in down.headers
        proxy.restore()
        back = harness.client.get(CUSTOMERS, headers=headers)  # the same app: the client reconnects
        assert back.status_code == 200, back.text
        assert "RateLimit" in back.headers
