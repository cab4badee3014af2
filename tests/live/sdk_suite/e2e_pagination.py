"""Auto-pagination walks every page, sync and async, in the server's order (newest first)."""

from __future__ import annotations

import asyncio

import asteri

COUNT = 23
PAGE = 5


def test_iterating_a_page_walks_every_page(client: asteri.Asteri, make_async_client, unique) -> None:
    tag = unique("page").replace(" ", "-")
    from asteri import models

    created = [
        client.customers.create(models.CustomerCreate(display_name=f"Paged {index}", tags=[tag])).id
        for index in range(COUNT)
    ]
    first = client.customers.list(tag=tag, limit=PAGE)
    assert first.has_more
    assert len(first.data) == PAGE
    assert [customer.id for customer in first] == created[::-1]
    pages = list(first.iter_pages())
    assert [len(page.data) for page in pages] == [5, 5, 5, 5, 3]
    assert not pages[-1].has_more

    async def walk() -> list[str]:
        async with make_async_client() as sdk:
            first_async = await sdk.customers.list(tag=tag, limit=PAGE)
            assert first_async.has_more
            return [customer.id async for customer in sdk.customers.list(tag=tag, limit=PAGE)]

    assert asyncio.run(walk()) == created[::-1]


def test_a_single_page_stops(client: asteri.Asteri, new_customer) -> None:
    customer = new_customer(client)
    page = client.customers.list(q=customer.display_name, limit=100)
    assert not page.has_more
    assert [item.id for item in page] == [customer.id]
