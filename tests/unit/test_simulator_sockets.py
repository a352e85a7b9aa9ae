"""The simulators' listening sockets set TCP_NODELAY, which accepted connections inherit: a
response written in two parts (headers, then body) must not wait for the client's delayed ACK
(it cost 44 ms per PU lookup, and so per autosave — issue 17's profile)."""

from __future__ import annotations

import socket

from simulators.runner import _bind


def test_listening_sockets_send_small_writes_at_once() -> None:
    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        sock.close()


def test_an_accepted_connection_inherits_it() -> None:
    listener = _bind("127.0.0.1", 0)
    listener.listen(1)
    client = socket.create_connection(listener.getsockname()[:2])
    accepted, _ = listener.accept()
    try:
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (accepted, client, listener):
            s.close()
