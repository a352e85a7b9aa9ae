"""state.socket_owners: a tab whose worker was killed reconnects with its own token (issue 17).

Two Reflex Redis token managers on one redis-server of the test's own: the first runs in a
process of its own (a worker) that links a tab's token and is then killed (SIGKILL: it never
deletes its socket record). The tab reconnects to the second: it keeps its token — and so its
state — instead of being taken for a duplicate tab and started empty. A duplicate of a tab
whose worker is alive still gets a new token, as in Reflex.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.settings import PROJECT_ROOT as ROOT
from tests.conftest import require_or_skip
from tests.redis_server import OwnRedis

pytestmark = [pytest.mark.redis]
WORKER = textwrap.dedent(
    """
    import asyncio, sys
    import redis.asyncio as aioredis
    from reflex.utils.token_manager import RedisTokenManager
    from state import socket_owners

    socket_owners.install()

    async def relayed(update, token):
        print("relayed", token, flush=True)

    async def main():
        manager = RedisTokenManager(aioredis.Redis.from_url(sys.argv[1]))
        manager.ensure_lost_and_found_task(relayed)  # as Reflex does on a connect
        assert await manager.link_token_to_sid(sys.argv[2], "sid-on-the-worker") is None
        print("linked", manager.instance_id, flush=True)
        await asyncio.sleep(600)

    asyncio.run(main())
    """
)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    require_or_skip(shutil.which("redis-server") is not None, "redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def _worker(redis_url: str, token: str) -> subprocess.Popen[str]:
    """A worker (process) with a tab connected; its instance id is ``proc.instance_id``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, redis_url, token],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    said, proc.instance_id = proc.stdout.readline().split()  # type: ignore[attr-defined]
    assert said == "linked"
    return proc


async def _reconnect(redis_url: str, token: str, *, link: bool = True) -> tuple[str | None, bool]:
    """The tab connects to another worker: (the new token Reflex hands out, or None;
    whether the tab is connected by then, as the presence sweeper asks). ``link`` False:
    only ask."""
    import redis.asyncio as aioredis
    from reflex.utils.token_manager import RedisTokenManager

    other = RedisTokenManager(aioredis.Redis.from_url(redis_url))
    try:
        connected = await other.is_token_connected(token)
        if not link:
            return None, connected
        return await other.link_token_to_sid(token, "sid-after-reconnect"), connected
    finally:
        with contextlib.suppress(Exception):
            await other.close()


@pytest.fixture
def installed() -> Iterator[None]:
    from reflex.utils.token_manager import RedisTokenManager

    from state import socket_owners

    saved = RedisTokenManager.link_token_to_sid, RedisTokenManager.is_token_connected
    socket_owners.install()
    try:
        yield
    finally:
        RedisTokenManager.link_token_to_sid, RedisTokenManager.is_token_connected = saved


def test_a_tab_of_a_killed_worker_keeps_its_token(own_redis: OwnRedis, installed: None) -> None:
    redis_url, token = own_redis.url, str(uuid.uuid4())
    worker = _worker(redis_url, token)
    worker.kill()
    worker.wait(10)
    new_token, connected = asyncio.run(_reconnect(redis_url, token))
    assert not connected  # the sweeper lets the dead worker's tab go
    assert new_token is None  # the same token: the tab's state (and unsaved edit) is kept


def test_a_duplicate_of_a_tab_on_a_live_worker_gets_a_new_token(
    own_redis: OwnRedis, installed: None
) -> None:
    redis_url, token = own_redis.url, str(uuid.uuid4())
    worker = _worker(redis_url, token)
    try:
        new_token, connected = asyncio.run(_reconnect(redis_url, token))
    finally:
        worker.kill()
        worker.wait(10)
    assert connected
    assert new_token is not None and new_token != token


def test_after_a_redis_restart_a_worker_announces_its_tabs_again(
    own_redis: OwnRedis, installed: None
) -> None:
    """A restarted Redis has no socket records: the worker writes those of its connected tabs
    again, so that other workers can relay pushes to them (drill "Redis restarts")."""
    token = str(uuid.uuid4())
    worker = _worker(own_redis.url, token)
    try:
        own_redis.kill()
        time.sleep(1)
        own_redis.start()
        deadline = time.monotonic() + 60
        while not asyncio.run(_reconnect(own_redis.url, token, link=False))[1]:
            assert time.monotonic() < deadline, "the worker's tab was not announced again"
            time.sleep(0.5)
    finally:
        worker.kill()
        worker.wait(10)


def test_after_a_long_redis_outage_pushes_are_relayed_again(
    own_redis: OwnRedis, installed: None
) -> None:
    """Reflex's relay of other workers' pushes gives up after 5 failures in a minute (Redis
    away for more than a few seconds); the worker starts it again when Redis is back."""
    import pickle
    import threading

    import redis
    from reflex.state import StateUpdate
    from reflex.utils.token_manager import LostAndFoundRecord

    token = str(uuid.uuid4())
    worker = _worker(own_redis.url, token)
    relayed = threading.Event()

    def read() -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            if line.split() == ["relayed", token]:
                relayed.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        own_redis.kill()
        time.sleep(8)  # Reflex's subscriber tasks fail 5 times (1 s apart) and give up
        own_redis.start()
        client = redis.Redis(port=own_redis.port)
        record = pickle.dumps(LostAndFoundRecord(token=token, update=StateUpdate()))
        deadline = time.monotonic() + 60
        while not relayed.is_set():  # another worker pushes to the tab
            assert time.monotonic() < deadline, "the push was not relayed after the outage"
            client.publish(f"channel:token_manager_lost_and_found_{worker.instance_id}", record)  # type: ignore[attr-defined]
            relayed.wait(1)
    finally:
        worker.kill()
        worker.wait(10)
