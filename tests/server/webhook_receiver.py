"""A real webhook receiver on loopback for the delivery tests: records every request, answers as told."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass
class Receiver:
    """State shared with the server threads.

    Attributes:
        url: Base URL (``http://127.0.0.1:<port>``).
        statuses: Answers to give, in order; 200 once they run out.
        delay: Seconds to wait before answering (keeps deliveries in flight).
        location: ``Location`` header of 3xx answers.
        retry_after: ``Retry-After`` header of 429 and 503 answers.
    """

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    location: str | None = None
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)
    in_flight: dict[str, int] = field(default_factory=dict)
    overlaps: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> list[str]:
        with self.lock:
            return [item.webhook_id for item in self.received if "webhook-id" in item.headers]

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return True
            time.sleep(0.02)
        return False

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until no request is being answered (those in flight are recorded when their delay ends)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not any(self.in_flight.values()):
                    return True
            time.sleep(0.02)
        return False


def _handler(state: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            webhook_id = headers.get("webhook-id", "")
            with state.lock:
                state.in_flight[webhook_id] = state.in_flight.get(webhook_id, 0) + 1
                if state.in_flight[webhook_id] > 1:
                    state.overlaps.append(webhook_id)
                status = state.statuses.pop(0) if state.statuses else 200
            try:
                if state.delay:
                    time.sleep(state.delay)
                with state.lock:
                    state.received.append(Received(self.path, headers, body))
                answer = b'{"ok":true}' if status < 300 else b'{"error":"nope"}'
                self.send_response(status)
                if 300 <= status < 400 and state.location:
                    self.send_header("Location", state.location)
                if status in (429, 503) and state.retry_after:
                    self.send_header("Retry-After", state.retry_after)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except (BrokenPipeError, ConnectionResetError):  # the sender died or gave up (crash tests)
                self.close_connection = True
            finally:
                with state.lock:
                    state.in_flight[webhook_id] -= 1

    return Handler


@contextmanager
def receiver(**options: object) -> Iterator[Receiver]:
    """Run a receiver on 127.0.0.1 (a free port) for the duration of the block."""
    state = Receiver(**options)  # type: ignore[arg-type]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
