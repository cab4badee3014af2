"""A create whose response is lost is retried by the SDK with the same Idempotency-Key: one object."""

from __future__ import annotations

import httpx
import pytest

import asteri
from asteri import models


class LosesFirstResponse(httpx.HTTPTransport):
    """Sends every request; the first POST's response is read and then dropped, as by a network cut."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[httpx.Request] = []
        self.answers: list[tuple[httpx.Request, httpx.Response]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        response = super().handle_request(request)
        response.read()
        self.answers.append((request, response))
        if request.method == "POST" and len([r for r in self.sent if r.method == "POST"]) == 1:
            raise httpx.ReadError("connection reset after the server answered", request=request)
        return response


def test_a_retried_create_makes_one_customer(make_client, unique) -> None:
    transport = LosesFirstResponse()
    name = unique("Idempotent")
    with make_client(transport=transport, max_retries=2) as sdk:
        customer = sdk.customers.create(models.CustomerCreate(display_name=name))
        matches = [item.id for item in sdk.customers.list(q=name, limit=100)]
    posts = [request for request in transport.sent if request.method == "POST"]
    assert len(posts) == 2
    keys = {request.headers["idempotency-key"] for request in posts}
    assert len(keys) == 1
    first, second = (response for request, response in transport.answers if request.method == "POST")
    assert first.status_code == second.status_code == 201
    assert second.headers.get("idempotent-replayed") == "true"
    assert first.json()["id"] == second.json()["id"] == customer.id
    assert matches == [customer.id]


def test_the_same_key_with_another_body_is_refused(client: asteri.Asteri, unique) -> None:
    key = unique("key").replace(" ", "-")
    client.customers.create(models.CustomerCreate(display_name=unique("First")), idempotency_key=key)
    with pytest.raises(asteri.UnprocessableEntityError) as caught:
        client.customers.create(models.CustomerCreate(display_name=unique("Second")), idempotency_key=key)
    assert caught.value.code == "idempotency_key_reused"
