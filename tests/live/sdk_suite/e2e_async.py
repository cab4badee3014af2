"""The async client: the same resources, awaited."""

from __future__ import annotations

import asyncio

import pytest

import asteri
from asteri import models


def test_async_client_creates_reads_and_updates(make_async_client, unique) -> None:
    async def scenario() -> None:
        async with make_async_client() as sdk:
            customer = await sdk.customers.create(models.CustomerCreate(display_name=unique("Async")))
            fetched = await sdk.customers.get(customer.id)
            assert fetched.id == customer.id
            updated = await sdk.customers.update(customer.id, models.CustomerUpdate(tags=["async"]))
            assert updated.tags == ["async"]
            service = await sdk.services.create(
                models.ServiceCreate(name=unique("Svc"), unit_price=5_000, currency="USD")
            )
            job = await sdk.jobs.create(
                models.JobCreate(
                    customer_id=customer.id,
                    summary="Async job",
                    line_items=[models.LineItemInput(service_id=service.id)],
                )
            )
            assert job.status == "unscheduled"
            results = await asyncio.gather(*(sdk.customers.get(customer.id) for _ in range(5)))
            assert {result.id for result in results} == {customer.id}
            with pytest.raises(asteri.NotFoundError) as caught:
                await sdk.jobs.get("job_01HWN5SXS5AA819X9YP981068V")
            assert caught.value.code == "not_found"

    asyncio.run(scenario())
