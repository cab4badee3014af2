"""Timing does not tell another tenant's objects (or organizations) from ones that never existed.

Both answers run the same code (a tenant-filtered lookup that finds nothing; a credential that is
not a member), so their medians stay close. Requests are interleaved so that machine load hits
both series alike; the bound is generous (the median of one within 50% + 2 ms of the other) and
the measured medians are printed (``pytest -s``) for the record.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from server_impl.domain.ids import new_id
from tests.server.attacks.conftest import World
from tests.server.attacks.contract import by_id
from tests.server.attacks.world import fabricated_id, recipe

SAMPLES = 150


def _medians(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[float, float]:
    a: list[float] = []
    b: list[float] = []
    for _ in range(10):  # warm up both paths
        first()
        second()
    for index in range(SAMPLES):
        for call, into in ((first, a), (second, b)) if index % 2 else ((second, b), (first, a)):
            started = time.perf_counter()
            call()
            into.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def _assert_close(label: str, existing: float, never: float) -> None:
    print(f"\n{label}: existing {existing * 1000:.2f} ms, never existed {never * 1000:.2f} ms")  # noqa: T201
    assert abs(existing - never) <= 0.5 * min(existing, never) + 0.002, (label, existing, never)


def test_another_tenants_object_and_a_missing_one_take_the_same_time(world: World) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    operation = by_id("getCustomer")
    theirs = recipe(operation, victim)
    never = recipe(operation, victim, ids={"customer_id": fabricated_id(operation.path_parameters[0])})

    def call(request: Any) -> Callable[[], Any]:
        def run() -> Any:
            response = request.send(harness, attacker.headers())
            assert response.status_code == 404
            return response

        return run

    _assert_close("404 another tenant's customer vs a missing one", *_medians(call(theirs), call(never)))


def test_another_organization_and_a_missing_one_take_the_same_time(world: World) -> None:
    harness, victim, attacker = world.harness, world.victim, world.attacker
    request = recipe(by_id("listCustomers"), attacker)

    def call(org: str) -> Callable[[], Any]:
        def run() -> Any:
            response = request.send(harness, {**attacker.headers(), "x-organization-id": org})
            assert response.status_code == 403
            return response

        return run

    _assert_close("403 an existing organization vs a missing one", *_medians(call(victim.org), call(new_id("org"))))
