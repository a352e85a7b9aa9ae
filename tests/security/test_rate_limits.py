"""Item 7: wrong API keys, launch-token use and the API as a whole are rate limited per
client and per key: 429 with Retry-After and a Swedish JSON error; counters in Redis when
``redis_url`` is set (several workers share them)."""

from __future__ import annotations

import uuid

import pytest

from services.settings import get_settings
from tests.conftest import REDIS_URL, redis_available, require_or_skip
from tests.security.conftest import KEY, create_draft, launch_url
from webcert_ui import security


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
