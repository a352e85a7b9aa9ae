"""HTTP hardening around every response of the app (pages, API, deep link, testability).

- Security headers through the maintained ``secure`` library's ASGI middleware: a
  Content-Security-Policy the Reflex production build runs under, ``frame-ancestors 'none'``
  (and X-Frame-Options), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``
  (our URLs carry certificate ids), a Permissions-Policy, and HSTS when served over https.
- Rate limits through the ``limits`` library: per client address and per API key for the API,
  per client for wrong API keys and for launch-token use (the deep link). Behind a reverse
  proxy listed in ``trusted_proxies`` the client is read from X-Forwarded-For (``client_of``).
  Counters live in memory, or in Redis when ``redis_url`` is set, so several workers share
  them. A refusal is a 429 with Retry-After and a Swedish JSON error.

The CSP allows scripts from our own origin and, by their SHA-256 hashes, exactly the inline
scripts React Router writes into the built HTML pages (read from the build folder), never
``unsafe-inline`` for scripts, so injected markup cannot run script. ``unsafe-eval`` stays:
Reflex 0.10.1's event loop evals the JavaScript source of every ``_call_function`` event a
backend handler returns (our toasts and scroll_to) — docs/security.md has the search of the
build and the reasoning, tests/security/test_csp_eval.py fails when that changes. Styles
need ``unsafe-inline``: Radix and emotion set style attributes and insert style elements.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address
from pathlib import Path
from typing import Any

import secure
from limits import RateLimitItem, parse
from limits import storage as limit_storage
from limits.aio.strategies import MovingWindowRateLimiter
from secure.middleware.asgi import SecureASGIMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.settings import get_settings, parse_networks

log = logging.getLogger(__name__)

ASGIApp = Callable[..., Awaitable[None]]
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


# --- Content-Security-Policy -----------------------------------------------------------------
def build_dir() -> Path:
    """Where ``reflex run --env prod`` puts the built pages (relative to the app folder)."""
    return Path.cwd() / ".web" / "build" / "client"


def inline_script_hashes(folder: Path) -> list[str]:
    """CSP hash sources of every inline script in the built HTML pages."""
    hashes: set[str] = set()
    for page in sorted(folder.rglob("*.html")) if folder.is_dir() else []:
        for body in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8", errors="replace")):
            if body.strip():
                digest = hashlib.sha256(body.encode()).digest()
                hashes.add("'sha256-" + base64.b64encode(digest).decode() + "'")
    return sorted(hashes)


def content_security_policy(script_hashes: list[str], ws_origins: list[str]) -> str:
    csp = (
        secure.ContentSecurityPolicy()
        .default_src("'self'")
        # 'unsafe-eval': Reflex runs server-sent _call_function events (rx.toast,
        # rx.scroll_to) with eval; only our own backend can send those (docs/security.md).
        .script_src("'self'", "'unsafe-eval'", *(script_hashes or ["'unsafe-inline'"]))
        .style_src("'self'", "'unsafe-inline'")
        .img_src("'self'", "data:", "blob:")
        .font_src("'self'", "data:")
        .connect_src("'self'", *ws_origins)
        .object_src("'none'")
        .base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
        .frame_src("'self'", "blob:", "data:")
    )
    return csp.header_value


def _ws_origins() -> list[str]:
    return [
        origin.replace("https://", "wss://").replace("http://", "ws://")
        for origin in get_settings().public_origins()
    ]


@lru_cache(maxsize=4)
def _headers(script_hashes: tuple[str, ...], https: bool, ws: tuple[str, ...]) -> secure.Secure:
    return secure.Secure(
        csp=secure.ContentSecurityPolicy().set(
            content_security_policy(list(script_hashes), list(ws))
        ),
        hsts=secure.StrictTransportSecurity().max_age(31536000).include_subdomains()
        if https
        else None,
        permissions=secure.PermissionsPolicy()
        .camera()
        .microphone()
        .geolocation()
        .payment()
        .usb()
        .add_directive("interest-cohort"),
        referrer=secure.ReferrerPolicy().no_referrer(),
        xcto=secure.XContentTypeOptions().nosniff(),
        xfo=secure.XFrameOptions().deny(),
        coop=secure.CrossOriginOpenerPolicy().same_origin(),
    )


_hash_cache: dict[str, Any] = {"checked": 0.0, "hashes": ()}


def current_headers() -> secure.Secure:
    """The header set for the build being served (the build folder is read every 30 s)."""
    now = time.monotonic()
    if now - _hash_cache["checked"] > 30 or not _hash_cache["checked"]:
        _hash_cache["hashes"] = tuple(inline_script_hashes(build_dir()))
        _hash_cache["checked"] = now
    https = get_settings().public_url.lower().startswith("https://")
    return _headers(_hash_cache["hashes"], https, tuple(_ws_origins()))


class SecurityHeaders(SecureASGIMiddleware):
    """``secure``'s ASGI middleware, with the CSP following the build being served."""

    def __init__(self, app: object) -> None:
        super().__init__(app, secure=current_headers())

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope.get("type") == "http":
            self.secure = current_headers()
        await super().__call__(scope, receive, send)


