"""A loopback HTTP/1.1 proxy between a client and ``altpay serve``, to lose answers on purpose.

It forwards each request whole and reads the server's whole answer; for the first request
whose request line starts with ``drop_answer_to`` it closes the client's connection instead
of passing the answer on: the server did the work, the client never hears of it. Requests
whose line starts with ``refuse`` are answered ``refusal`` (``refusals`` times) without
reaching the server. The upstream port can change while it runs (a restarted server behind
one address).
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType


def _read_message(sock: socket.socket, buffer: bytearray) -> bytes | None:
    """One HTTP message (head and a Content-Length body) from ``sock``; None at EOF."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head_end = buffer.index(b"\r\n\r\n") + 4
    length = 0
    for line in bytes(buffer[:head_end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(buffer) < head_end + length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    message = bytes(buffer[: head_end + length])
    del buffer[: head_end + length]
    return message


def _answer(status: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} Refused\r\nContent-Type: application/json\r\nRetry-After: 0\r\n"
        f"X-Request-Id: proxy-{status}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class LossyProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.drop_answer_to: bytes | None = None
        self.request_lines: list[str] = []
        self.dropped: list[str] = []
        self.refuse: bytes | None = None
        self.refusals = 0
        self.refusal = _answer(503, b'{"code": "unavailable", "message": "not ready"}')
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(downstream,), daemon=True).start()

    def _serve(self, downstream: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        except OSError:
            downstream.close()  # the server is down: the client sees its connection closed
            return
        with self._lock:
            self._sockets += [downstream, upstream]
        from_client, from_server = bytearray(), bytearray()
        try:
            while (request := _read_message(downstream, from_client)) is not None:
                line = request.split(b"\r\n", 1)[0]
                with self._lock:
                    self.request_lines.append(line.decode())
                    refused = self.refuse is not None and line.startswith(self.refuse)
                    if refused:
                        self.refusals -= 1
                        if self.refusals <= 0:
                            self.refuse = None
                if refused:
                    downstream.sendall(self.refusal)
                    continue
                upstream.sendall(request)
                answer = _read_message(upstream, from_server)
                if answer is None:
                    return
                with self._lock:
                    drop = self.drop_answer_to is not None and line.startswith(self.drop_answer_to)
                    if drop:
                        self.drop_answer_to = None
                        self.dropped.append(line.decode())
                if drop:
                    return  # the connection closes with the answer unsent
                downstream.sendall(answer)
        except OSError:
            return
        finally:
            downstream.close()
            upstream.close()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def __enter__(self) -> LossyProxy:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
