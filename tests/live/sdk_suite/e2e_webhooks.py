"""A real delivery from the server's worker, verified with the SDK's webhook helper."""

from __future__ import annotations

import http.server
import queue
import threading
from collections.abc import Iterator

import pytest

import asteri
from asteri import models

Delivery = tuple[bytes, dict[str, str]]


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: queue.Queue[Delivery]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.received.put((body, {name.lower(): value for name, value in self.headers.items()}))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture
def receiver() -> Iterator[tuple[str, queue.Queue[Delivery]]]:
    received: queue.Queue[Delivery] = queue.Queue()
    handler = type("Receiver", (_Receiver,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    finally:
        server.shutdown()
        server.server_close()


def test_a_delivered_event_verifies_and_a_tampered_one_does_not(
    receiver: tuple[str, queue.Queue[Delivery]], env, make_client, unique
) -> None:
    url, received = receiver
    with make_client(env("ASTERI_E2E_TEST_KEY")) as sdk:
        endpoint = sdk.webhook_endpoints.create(models.WebhookEndpointCreate(url=url, event_types=["customer.created"]))
        customer = sdk.customers.create(models.CustomerCreate(display_name=unique("Hooked")))
        body, headers = received.get(timeout=60)
        event = sdk.webhooks.unwrap(body, headers, secret=endpoint.secret)
        assert event.type == "customer.created"
        assert event.data.object.id == customer.id
        sdk.webhooks.verify(body, headers, secret=endpoint.secret)
        with pytest.raises(asteri.InvalidWebhookSignatureError):
            sdk.webhooks.unwrap(
                body.replace(customer.id.encode(), b"cus_01HWDJ8FSSZ5AWSH8VHTPRE95B"), headers, secret=endpoint.secret
            )
        with pytest.raises(asteri.InvalidWebhookSignatureError):
            sdk.webhooks.unwrap(body, headers, secret="whsec_" + "A" * 32)
        deliveries = list(sdk.webhook_endpoints.deliveries.list(endpoint.id))
        assert [delivery.event_id for delivery in deliveries] == [event.id]
