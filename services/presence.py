"""Who has a certificate page open, and who has priority on a draft (manual §4.2.2).

One registry per certificate of every browser tab (Reflex client token) that shows its page:

- a tab that shows the certificate without editing it (a signed certificate, a draft the user
  may not change) is a plain *viewer*: it receives live updates (question threads arriving from
  Försäkringskassan, a draft's changes) but is never named in the presence badge;
- a tab that opens a draft it may edit is an *editor*. Opening the draft (or choosing
  "Fortsätt redigera", which counts as opening it again) makes it the *holder*: the editor that
  opened it last. Everyone else sees the draft read-only. When the holder leaves (closes the
  tab, loses the connection, opens something else) priority passes to the most recent
  remaining opener.

    show(cert_id, token, name=..., hsa_id=..., unit_id=...)       -> Snapshot (a viewer)
    open_draft(cert_id, token, name=..., hsa_id=..., unit_id=...) -> Snapshot (an editor)
    leave(cert_id, token)                  -> Snapshot, or None if the tab was not there
    snapshot(cert_id)                      -> Snapshot (every viewer, the holder)
    viewers(cert_id)                       -> the client tokens showing the certificate
    active_certificates()                  -> certificates that have a viewer (the sweeper)
    require_holder(cert_id, token, ...)    raises NotHolder unless the tab holds the draft

A tab is in the registry of one certificate at a time for one person: every registration
replaces what the tab said before (a tab whose user logged in as somebody else is that other
person from its next registration on). The state layer registers a tab when its page opens a
certificate and removes it from the previous one.

Storage: with ``settings.redis_url`` everything is in Redis, shared by every backend worker
(per certificate: a sorted set token -> opening sequence number (0 for a plain viewer), a hash
token -> info and a counter; plus a set of certificates that have viewers, for the disconnect
sweeper). Each change is one Lua script, so concurrent openings on different workers are
atomic. Without Redis the registry is in this process, which is correct for the single-worker
default only. A closed tab cannot say that it left: the sweeper (state.live_collab) removes the
tabs whose websocket is gone, and every key expires ``KEY_TTL`` after its last change.

The API is synchronous (a Redis round trip on the loopback takes well under a millisecond) so
that the synchronous save path (services.lifecycle.save_draft) can use it. Nothing here imports
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
    "KEY_TTL",
    "NotHolder",
    "Snapshot",
    "Viewer",
    "active_certificates",
    "clear",
    "leave",
    "open_draft",
    "require_holder",
    "show",
    "snapshot",
    "viewers",
]

_PREFIX = "webcert:presence:"
_ACTIVE = _PREFIX + "active"
KEY_TTL = 12 * 60 * 60  # seconds; a registry left behind by dead workers disappears


class NotHolder(Conflict):
    """A save from a view that does not have priority on the draft."""

    code = "NOT_PRIORITY_HOLDER"


@dataclass(frozen=True)
class Viewer:
    token: str
    name: str
    hsa_id: str
    seq: int  # opening order as an editor: higher = opened later; 0 = a plain viewer
    unit_id: str = ""  # the care unit the person works on in that tab

    @property
    def editing(self) -> bool:
        return self.seq > 0


@dataclass(frozen=True)
class Snapshot:
    """The viewers of a certificate, plain viewers first, then the editors in opening order;
    the holder is the editor that opened the draft last."""

    cert_id: str
    viewers: tuple[Viewer, ...] = field(default_factory=tuple)

    @property
    def editors(self) -> tuple[Viewer, ...]:
        return tuple(v for v in self.viewers if v.editing)

    @property
    def holder(self) -> Viewer | None:
        editors = self.editors
        return editors[-1] if editors else None

    @property
    def holder_token(self) -> str:
        holder = self.holder
        return holder.token if holder else ""

    @property
    def holder_name(self) -> str:
        holder = self.holder
        return holder.name if holder else ""

    def tokens(self) -> list[str]:
        return [v.token for v in self.viewers]

    def has(self, token: str) -> bool:
        return any(v.token == token for v in self.viewers)

    def as_dicts(self) -> list[dict[str, str]]:
        """The viewers as plain data (server side only: client tokens are secrets)."""
        return [
            {
                "token": v.token,
                "name": v.name,
                "hsa_id": v.hsa_id,
                "unit_id": v.unit_id,
                "editing": "true" if v.editing else "",
            }
            for v in self.viewers
        ]


# --- checks ----------------------------------------------------------------------------------
def _check(cert_id: Any, token: Any) -> tuple[str, str]:
    if not isinstance(cert_id, str) or not cert_id or len(cert_id) > 200:
        raise ValueError("certificate id must be a non-empty string")
    if not isinstance(token, str) or not token or len(token) > 200:
        raise ValueError("client token must be a non-empty string")
    return cert_id, token


def _clean(text: Any, limit: int = 200) -> str:
    return text[:limit] if isinstance(text, str) else ""


def _info(name: Any, hsa_id: Any, unit_id: Any) -> dict[str, str]:
    return {
        "name": _clean(name) or "Okänd användare",
        "hsa_id": _clean(hsa_id),
        "unit_id": _clean(unit_id),
    }


def _viewer(token: str, info: dict[str, Any], seq: int) -> Viewer:
    return Viewer(
        token,
        str(info.get("name", "")),
        str(info.get("hsa_id", "")),
        seq,
        str(info.get("unit_id", "")),
    )


# --- in-process store ------------------------------------------------------------------------
_lock = threading.Lock()
_local: dict[str, dict[str, tuple[int, dict[str, str]]]] = {}  # cert -> token -> (seq, info)
_seq = 0


def _local_snapshot(cert_id: str) -> Snapshot:
    entries = sorted(_local.get(cert_id, {}).items(), key=lambda kv: (kv[1][0], kv[0]))
    return Snapshot(cert_id, tuple(_viewer(token, info, seq) for token, (seq, info) in entries))


def _local_register(cert_id: str, token: str, info: dict[str, str], mode: str) -> Snapshot:
    global _seq
    with _lock:
        entries = _local.setdefault(cert_id, {})
        current = entries.get(token)
        if mode == "show":
            entries[token] = (0, info)
        elif mode == "rejoin" and current is not None and current[0] > 0:
            entries[token] = (current[0], info)
        else:
            _seq += 1
            entries[token] = (_seq, info)
        return _local_snapshot(cert_id)


# --- Redis store -----------------------------------------------------------------------------
_clients: dict[str, Any] = {}

# KEYS: zset, hash, seq, active; ARGV: token, info json, cert id, ttl, mode (show/open/rejoin)
_REGISTER = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ARGV[5] == 'show' then
  redis.call('ZADD', KEYS[1], 0, ARGV[1])
elseif not (ARGV[5] == 'rejoin' and score and tonumber(score) > 0) then
  local seq = redis.call('INCR', KEYS[3])
  redis.call('ZADD', KEYS[1], seq, ARGV[1])
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[4], ARGV[3])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], tonumber(ARGV[4])) end
return 1
"""
# KEYS: zset, hash, seq, active; ARGV: token, cert id
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
        client._webcert_register = client.register_script(_REGISTER)
        client._webcert_leave = client.register_script(_LEAVE)
        _clients[url] = client
    return client


