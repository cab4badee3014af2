"""Several server processes share one socket whose connections send small answers at once."""

import socket

from server_impl.serving import bind_tcp_socket


def test_connections_of_the_shared_socket_have_nagle_off() -> None:
    """uvicorn's own multi-worker socket left Nagle on: every answer waited ~40 ms for a delayed ACK."""
    listener = bind_tcp_socket("127.0.0.1", 0)
    listener.listen()
    client = socket.create_connection(listener.getsockname()[:2])
    connection, _ = listener.accept()
    try:
        assert connection.proto == socket.IPPROTO_TCP  # so asyncio sets TCP_NODELAY on its transport
        assert connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert listener.get_inheritable(), "the worker processes inherit it"
    finally:
        connection.close()
        client.close()
        listener.close()
