"""Fixtures of the SDK end-to-end suite: clients on the live server and small factories.

Environment (set by tests/live/test_sdk_e2e.py):
    ASTERI_BASE_URL, ASTERI_ORGANIZATION_ID, ASTERI_API_KEY: the server, its organization and a live
        key with every scope.
    ASTERI_E2E_TEST_KEY: a key of the test environment with every scope (webhooks to http:// URLs).
    ASTERI_E2E_READONLY_KEY: a key holding only read:customers.
    ASTERI_E2E_LIMITED_KEY: a key allowed 2 requests a minute, exhausted by the harness at
        ASTERI_E2E_LIMITED_AT (Unix time).
    ASTERI_E2E_OTHER_ORGANIZATION_ID: an organization the keys cannot act in.
    ASTERI_E2E_TECHNICIAN_ID: a member of the organization (jobs are assigned to them).

Helpers are fixtures (the suite's modules import nothing but the SDK, pytest and the standard library).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

import asteri
from asteri import models


def env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this suite through tests/live/test_sdk_e2e.py")
    return value


def make_client(key: str | None = None, **options: object) -> asteri.Asteri:
    """A sync client on the live server (the full-scope live key unless ``key`` is given)."""
    return asteri.Asteri(
        api_key=key or env("ASTERI_API_KEY"),
        organization_id=str(options.pop("organization_id", env("ASTERI_ORGANIZATION_ID"))),
        base_url=env("ASTERI_BASE_URL"),
        **options,  # type: ignore[arg-type]
    )


def make_async_client(key: str | None = None, **options: object) -> asteri.AsyncAsteri:
    """An async client on the live server."""
    return asteri.AsyncAsteri(
        api_key=key or env("ASTERI_API_KEY"),
        organization_id=str(options.pop("organization_id", env("ASTERI_ORGANIZATION_ID"))),
        base_url=env("ASTERI_BASE_URL"),
        **options,  # type: ignore[arg-type]
    )


def unique(prefix: str) -> str:
    """A name no other test uses (the suite shares one organization)."""
    return f"{prefix} {uuid.uuid4().hex[:10]}"


def new_customer(sdk: asteri.Asteri, name: str | None = None) -> models.Customer:
    """A customer with a primary email address (invoices and estimates are sent to it)."""
    email = models.EmailAddressInput(address=f"{uuid.uuid4().hex[:12]}@example.com", is_primary=True)
    return sdk.customers.create(models.CustomerCreate(display_name=name or unique("Customer"), emails=[email]))


def new_service(sdk: asteri.Asteri, price: int = 12_500) -> models.Service:
    return sdk.services.create(models.ServiceCreate(name=unique("Service"), unit_price=price, currency="USD"))


def limited_key_refusal() -> asteri.RateLimitError:
    """Return the 429 of the 2-a-minute key, spending what is left of its minute first if needed.

    The harness spent the key's minute before the suite started; when the suite took longer than
    that minute, the window has ended and is spent again here.
    """
    with make_client(env("ASTERI_E2E_LIMITED_KEY"), max_retries=0) as probe:
        for _ in range(5):
            try:
                probe.customers.list(limit=1)
            except asteri.RateLimitError as error:
                return error
    pytest.fail("the key limited to 2 requests a minute was never refused")


@pytest.fixture(name="env")
def env_fixture() -> Callable[[str], str]:
    return env


@pytest.fixture(name="make_client")
def make_client_fixture() -> Callable[..., asteri.Asteri]:
    return make_client


@pytest.fixture(name="make_async_client")
def make_async_client_fixture() -> Callable[..., asteri.AsyncAsteri]:
    return make_async_client


@pytest.fixture(name="unique")
def unique_fixture() -> Callable[[str], str]:
    return unique


@pytest.fixture(name="new_customer")
def new_customer_fixture() -> Callable[..., models.Customer]:
    return new_customer


@pytest.fixture(name="new_service")
def new_service_fixture() -> Callable[..., models.Service]:
    return new_service


@pytest.fixture(name="limited_key_refusal")
def limited_key_refusal_fixture() -> Callable[[], asteri.RateLimitError]:
    return limited_key_refusal


@pytest.fixture
def client() -> Iterator[asteri.Asteri]:
    with make_client() as sdk:
        yield sdk
