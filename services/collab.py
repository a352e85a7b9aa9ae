"""Who has priority on a draft (manual §4.2.2): the one who opened it last.

Several users (or tabs) may have the same draft open. Each open page is a *viewer*, identified by
its browser tab's client token. Opening the draft (or choosing "Fortsätt redigera", which counts
as opening it again) makes the viewer the *holder*; everyone else sees the draft read-only. When
the holder leaves (closes the tab, loses the connection, opens something else), priority passes
to the most recent remaining opener.

    open_draft(cert_id, token, name=..., hsa_id=...)  -> Snapshot (holder and viewers)
    leave(cert_id, token)                             -> Snapshot, or None if not a viewer
    snapshot(cert_id)                                 -> Snapshot
    require_holder(cert_id, token, name=...)          raises NotHolder unless token holds it

Storage: with ``settings.redis_url`` everything is in Redis, shared by every backend worker
(per draft: a sorted set token -> opening sequence number, a hash token -> info and a counter;
plus a set of drafts that have viewers, for the disconnect sweeper). Each change is one Lua
script, so concurrent openings on different workers are atomic. Without Redis the registry is in
this process, which is correct for the single-worker default only.

The API is synchronous (a Redis round trip on the loopback takes well under a millisecond) so
that the synchronous save path (services.drafts.save_draft) can use it. Nothing here imports
Reflex.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from services.errors import Conflict
from services.settings import get_settings

__all__ = [
    "NotHolder",
    "Snapshot",
    "Viewer",
    "active_drafts",
    "clear",
    "leave",
    "open_draft",
    "require_holder",
    "snapshot",
]

_PREFIX = "webcert:collab:"
_DRAFTS = _PREFIX + "drafts"
KEY_TTL = 12 * 60 * 60  # seconds; a registry left behind by dead workers disappears


class NotHolder(Conflict):
    """A save from a view that does not have priority on the draft."""

    code = "NOT_PRIORITY_HOLDER"


@dataclass(frozen=True)
class Viewer:
    token: str
    name: str
    hsa_id: str
    seq: int  # opening order: higher = opened later


@dataclass(frozen=True)
class Snapshot:
    """The viewers of a draft, earliest opening first; the holder is the latest opener."""

    cert_id: str
    viewers: tuple[Viewer, ...] = field(default_factory=tuple)

    @property
    def holder(self) -> Viewer | None:
        return self.viewers[-1] if self.viewers else None

    @property
    def holder_token(self) -> str:
        return self.viewers[-1].token if self.viewers else ""

    @property
    def holder_name(self) -> str:
        return self.viewers[-1].name if self.viewers else ""

    def tokens(self) -> list[str]:
        return [v.token for v in self.viewers]

    def has(self, token: str) -> bool:
        return any(v.token == token for v in self.viewers)

    def as_dicts(self) -> list[dict[str, str]]:
        """The viewers as plain data (server side only: client tokens are secrets)."""
        return [{"token": v.token, "name": v.name, "hsa_id": v.hsa_id} for v in self.viewers]


# --- checks ----------------------------------------------------------------------------------
def _check(cert_id: Any, token: Any) -> tuple[str, str]:
    if not isinstance(cert_id, str) or not cert_id or len(cert_id) > 200:
        raise ValueError("certificate id must be a non-empty string")
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ValueError("client token must be a non-empty string")
    return cert_id, token


def _clean(text: Any, limit: int = 200) -> str:
    return text[:limit] if isinstance(text, str) else ""


# --- in-process store ------------------------------------------------------------------------
_lock = threading.Lock()
_local: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}  # cert -> token -> (seq, info)
_seq = 0


def _local_snapshot(cert_id: str) -> Snapshot:
    entries = sorted(_local.get(cert_id, {}).items(), key=lambda kv: kv[1][0])
    return Snapshot(
        cert_id,
        tuple(
            Viewer(token, info.get("name", ""), info.get("hsa_id", ""), seq)
            for token, (seq, info) in entries
        ),
    )


# --- Redis store -----------------------------------------------------------------------------
_clients: dict[str, Any] = {}

# KEYS: zset, hash, seq, drafts; ARGV: token, info json, cert id, ttl, rejoin ("1"/"0")
_OPEN = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not (ARGV[5] == '1' and score) then
  local seq = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[1], seq, ARGV[1])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[4])) end
return 1
"""
# KEYS: zset, hash, seq, drafts; ARGV: token, cert id
_LEAVE = """
local removed = redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  redis.call('SREM', KEYS[4], ARGV[2])
end
return removed
"""