def with_security_headers(app: ASGIApp) -> ASGIApp:
    """Reflex ``api_transformer``: wrap the whole ASGI app (pages, API, websocket)."""
    return SecurityHeaders(app)


# --- rate limits --------------------------------------------------------------------------------
class Limits:
    """Named limits over one storage (memory, or Redis when configured)."""

    def __init__(self, redis_url: str | None, prefix: str = "webcert-limits") -> None:
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            store: Any = limit_storage.storage_from_string(
                uri, implementation="redispy", key_prefix=prefix
            )
        else:
            store = limit_storage.storage_from_string("async+memory://")
        self.limiter = MovingWindowRateLimiter(store)

    async def hit(self, item: RateLimitItem, *identifiers: str) -> int:
        """Count one request; 0 when allowed, else the seconds until the next is."""
        if await self.limiter.hit(item, *identifiers):
            return 0
        stats = await self.limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def exhausted(self, item: RateLimitItem, *identifiers: str) -> int:
        """Without counting: 0 when a request would be allowed, else the seconds to wait."""
        if await self.limiter.test(item, *identifiers):
            return 0
        stats = await self.limiter.get_window_stats(item, *identifiers)
        return max(1, math.ceil(stats.reset_time - time.time()))


_limits: dict[str, Limits] = {}


def reset_limits() -> None:
    """Forget the limiters (their in-memory counters); tests start each case afresh."""
    _limits.clear()


def limits() -> Limits:
    redis_url = get_settings().redis_url or ""
    if redis_url not in _limits:
        _limits[redis_url] = Limits(redis_url or None)
    return _limits[redis_url]


def too_many(retry_after: int) -> Response:
    return JSONResponse(
        {
            "error": {
                "code": "RATE_LIMITED",
                "message": (
                    f"För många förfrågningar. Vänta {retry_after} sekunder och försök sedan igen."
                ),
                "field": None,
            }
        },
        429,
        headers={"Retry-After": str(retry_after)},
    )


@lru_cache(maxsize=8)
def _trusted(setting: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return parse_networks(setting)
    except ValueError:
        log.error("WEBCERT_TRUSTED_PROXIES is not valid; X-Forwarded-For is ignored")
        return ()


def _is_trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_of(request: Request) -> str:
    """The client a limit counts for: the peer address, or behind a trusted reverse proxy
    the right-most X-Forwarded-For address that is not itself a trusted proxy.

    X-Forwarded-For is read only when the peer is a trusted proxy (``trusted_proxies``): a
    client talking to the app directly cannot choose its own identity. Each proxy appends the
    address it saw, so the entries left of the right-most untrusted one are the client's own
    claims and never count.
    """
    peer = request.client.host if request.client else "unknown"
    networks = _trusted(get_settings().trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a proxy wrote something that is no address: count the proxy
    return hops[0] if hops else peer


def _key_id(request: Request) -> str:
    key = request.headers.get("x-api-key", "") or request.headers.get("authorization", "")
    return hashlib.sha256(key.encode()).hexdigest()[:32] if key else ""


async def check_api(request: Request) -> Response | None:
    """Before an API call: the client's and the key's budget, and the client's wrong keys."""
    settings = get_settings()
    client = client_of(request)
    wait = await limits().exhausted(parse(settings.rate_limit_bad_key), "bad-key", client)
    if not wait:
        wait = await limits().hit(parse(settings.rate_limit_api), "api-client", client)
    if not wait and (key := _key_id(request)):
        wait = await limits().hit(parse(settings.rate_limit_api), "api-key", key)
    return too_many(wait) if wait else None


async def record_bad_key(request: Request) -> None:
    await limits().hit(parse(get_settings().rate_limit_bad_key), "bad-key", client_of(request))


async def check_launch(request: Request) -> Response | None:
    """Before using a launch token (the deep link): the client's budget."""
    wait = await limits().hit(parse(get_settings().rate_limit_launch), "launch", client_of(request))
    return too_many(wait) if wait else None
