"""A redis-server of a test's own, for tests that restart Redis or change its configuration
(the shared server at 127.0.0.1:6379 must not be disturbed). No persistence: a restart loses
everything, as a real Redis restart without persistence would."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path


class OwnRedis:
    """A redis-server on a free loopback port, its files in ``tmp``; :meth:`start` it."""

    def __init__(self, tmp: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or start again) and wait until it answers."""
        import redis

        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        self.proc = subprocess.Popen(
            ["redis-server", *args, "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(200):
            with contextlib.suppress(redis.ConnectionError):
                if redis.Redis(port=self.port).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None
