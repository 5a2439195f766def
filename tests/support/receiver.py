"""A webhook receiver on 127.0.0.1 started by the test: records every delivery it gets.

Each delivery's answer comes from ``answer`` (the delivery's number for its event id, from 1),
so a test can fail the first attempts (a timeout: answer late, and not 2xx); ``overlaps``
counts deliveries of one event id in progress at the same time (two workers must never).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Answer:
    status: int = 200
    delay: float = 0.0  # seconds before answering


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]
    body: str

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    port: int
    answer: Callable[[Delivery, int], Answer] = field(default=lambda _delivery, _n: Answer())
    deliveries: list[Delivery] = field(default_factory=list)
    overlaps: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _in_flight: Counter[str] = field(default_factory=Counter)
    _seen: Counter[str] = field(default_factory=Counter)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def take(self, delivery: Delivery) -> Answer:
        event_id = delivery.headers.get("webhook-id", "")
        with self._lock:
            self._seen[event_id] += 1
            if self._in_flight[event_id]:
                self.overlaps += 1
            self._in_flight[event_id] += 1
            number = self._seen[event_id]
        return self.answer(delivery, number)

    def done(self, delivery: Delivery, delivered: bool) -> None:
        event_id = delivery.headers.get("webhook-id", "")
        with self._lock:
            self._in_flight[event_id] -= 1
            if delivered:
                self.deliveries.append(delivery)

    def attempts(self) -> int:
        """Every delivery that reached the receiver, answered 2xx or not."""
        with self._lock:
            return self._seen.total()

    def event_ids(self) -> set[str]:
        with self._lock:
            return {delivery.event["id"] for delivery in self.deliveries}

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Delivery]:
        """The deliveries answered 2xx once there are ``count`` distinct event ids."""
        deadline = time.monotonic() + timeout
        while len(self.event_ids()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            return list(self.deliveries)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            delivery = Delivery(
                self.path,
                {name.lower(): value for name, value in self.headers.items()},
                self.rfile.read(length).decode(),
            )
            answer = receiver.take(delivery)
            try:
                time.sleep(answer.delay)
                self.send_response(answer.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:  # the sender gave up (a timeout): not delivered
                receiver.done(delivery, delivered=False)
                return
            receiver.done(delivery, delivered=200 <= answer.status < 300)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiving(answer: Callable[[Delivery, int], Answer] | None = None) -> Iterator[Receiver]:
    """A receiver listening on a free port of 127.0.0.1 for the block."""
    receiver = Receiver(0) if answer is None else Receiver(0, answer)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.port = server.server_address[1]
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
