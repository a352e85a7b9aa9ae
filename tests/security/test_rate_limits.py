"""Item 7: wrong API keys, launch-token use and the API as a whole are rate limited per
client and per key: 429 with Retry-After and a Swedish JSON error; counters in Redis when
``redis_url`` is set (several workers share them)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.requests import Request

from services.settings import get_settings
from tests.conftest import REDIS_URL, redis_available, require_or_skip
from tests.security.conftest import BASE, KEY, create_draft, launch_url
from webcert_ui import security
from webcert_ui.api import make_api


def _assert_429(r) -> None:  # type: ignore[no-untyped-def]
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    error = r.json()["error"]
    assert error["code"] == "RATE_LIMITED" and "För många förfrågningar" in error["message"]


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    settings = get_settings()
    monkeypatch.setattr(settings, "rate_limit_bad_key", "3/minute")
    monkeypatch.setattr(settings, "rate_limit_api", "8/minute")
    monkeypatch.setattr(settings, "rate_limit_launch", "2/minute")
    security.reset_limits()
    return settings


async def test_wrong_api_keys_are_limited_per_client(client, small_limits) -> None:
    for _ in range(3):
        r = await client.get("/api/v1/units/X/certificates", headers={"X-Api-Key": "gissning"})
        assert r.status_code == 401
    _assert_429(await client.get("/api/v1/units/X/certificates", headers={"X-Api-Key": "fel"}))
    # Once locked out, even the right key waits: guessing must not pay off.
    _assert_429(await client.get("/api/v1/units/X/certificates", headers=KEY))


async def test_the_api_as_a_whole_is_limited_per_client_and_key(client, small_limits) -> None:
    statuses = [
        (await client.get("/api/v1/certificates/finns-inte", headers=KEY)).status_code
        for _ in range(8)
    ]
    assert statuses == [404] * 8
    _assert_429(await client.get("/api/v1/certificates/finns-inte", headers=KEY))


async def test_launch_token_use_is_limited_per_client(client, small_limits) -> None:
    small_limits.rate_limit_api = "100/minute"
    cert_id = await create_draft(client)
    for _ in range(2):
        r = await client.get(await launch_url(client, cert_id))
        assert r.status_code == 303
    _assert_429(await client.get(await launch_url(client, cert_id)))


async def test_counters_live_in_redis_when_configured(small_limits, monkeypatch) -> None:
    require_or_skip(redis_available(), "Redis at 127.0.0.1:6379")
    prefix = f"webcert-test-limits-{uuid.uuid4().hex[:8]}"
    first = security.Limits(REDIS_URL, prefix=prefix)
    second = security.Limits(REDIS_URL, prefix=prefix)  # another worker, same Redis
    from limits import parse

    item = parse("3/minute")
    assert [await first.hit(item, "bad-key", "10.0.0.1") for _ in range(2)] == [0, 0]
    assert await second.hit(item, "bad-key", "10.0.0.1") == 0
    assert await first.hit(item, "bad-key", "10.0.0.1") > 0  # the third was counted there
    assert await second.exhausted(item, "bad-key", "10.0.0.2") == 0  # per client
    import redis

    conn = redis.Redis.from_url(REDIS_URL)
    keys = conn.keys(prefix + "*")
    assert keys
    conn.delete(*keys)


def test_the_limiter_uses_redis_when_redis_url_is_set(monkeypatch) -> None:
    monkeypatch.setattr(get_settings(), "redis_url", REDIS_URL)
    security.reset_limits()
    assert "Redis" in type(security.limits().limiter.storage).__name__
    monkeypatch.setattr(get_settings(), "redis_url", None)
    security.reset_limits()
    assert "Memory" in type(security.limits().limiter.storage).__name__


# --- behind a reverse proxy: X-Forwarded-For only from a trusted proxy ---------------------------
PROXY = "10.20.0.5"


@asynccontextmanager
async def _from(peer: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose TCP peer address is ``peer`` (the app sees it as request.client)."""
    transport = httpx.ASGITransport(app=make_api(), client=(peer, 40000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as c:
        yield c


async def _wrong_key(c: httpx.AsyncClient, forwarded: str | None) -> int:
    headers = {"X-Api-Key": "gissning"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return (await c.get("/api/v1/units/X/certificates", headers=headers)).status_code


@pytest.mark.parametrize("trusted", ["", "10.99.0.0/16"])
async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(
    client, small_limits, trusted
) -> None:
    """A client talking to the app directly cannot pick a fresh identity per request."""
    small_limits.trusted_proxies = trusted
    async with _from("192.0.2.7") as direct:
        statuses = [await _wrong_key(direct, f"198.51.100.{n}") for n in range(4)]
    assert statuses == [401, 401, 401, 429]


async def test_clients_behind_a_trusted_proxy_are_limited_separately(client, small_limits) -> None:
    small_limits.trusted_proxies = f"{PROXY}, 10.30.0.0/24"
    async with _from(PROXY) as proxy:
        # Client A, through two proxies; what A itself wrote left of its address never counts.
        first = [
            await _wrong_key(proxy, f"198.51.100.{n}, 203.0.113.1, 10.30.0.9") for n in range(3)
        ]
        assert first == [401, 401, 401]
        assert await _wrong_key(proxy, "203.0.113.1") == 429  # A is locked out
        assert await _wrong_key(proxy, "203.0.113.2") == 401  # B is not
        assert await _wrong_key(proxy, None) == 401  # the proxy itself (no header) is not


def test_the_client_address_rules() -> None:
    settings = get_settings()

    def seen(peer: str, forwarded: str | None) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
        return security.client_of(
            Request({"type": "http", "client": (peer, 1), "headers": headers})
        )

    original = settings.trusted_proxies
    try:
        settings.trusted_proxies = ""
        assert seen("192.0.2.1", "203.0.113.1") == "192.0.2.1"
        settings.trusted_proxies = "10.0.0.0/8,::1"
        assert seen("192.0.2.1", "203.0.113.1") == "192.0.2.1"
        assert seen("10.0.0.1", "203.0.113.1, 10.0.0.2") == "203.0.113.1"
        assert seen("::1", "2001:db8::1") == "2001:db8::1"
        assert seen("10.0.0.1", "10.0.0.3, 10.0.0.2") == "10.0.0.3"  # only proxies: the first
        assert seen("10.0.0.1", "skräp") == "10.0.0.1"  # no address: the proxy counts
        assert seen("10.0.0.1", None) == "10.0.0.1"
    finally:
        settings.trusted_proxies = original
