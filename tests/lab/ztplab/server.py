"""Run the app with uvicorn on a loopback socket and announce the URL once it is ready."""
from __future__ import annotations

import asyncio
import os
import socket

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import create_app, current_transport


class LabH11Protocol(H11Protocol):
    """Publishes the connection's transport to the request task (reset_connection faults)."""

    def data_received(self, data: bytes) -> None:
        current_transport.set(self.transport)
        super().data_received(data)


def write_atomically(path: str, text: str) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as handle:
        handle.write(text)
    os.replace(tmp, path)


def serve(defaults: dict, host: str, port: int, url_file: str | None) -> None:
    _app, asgi = create_app(defaults)
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the socket's
    # proto says TCP; without it a response's second write waits ~40 ms for the client's
    # delayed ACK (Nagle) on every kept-alive request.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    url = f"http://{host}:{sock.getsockname()[1]}"
    config = uvicorn.Config(asgi, http=LabH11Protocol, lifespan="off", log_level="warning",
                            access_log=False, timeout_keep_alive=30)
    server = uvicorn.Server(config)

    async def main():
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                return await task
            await asyncio.sleep(0.01)
        if url_file:
            write_atomically(url_file, url + "\n")
        print(f"ztplab listening on {url}", flush=True)
        await task

    asyncio.run(main())
