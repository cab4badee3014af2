"""Rate limits: RateLimit fields on every response once credentials are known, 429s, fairness."""

import asyncio

import pytest

from server_impl.adapters.ratelimit import RateLimiter
from tests.server.conftest import Harness
from tests.server.services import require_url

THINGS = "/api/public/v1/_test/things"


def test_every_response_after_authentication_carries_the_fields(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org, per_minute=50, per_day=500, scopes=("read:customers",))
    headers = harness.headers(org, secret)
    ok = harness.client.get(THINGS, headers=headers)
    assert ok.headers["ratelimit-policy"] == '"minute";q=50;w=60, "day";q=500;w=86400'
    assert ok.headers["ratelimit"].startswith('"minute";r=49;t=')
    forbidden = harness.client.post(THINGS, json={"name": "x"}, headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.headers["ratelimit"].startswith('"minute";r=48;')
    missing = harness.client.get(f"{THINGS}/cus_nope", headers=headers)
    assert missing.status_code == 404
    assert "ratelimit" in missing.headers
    invalid = harness.client.get(THINGS, params={"limit": 0}, headers=headers)
    assert invalid.status_code == 422
    assert invalid.headers["ratelimit"].startswith('"minute";r=46;')


def test_the_minute_window_runs_out_with_429(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org, per_minute=3)
    headers = harness.headers(org, secret)
    assert [harness.client.get(THINGS, headers=headers).status_code for _ in range(3)] == [200, 200, 200]
    refused = harness.client.get(THINGS, headers=headers)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited"
    assert body["limit_window"] == "minute"
    assert 1 <= body["retry_after"] <= 60
    assert refused.headers["retry-after"] == str(body["retry_after"])
    assert refused.headers["ratelimit"].startswith('"minute";r=0;')


def test_the_day_window_is_named_when_it_runs_out(harness: Harness) -> None:
    org = harness.organization()
    _, secret = harness.key(org, per_minute=100, per_day=2)
    headers = harness.headers(org, secret)
    for _ in range(2):
        assert harness.client.get(THINGS, headers=headers).status_code == 200
    refused = harness.client.get(THINGS, headers=headers)
    assert refused.status_code == 429
    assert refused.json()["limit_window"] == "day"
    assert int(refused.headers["retry-after"]) > 60


def test_rejected_requests_do_not_spend_the_key_owners_quota(harness: Harness) -> None:
    org, other = harness.organization(), harness.organization()
    _, secret = harness.key(org, per_minute=2)
    for attempt in range(5):
        response = harness.client.get(THINGS, headers=harness.headers(other, secret))
        assert response.status_code == 403
        # charged to the caller's address (tests/server/test_address_quota.py), never to the key
        assert response.headers["ratelimit-policy"].startswith('"minute";q=120;')
        assert response.headers["ratelimit"] == f'"minute";r={119 - attempt};t=60'
    for _ in range(2):
        assert harness.client.get(THINGS, headers=harness.headers(org, secret)).status_code == 200


def test_bearer_sessions_are_limited_per_user_and_organization(make_harness) -> None:
    from server_impl.domain.scopes import Role
    from tests.server.test_authentication import _member, _token

    harness = make_harness(default_per_minute=2)
    org = harness.organization()
    user = _member(harness, org, Role.OWNER)
    headers = {"x-organization-id": org, "authorization": f"Bearer {_token(harness, user)}"}
    statuses = [harness.client.get(THINGS, headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.redis
def test_the_redis_limiter_shares_counts_between_limiters() -> None:
    url = _redis_url()

    async def scenario() -> list[bool]:
        import secrets

        identity = f"key:test-{secrets.token_hex(6)}"
        first, second = RateLimiter.from_url(url), RateLimiter.from_url(url)
        decisions = [await first.hit(identity, 3, 100), await second.hit(identity, 3, 100)]
        decisions += [await first.hit(identity, 3, 100), await second.hit(identity, 3, 100)]
        await first.close()
        await second.close()
        return [decision.allowed for decision in decisions]

    assert asyncio.run(scenario()) == [True, True, True, False]


@pytest.mark.redis
def test_the_redis_limiter_counts_both_windows_in_one_round_trip_as_the_separate_calls_would() -> None:
    import secrets

    url = _redis_url()

    async def scenario() -> None:
        from limits.aio.storage import RedisStorage

        limiter = RateLimiter.from_url(url)
        storage = limiter._storage
        assert isinstance(storage, RedisStorage)

        async def separate_call(*args: object, **kwargs: object) -> int:
            raise AssertionError("a storage call beside the windows script")

        for name in ("incr", "get", "get_expiry"):
            setattr(storage, name, separate_call)
        minute = f"key:test-{secrets.token_hex(6)}"
        decisions = [await limiter.hit(minute, 2, 100) for _ in range(3)]
        assert [decision.allowed for decision in decisions] == [True, True, False]
        assert decisions[0].headers["RateLimit"] == '"minute";r=1;t=60'
        assert decisions[2].headers["RateLimit"] == '"minute";r=0;t=60'
        assert decisions[2].window == "minute"
        assert decisions[2].retry_after == 60
        day = f"key:test-{secrets.token_hex(6)}"
        decisions = [await limiter.hit(day, 100, 2) for _ in range(3)]
        assert [decision.allowed for decision in decisions] == [True, True, False]
        assert decisions[1].headers["RateLimit"].startswith('"day";r=0;t=')
        assert decisions[2].window == "day"
        assert decisions[2].retry_after is not None
        assert 86_000 < decisions[2].retry_after <= 86_400
        from limits.aio.storage.redis.redispy import RedispyBridge

        assert isinstance(storage.bridge, RedispyBridge)
        client = storage.bridge.get_connection()
        refused_by_minute = await client.get(storage.bridge.prefixed_key(_windows_keys(minute)[1]))
        assert refused_by_minute == b"2"  # the day window counted the two allowed requests, not the refused one
        await limiter.close()

    asyncio.run(scenario())


def _windows_keys(identity: str) -> tuple[str, ...]:
    from server_impl.adapters.ratelimit import _keys, _windows

    return _keys(_windows(2, 100), identity)


def test_retry_after_never_exceeds_the_window_when_the_storage_overshoots_its_reset() -> None:
    """Redis derives the reset from a whole-second TTL; one second too many once broke a client's bound."""
    import time

    from limits.aio.storage import MemoryStorage

    class OvershootingStorage(MemoryStorage):
        async def get_expiry(self, key: str) -> float:
            return time.time() + 60.9  # a TTL read a fraction after the window was opened

    async def scenario() -> list[str]:
        limiter = RateLimiter(OvershootingStorage())
        decisions = [await limiter.hit("key:overshoot", 1, 100) for _ in range(2)]
        await limiter.close()
        return [decisions[0].headers["RateLimit"], decisions[1].headers["Retry-After"]]

    allowed, retry_after = asyncio.run(scenario())
    assert allowed.endswith(";t=60")
    assert retry_after == "60"


def _redis_url() -> str:
    import os

    import redis

    error = None
    url = os.environ.get("ASTERI_TEST_REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(url, socket_connect_timeout=2)
            client.ping()
            client.close()
        except Exception as exc:
            error = exc
    return require_url("ASTERI_TEST_REDIS_URL", error)


def test_the_memory_storage_sweeps_at_most_once_a_second_and_expired_counters_still_read_as_absent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading
    import time

    from limits.storage import MemoryStorage

    from server_impl.adapters import ratelimit

    sweep = "_MemoryStorage__expire_events"  # what limits' private __schedule_expiry runs on a timer thread
    assert hasattr(MemoryStorage, "_MemoryStorage__schedule_expiry"), "limits renamed the hook we throttle"
    original = getattr(MemoryStorage, sweep)
    sweeps: list[float] = []

    def counted(self: MemoryStorage) -> None:
        sweeps.append(time.monotonic())
        original(self)

    monkeypatch.setattr(MemoryStorage, sweep, counted)
    threads = threading.active_count()
    storage = ratelimit.SweptMemoryStorage()
    for index in range(10_000):  # 5,000 keys in use, two windows each
        storage.incr(f"key:{index}", 60)
    storage.incr("short", 1)
    storage.incr("unread", 1)
    for _ in range(500):  # requests of one hot key: none of them walks the 10,001 counters again
        storage.incr("hot", 60)
    assert len(sweeps) == 1
    assert threading.active_count() <= threads  # the sweep ran inline: no timer thread is left running
    time.sleep(1.1)
    assert storage.get("short") == 0  # expired: absent when read, swept or not
    monkeypatch.setattr(ratelimit, "SWEEP_INTERVAL_SECONDS", 0.0)
    storage.incr("hot", 60)
    assert len(sweeps) == 2
    assert "unread" not in storage.storage  # the sweep freed an expired counter nobody read
    assert storage.get("hot") == 501
