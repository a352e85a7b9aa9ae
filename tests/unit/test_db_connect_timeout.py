"""A PostgreSQL that hangs instead of refusing (issue 17's drills: a dead host, a dropped route)
is given up after CONNECT_TIMEOUT seconds and counts as the database being away, so that the
autosave retries and the UI says so, instead of a worker waiting until TCP gives up."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from sqlalchemy import text

from services.persistence.db import CONNECT_TIMEOUT, _make_engine, is_unavailable


def test_a_database_that_never_answers_is_given_up_in_time() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    held: list[object] = []  # accepted, never answered

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept())
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    port = listener.getsockname()[1]
    engine = _make_engine(f"postgresql+psycopg://webcert@127.0.0.1:{port}/webcert")
    started = time.monotonic()
    try:
        with pytest.raises(Exception) as refused, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        listener.close()
        engine.dispose()
    assert time.monotonic() - started < CONNECT_TIMEOUT + 3
    assert is_unavailable(refused.value)
