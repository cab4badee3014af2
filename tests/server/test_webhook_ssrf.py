"""Server-side request forgery at delivery time: DNS answers re-checked (rebinding), redirects never followed."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import httpx

from server_impl.adapters.webhook_http import WebhookSender
from server_impl.domain.webhook_urls import IPAddress
from tests.server.conftest import Harness
from tests.server.test_webhook_delivery import Hooks
from tests.server.webhook_receiver import receiver


class FlippingResolver:
    """A resolver whose answers for a name change between calls, as a rebinding attacker's DNS would.

    Answers are counted per name: the worker also delivers what earlier tests of this database
    left waiting (other names), and those lookups must not move this test's name along.
    """

    def __init__(self, *answers: str) -> None:
        self.answers = [ipaddress.ip_address(answer) for answer in answers]
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.calls.append(host)
        asked = self.calls.count(host)
        return [self.answers[min(asked, len(self.answers)) - 1]]

    def calls_for(self, host: str) -> list[str]:
        """Return the lookups of ``host``."""
        return [call for call in self.calls if call == host]


def _attempts(hooks: Hooks, endpoint_id: str) -> list[dict[str, object]]:
    (delivery,) = hooks.get(f"{endpoint_id}/deliveries")["data"]
    return list(hooks.get(f"{endpoint_id}/deliveries/{delivery['id']}")["attempts"])


def test_a_name_that_now_resolves_to_loopback_is_refused_at_delivery(make_harness: Callable[..., Harness]) -> None:
    resolver = FlippingResolver("127.0.0.1")
    hooks = Hooks(make_harness(), resolver=resolver)  # private targets not allowed
    try:
        with receiver() as box:
            port = box.url.rsplit(":", 1)[1]
            # Accepted at creation: the name does not resolve to anything internal then (nor at all here).
            endpoint = hooks.endpoint(f"http://hooks.rebind.test:{port}/hook")
            hooks.publish()
            hooks.drain()
            assert box.received == []  # the loopback receiver never heard from the worker
        (attempt,) = _attempts(hooks, endpoint["id"])
        assert attempt["response_status"] is None
        assert "refused" in str(attempt["error"])
        assert "127.0.0.1" in str(attempt["error"])
        assert resolver.calls_for("hooks.rebind.test") == ["hooks.rebind.test"]
    finally:
        hooks.close()


def test_the_request_goes_to_the_checked_address_with_the_original_host(make_harness: Callable[..., Harness]) -> None:
    resolver = FlippingResolver("127.0.0.1", "10.9.9.9")  # a second lookup would point elsewhere
    hooks = Hooks(make_harness(webhooks_allow_private=True), resolver=resolver)
    try:
        with receiver() as box:
            port = box.url.rsplit(":", 1)[1]
            hooks.endpoint(f"http://hooks.pinned.test:{port}/hook")
            hooks.publish()
            hooks.drain()
            (item,) = box.received
        assert item.headers["host"] == f"hooks.pinned.test:{port}"
        assert resolver.calls_for("hooks.pinned.test") == ["hooks.pinned.test"]  # resolved once, connected to it
    finally:
        hooks.close()


def test_redirects_are_failures_and_never_followed(make_harness: Callable[..., Harness]) -> None:
    hooks = Hooks(make_harness(webhooks_allow_private=True))
    try:
        with receiver() as target, receiver(statuses=[302], location="") as redirecting:
            redirecting.location = f"{target.url}/stolen"
            endpoint = hooks.endpoint(f"{redirecting.url}/hook")
            hooks.publish()
            hooks.drain()
            assert len(redirecting.received) == 1
            assert target.received == []
        (attempt,) = _attempts(hooks, endpoint["id"])
        assert attempt["response_status"] == 302
        (delivery,) = hooks.get(f"{endpoint['id']}/deliveries")["data"]
        assert delivery["status"] == "pending"  # retried later, like any failure
    finally:
        hooks.close()


def test_unresolvable_names_and_refused_connections_are_recorded_errors() -> None:
    sender = WebhookSender(timeout=1, allow_private=True, resolver=lambda _host, _port: [])
    try:
        answer = sender.send("https://nowhere.invalid/hook", b"{}", {})
        assert answer.status is None
        assert answer.error == "dns: nowhere.invalid does not resolve"
        refused = sender.send("http://127.0.0.1:9/hook", b"{}", {})  # discard port: nothing listens
        assert refused.status is None
        assert str(refused.error).startswith("connect:")
    finally:
        sender.close()


def test_the_sender_pins_the_address_keeps_the_host_and_reads_4_kib() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"x" * 10_000)

    resolver = FlippingResolver("93.184.216.34")
    sender = WebhookSender(timeout=1, allow_private=False, resolver=resolver, transport=httpx.MockTransport(answer))
    try:
        result = sender.send("https://hooks.example.com:8443/in?a=1", b"{}", {"webhook-id": "evt_1"})
    finally:
        sender.close()
    assert result.status == 200
    assert result.excerpt is not None
    assert len(result.excerpt) == 4096
    (request,) = seen
    assert str(request.url) == "https://93.184.216.34:8443/in?a=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    assert request.headers["webhook-id"] == "evt_1"
