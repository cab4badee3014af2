"""The authenticated-key cache expires and clears; sealed secrets round-trip and refuse tampering."""

from datetime import timedelta

import pytest

from server_impl.domain.api_keys import ApiKey
from server_impl.domain.clock import utc_now
from server_impl.domain.tenancy import Environment
from server_impl.services.key_cache import KeyCache
from server_impl.web.sealing import PREFIX, SealError, seal, unseal


def _key(key_id: str, key_hash: str) -> ApiKey:
    now = utc_now()
    return ApiKey(
        key_id, "org_x", Environment.LIVE, "k", key_hash, "ast_live_abcd", "wxyz", ("read:customers",),
        now + timedelta(days=1), 60, 1000, now, "system", None,
    )  # fmt: skip


def test_cached_keys_expire_after_the_ttl_and_clear_on_demand() -> None:
    now = [100.0]
    cache = KeyCache(2.0, clock=lambda: now[0])
    cache.put(_key("key_1", "h1"))
    assert cache.get("h1") is not None
    now[0] += 1.9
    assert cache.get("h1") is not None
    now[0] += 0.2
    assert cache.get("h1") is None
    cache.put(_key("key_1", "h1"))
    cache.clear()
    assert cache.get("h1") is None


def test_a_zero_ttl_disables_the_cache_and_the_size_is_bounded() -> None:
    off = KeyCache(0)
    off.put(_key("key_1", "h1"))
    assert off.get("h1") is None
    small = KeyCache(60, max_entries=2)
    for index in range(3):
        small.put(_key(f"key_{index}", f"h{index}"))
    assert small.get("h0") is None
    assert small.get("h2") is not None


def test_sealed_text_round_trips_and_refuses_tampering_or_another_key() -> None:
    sealed = seal("ast_live_secret", b"k" * 32)
    assert sealed.startswith(PREFIX)
    assert "secret" not in sealed
    assert seal("ast_live_secret", b"k" * 32) != sealed, "a fresh nonce each time"
    assert unseal(sealed, b"k" * 32) == "ast_live_secret"
    with pytest.raises(SealError):
        unseal(sealed, b"x" * 32)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SealError):
        unseal(flipped, b"k" * 32)
    with pytest.raises(SealError):
        unseal("plain", b"k" * 32)
