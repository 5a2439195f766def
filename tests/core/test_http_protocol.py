"""The HTTP protocol ``altpay serve`` runs uvicorn with, on real sockets."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import uvicorn

from altpay.core.http.protocol import HeaderTimeoutProtocol

SCENARIO_SECONDS = 10


async def _hello(_scope: Any, _receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"hello"})


def test_a_connection_sends_without_delay_from_a_socket_bound_for_several_workers() -> None:
    # The listening socket uvicorn binds for --workers N carries no protocol number, and
    # asyncio then leaves Nagle's algorithm on: a response's body waited for the client's
    # delayed ACK of its head, 40 ms a request.
    config = uvicorn.Config(
        _hello, host="127.0.0.1", port=0, http=HeaderTimeoutProtocol, log_config=None
    )
    listening = config.bind_socket()
    assert listening.proto == 0  # what asyncio's own TCP_NODELAY skips
    server = uvicorn.Server(config)

    async def scenario() -> int:
        serving = asyncio.create_task(server.serve(sockets=[listening]))
        while not server.started:
            await asyncio.sleep(0.01)
        reader, writer = await asyncio.open_connection(*listening.getsockname())
        try:
            writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
            (connection,) = server.server_state.connections
            accepted = connection.transport.get_extra_info("socket")
            return int(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        finally:
            writer.close()
            server.should_exit = True
            await serving

    assert asyncio.run(asyncio.wait_for(scenario(), SCENARIO_SECONDS)) == 1
