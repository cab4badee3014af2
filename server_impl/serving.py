"""Running an ASGI app under uvicorn, with several worker processes sharing one listening socket.

uvicorn's multi-process mode binds its socket as ``socket.socket(family)``, whose protocol number
is 0. asyncio sets ``TCP_NODELAY`` only on accepted sockets whose protocol is ``IPPROTO_TCP``, so
every connection of those workers kept Nagle's algorithm: a small response waited for the client's
delayed ACK, about 40 ms per request on Linux (measured: a bare FastAPI app fell from 5,800 to 725
requests per second going from one worker to two). Binding the socket here with ``IPPROTO_TCP``
gives the workers' connections ``TCP_NODELAY``, as one worker already had.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

__all__ = ["bind_tcp_socket", "main", "run"]


def bind_tcp_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket (protocol ``IPPROTO_TCP``, so asyncio sets ``TCP_NODELAY`` on its connections).

    Raises:
        OSError: The address cannot be bound (in use, not local...).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted sockets on Linux
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def run(
    target: str,
    *,
    host: str,
    port: int,
    workers: int = 1,
    factory: bool = True,
    log_level: str | None = None,
    access_log: bool = True,
) -> None:
    """Serve ``target`` (``module:attribute``) with ``workers`` processes.

    Raises:
        OSError: The address cannot be bound.
    """
    options: dict[str, Any] = {"factory": factory, "host": host, "port": port, "log_level": log_level}
    if workers <= 1:  # uvicorn's own path: its sockets already have TCP_NODELAY, and it exits 3 on a failed start
        uvicorn.run(target, access_log=access_log, **options)
        return
    config = uvicorn.Config(target, workers=workers, access_log=access_log, **options)
    sock = bind_tcp_socket(host, port)
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()


def main(argv: list[str] | None = None) -> int:
    """``python -m server_impl.serving module:attribute``, with uvicorn's options of the same names."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("target")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--factory", action="store_true", help="TARGET is a function returning the app.")
    parser.add_argument("--log-level", default=None)
    parser.add_argument("--no-access-log", dest="access_log", action="store_false")
    args = parser.parse_args(argv)
    run(
        args.target,
        host=args.host,
        port=args.port,
        workers=args.workers,
        factory=args.factory,
        log_level=args.log_level,
        access_log=args.access_log,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
