"""Posting a signed webhook: DNS answers checked, the connection pinned to them, no redirects followed.

Before each attempt the host is resolved (through a :class:`Resolver`, the seam tests replace) and
every answer is checked against :mod:`server_impl.domain.webhook_urls`; the request then goes to the
first checked address itself, with the original ``Host`` header and TLS server name, so a second DNS
answer (rebinding between check and connect) can never redirect it. Redirects are failures (3xx),
response bodies are read up to 4 KiB, and every outcome is an :class:`Answer`, never an exception.
"""

from __future__ import annotations

import email.utils
import ipaddress
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

import httpx

from server_impl.domain.errors import ValidationFailed
from server_impl.domain.webhook_urls import IPAddress, check_target, ip_literal
from server_impl.domain.webhooks import EXCERPT_BYTES
from server_impl.services.webhook_endpoints import Resolver

USER_AGENT = "Asteri-Webhooks/1.0"


def system_resolver(host: str, port: int) -> list[IPAddress]:
    """Resolve ``host`` with the operating system (every A and AAAA answer); empty when it fails."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


@dataclass(frozen=True)
class Answer:
    """The outcome of one attempt.

    Attributes:
        status: HTTP status, ``None`` when no answer came.
        excerpt: The first 4 KiB of the body (text, undecodable bytes replaced).
        error: Why no answer came (``dns``, ``refused``, ``timeout``, ``connect`` ...).
        latency_ms: Time from the start to the answer or the failure.
        retry_after: Seconds the receiver asked to wait (``Retry-After`` on 429 and 503).
    """

    status: int | None
    excerpt: str | None
    error: str | None
    latency_ms: int
    retry_after: float | None = None


def retry_after(response: httpx.Response) -> float | None:
    """Return the ``Retry-After`` of a 429 or 503 answer in seconds (delay or HTTP date), else ``None``."""
    value = response.headers.get("retry-after")
    if response.status_code not in (429, 503) or not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _pinned(parts: SplitResult, address: IPAddress) -> str:
    host = f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return parts._replace(netloc=netloc).geturl()


class WebhookSender:
    """Sends webhook requests with one pooled HTTP client (thread-safe: workers share it)."""

    def __init__(
        self,
        *,
        timeout: float,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
        pool_size: int = 32,
    ) -> None:
        self._timeout = timeout
        self._allow_private = allow_private
        self._resolver = resolver
        limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
        self._client = httpx.Client(
            timeout=timeout, follow_redirects=False, limits=limits, transport=transport, trust_env=False
        )

    def close(self) -> None:
        """Close the pooled connections."""
        self._client.close()

    def _target(self, parts: SplitResult) -> IPAddress | str:
        host = parts.hostname or ""
        literal = ip_literal(host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [literal] if literal is not None else self._resolver(host, port)
        if not addresses:
            return f"dns: {host} does not resolve"
        try:
            check_target(host, addresses, allow_private=self._allow_private)
        except ValidationFailed as error:
            return f"refused: {error.errors[0].message}"
        return addresses[0]

    def send(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        """POST ``body`` to ``url`` with ``headers``; never raises for network or HTTP failures."""
        started = time.perf_counter()

        def elapsed() -> int:
            return int((time.perf_counter() - started) * 1000)

        parts = urlsplit(url)
        target = self._target(parts)
        if isinstance(target, str):
            return Answer(None, None, target, elapsed())
        sent = {"content-type": "application/json", "user-agent": USER_AGENT, **headers, "host": parts.netloc}
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        try:
            with self._client.stream(
                "POST", _pinned(parts, target), content=body, headers=sent, extensions=extensions
            ) as response:
                excerpt = bytearray()
                for chunk in response.iter_bytes():
                    excerpt += chunk
                    # The status decides the outcome: stop at 4 KiB, or when a slow body would outlast the timeout.
                    if len(excerpt) >= EXCERPT_BYTES or elapsed() > self._timeout * 1000:
                        break
                text = bytes(excerpt[:EXCERPT_BYTES]).decode("utf-8", errors="replace")
                return Answer(response.status_code, text or None, None, elapsed(), retry_after(response))
        except httpx.TimeoutException:
            return Answer(None, None, f"timeout: no response within {self._timeout:g} s", elapsed())
        except httpx.HTTPError as error:
            return Answer(None, None, f"connect: {type(error).__name__}: {error}"[:500], elapsed())
