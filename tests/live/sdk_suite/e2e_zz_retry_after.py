"""Retries honour Retry-After: a 429 is retried after the window ends, then succeeds.

The harness spent this key's two requests of the minute before the suite started, so by the time
this file runs (last, by name) the wait is usually what remains of that minute (at most a minute).
"""

from __future__ import annotations

import time


def test_a_429_is_retried_after_retry_after(env, make_client, limited_key_refusal) -> None:
    wait = limited_key_refusal().retry_after
    assert wait is not None
    started = time.monotonic()
    with make_client(env("ASTERI_E2E_LIMITED_KEY"), max_retries=2) as sdk:
        page = sdk.customers.with_raw_response.list(limit=1)
    waited = time.monotonic() - started
    assert page.status_code == 200
    assert waited >= wait - 1.5, (waited, wait)
    assert page.rate_limit is not None
    assert page.rate_limit.remaining is not None