def _keys(cert_id: str) -> list[str]:
    base = _PREFIX + cert_id
    return [base + ":open", base + ":info", base + ":seq", _ACTIVE]


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
        viewers.append(_viewer(token, info if isinstance(info, dict) else {}, int(score)))
    return Snapshot(cert_id, tuple(viewers))


def _register(
    cert_id: Any, token: Any, *, name: Any, hsa_id: Any, unit_id: Any, mode: str
) -> Snapshot:
    cert_id, token = _check(cert_id, token)
    info = _info(name, hsa_id, unit_id)
    client = _redis()
    if client is None:
        return _local_register(cert_id, token, info, mode)
    client._webcert_register(
        keys=_keys(cert_id), args=[token, json.dumps(info), cert_id, KEY_TTL, mode]
    )
    return _redis_snapshot(client, cert_id)


# --- the rules -------------------------------------------------------------------------------
def show(
    cert_id: str, token: str, *, name: str = "", hsa_id: str = "", unit_id: str = ""
) -> Snapshot:
    """``token`` shows the certificate without editing it: a plain viewer (never the holder;
    an editor that becomes a plain viewer, e.g. after signing, gives priority up)."""
    return _register(cert_id, token, name=name, hsa_id=hsa_id, unit_id=unit_id, mode="show")


def open_draft(
    cert_id: str,
    token: str,
    *,
    name: str,
    hsa_id: str = "",
    unit_id: str = "",
    rejoin: bool = False,
) -> Snapshot:
    """``token`` opens the draft to edit it: it becomes an editor and the holder.

    With ``rejoin`` a token that is already an editor keeps its place (a reconnecting tab is
    not a new opening); a token that is not an editor yet is a new opening either way.
    """
    mode = "rejoin" if rejoin else "open"
    return _register(cert_id, token, name=name, hsa_id=hsa_id, unit_id=unit_id, mode=mode)


def leave(cert_id: str, token: str) -> Snapshot | None:
    """``token`` no longer shows the certificate; returns the new snapshot, or None if it was
    not a viewer (so that of several workers noticing the same departure only one reports it)."""
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
    """The viewers and the holder of a certificate now."""
    if not isinstance(cert_id, str) or not cert_id or len(cert_id) > 200:
        return Snapshot("")
    client = _redis()
    if client is None:
        with _lock:
            return _local_snapshot(cert_id)
    return _redis_snapshot(client, cert_id)


def viewers(cert_id: str) -> list[str]:
    """The client tokens of every tab that shows the certificate."""
    return snapshot(cert_id).tokens()


def active_certificates() -> list[str]:
    """Certificates that have at least one viewer (for the disconnect sweeper)."""
    client = _redis()
    if client is None:
        with _lock:
            return list(_local)
    return sorted(client.smembers(_ACTIVE))


def require_holder(
    cert_id: str, token: str, *, name: str = "", hsa_id: str = "", unit_id: str = ""
) -> None:
    """Refuse (NotHolder) unless ``token`` has priority on the draft.

    A draft nobody edits (e.g. the registry was lost in a restart) is claimed by ``token``:
    nobody else can be editing it, and the save itself is still compare-and-set on the version.
    """
    cert_id, token = _check(cert_id, token)
    current = snapshot(cert_id)
    if current.holder is None:
        current = open_draft(cert_id, token, name=name, hsa_id=hsa_id, unit_id=unit_id)
    if current.holder_token == token:
        return
    holder = current.holder
    same_unit = holder is not None and (not unit_id or holder.unit_id in ("", unit_id))
    who = current.holder_name if same_unit and current.holder_name else "En annan användare"
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