def _redis():  # type: ignore[no-untyped-def]
    """A (thread-safe, pooled) synchronous Redis client, or None without settings.redis_url."""
    url = get_settings().redis_url
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=2, socket_connect_timeout=2
        )
        client._webcert_open = client.register_script(_OPEN)
        client._webcert_leave = client.register_script(_LEAVE)
        _clients[url] = client
    return client


def _keys(cert_id: str) -> list[str]:
    base = _PREFIX + cert_id
    return [base + ":open", base + ":info", base + ":seq", _DRAFTS]


def _redis_snapshot(client: Any, cert_id: str) -> Snapshot:
    zkey, hkey = _keys(cert_id)[:2]
    with client.pipeline(transaction=True) as pipe:
        pipe.zrange(zkey, 0, -1, withscores=True)
        pipe.hgetall(hkey)
        entries, infos = pipe.execute()
    viewers = []
    for token, score in entries:
        try:
            info = json.loads(infos.get(token) or "{}")
        except ValueError:
            info = {}
        viewers.append(Viewer(token, info.get("name", ""), info.get("hsa_id", ""), int(score)))
    return Snapshot(cert_id, tuple(viewers))


# --- the rules -------------------------------------------------------------------------------
def open_draft(
    cert_id: str, token: str, *, name: str, hsa_id: str = "", rejoin: bool = False
) -> Snapshot:
    """``token`` opens the draft: it becomes a viewer and the holder (the latest opener).

    With ``rejoin`` a token that is already a viewer keeps its place (a reconnecting tab is
    not a new opening); a token that is not a viewer yet is a new opening either way.
    """
    cert_id, token = _check(cert_id, token)
    info = {"name": _clean(name) or "Okänd användare", "hsa_id": _clean(hsa_id)}
    client = _redis()
    if client is None:
        global _seq
        with _lock:
            entries = _local.setdefault(cert_id, {})
            if rejoin and token in entries:
                entries[token] = (entries[token][0], info)
            else:
                _seq += 1
                entries[token] = (_seq, info)
            return _local_snapshot(cert_id)
    client._webcert_open(
        keys=_keys(cert_id),
        args=[token, json.dumps(info), cert_id, KEY_TTL, "1" if rejoin else "0"],
    )
    return _redis_snapshot(client, cert_id)


def leave(cert_id: str, token: str) -> Snapshot | None:
    """``token`` no longer shows the draft; returns the new snapshot, or None if it was not a
    viewer (so that of several workers noticing the same departure only one reports it)."""
    cert_id, token = _check(cert_id, token)
    client = _redis()
    if client is None:
        with _lock:
            entries = _local.get(cert_id)
            if entries is None or token not in entries:
                return None
            del entries[token]
            if not entries:
                _local.pop(cert_id, None)
            return _local_snapshot(cert_id)
    removed = client._webcert_leave(keys=_keys(cert_id), args=[token, cert_id])
    return _redis_snapshot(client, cert_id) if removed else None


def snapshot(cert_id: str) -> Snapshot:
    """The viewers and the holder of a draft now."""
    if not isinstance(cert_id, str) or not cert_id:
        return Snapshot("")
    client = _redis()
    if client is None:
        with _lock:
            return _local_snapshot(cert_id)
    return _redis_snapshot(client, cert_id)


def active_drafts() -> list[str]:
    """Drafts that have at least one viewer (for the disconnect sweeper)."""
    client = _redis()
    if client is None:
        with _lock:
            return list(_local)
    return sorted(client.smembers(_DRAFTS))


def require_holder(cert_id: str, token: str, *, name: str = "", hsa_id: str = "") -> None:
    """Refuse (NotHolder) unless ``token`` has priority on the draft.

    A draft nobody has open (e.g. the registry was lost in a restart) is claimed by ``token``:
    nobody else can be editing it, and the save itself is still compare-and-set on the version.
    """
    cert_id, token = _check(cert_id, token)
    current = snapshot(cert_id)
    if current.holder is None:
        current = open_draft(cert_id, token, name=name, hsa_id=hsa_id)
    if current.holder_token == token:
        return
    who = current.holder_name or "En annan användare"
    raise NotHolder(
        f"{who} har nu förtur att färdigställa utkastet. Dina senaste ändringar har inte "
        "sparats — välj Fortsätt redigera för att ta över utkastet igen."
    )


def clear() -> None:
    """Forget every registration (tests)."""
    global _seq
    with _lock:
        _local.clear()
        _seq = 0
    client = _redis()
    if client is not None:
        for key in client.scan_iter(_PREFIX + "*"):
            client.delete(key)
