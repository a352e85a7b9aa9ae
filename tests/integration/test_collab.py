"""Who has a certificate open (services.presence) and priority on a draft (§4.2.2): the last
opener holds it; saves from other views are refused; plain viewers are never named.

Every rule runs against the in-process store and against Redis (mandatory when CI=true).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from services import identity, lifecycle, presence
from services.errors import Conflict
from services.settings import get_settings
from tests.conftest import redis_available, require_or_skip
from tests.factories import ADMIN, DOCTOR, TOLVAN, UNIT

COLLAB_REDIS_URL = "redis://127.0.0.1:6379/6"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if request.param == "redis":
        require_or_skip(redis_available(), "Redis at 127.0.0.1:6379")
        monkeypatch.setattr(get_settings(), "redis_url", COLLAB_REDIS_URL)
    else:
        monkeypatch.setattr(get_settings(), "redis_url", None)
    presence.clear()
    yield request.param
    presence.clear()


async def _login(hsa_id: str = DOCTOR) -> identity.SessionUser:
    token = await identity.login(hsa_id, UNIT, origin="TEST")
    return identity.get_session(token)


def test_last_opener_holds_and_priority_passes_back(store: str) -> None:
    snap = presence.open_draft("c1", "tab-a", name="Ajla Doktor")
    assert snap.holder_token == "tab-a" and snap.tokens() == ["tab-a"]
    snap = presence.open_draft("c1", "tab-b", name="Alva Vårdadministratör")
    assert snap.holder_token == "tab-b" and snap.holder_name == "Alva Vårdadministratör"
    assert snap.tokens() == ["tab-a", "tab-b"]
    # "Fortsätt redigera" is a new opening.
    assert presence.open_draft("c1", "tab-a", name="Ajla Doktor").holder_token == "tab-a"
    # A reconnecting tab keeps its place instead of taking priority.
    assert presence.open_draft("c1", "tab-b", name="Alva", rejoin=True).holder_token == "tab-a"
    # A rejoin by a tab that is not a viewer is an opening.
    assert presence.open_draft("c1", "tab-c", name="Cecilia", rejoin=True).holder_token == "tab-c"
    # The holder leaves: the most recent remaining opener gets priority.
    snap = presence.leave("c1", "tab-c")
    assert snap is not None and snap.holder_token == "tab-a"
    snap = presence.leave("c1", "tab-a")
    assert snap is not None and snap.holder_token == "tab-b"
    # Leaving twice (two workers noticing the same disconnect) is reported once.
    assert presence.leave("c1", "tab-a") is None
    assert presence.active_certificates() == ["c1"]
    assert presence.leave("c1", "tab-b") == presence.Snapshot("c1")
    assert presence.active_certificates() == [] and presence.snapshot("c1").holder is None


def test_plain_viewers_are_registered_but_never_hold_priority(store: str) -> None:
    """One registry: a tab showing a signed certificate or a draft it may not edit gets live
    updates (``viewers``) but is no editor and never the holder."""
    snap = presence.show("c1", "tab-v", name="Vera Visare", unit_id="U1")
    assert snap.tokens() == ["tab-v"] and snap.holder is None and snap.editors == ()
    assert presence.viewers("c1") == ["tab-v"]
    snap = presence.open_draft("c1", "tab-a", name="Ajla Doktor", unit_id="U1")
    assert snap.holder_token == "tab-a" and [v.token for v in snap.editors] == ["tab-a"]
    assert sorted(presence.viewers("c1")) == ["tab-a", "tab-v"]
    # An editor that only shows the certificate now (it was signed) gives priority up ...
    snap = presence.show("c1", "tab-a", name="Ajla Doktor", unit_id="U1")
    assert snap.holder is None and sorted(snap.tokens()) == ["tab-a", "tab-v"]
    # ... and the info is whatever the tab said last (another user logged in in that tab).
    snap = presence.open_draft("c1", "tab-v", name="Zandor Tandläkare", unit_id="U2")
    holder = snap.holder
    assert holder is not None and (holder.name, holder.unit_id) == ("Zandor Tandläkare", "U2")
    as_dicts = {d["token"]: d for d in snap.as_dicts()}
    assert as_dicts["tab-v"]["editing"] == "true" and as_dicts["tab-a"]["editing"] == ""
    assert as_dicts["tab-v"]["unit_id"] == "U2"


def test_a_holder_on_another_unit_is_not_named(store: str) -> None:
    presence.open_draft("c1", "tab-z", name="Zandor Tandläkare", unit_id="ZETA")
    presence.open_draft("c1", "tab-a", name="Ajla Doktor", unit_id="ALFA")
    presence.open_draft("c1", "tab-z", name="Zandor Tandläkare", unit_id="ZETA")
    with pytest.raises(presence.NotHolder) as err:
        presence.require_holder("c1", "tab-a", unit_id="ALFA")
    assert "Zandor" not in err.value.message
    assert err.value.message.startswith("En annan användare har nu förtur")


def test_drafts_are_independent(store: str) -> None:
    presence.open_draft("c1", "tab-a", name="A")
    presence.open_draft("c2", "tab-b", name="B")
    assert presence.snapshot("c1").tokens() == ["tab-a"]
    assert presence.snapshot("c2").tokens() == ["tab-b"]
    assert sorted(presence.active_certificates()) == ["c1", "c2"]


def test_require_holder_names_the_holder(store: str) -> None:
    presence.open_draft("c1", "tab-a", name="Ajla Doktor")
    presence.open_draft("c1", "tab-b", name="Alva Vårdadministratör")
    presence.require_holder("c1", "tab-b")
    with pytest.raises(presence.NotHolder) as err:
        presence.require_holder("c1", "tab-a")
    assert "Alva Vårdadministratör har nu förtur att färdigställa utkastet" in err.value.message
    assert isinstance(err.value, Conflict)
    # A draft nobody has open is claimed by the saving view.
    presence.require_holder("c9", "tab-z", name="Zorro")
    assert presence.snapshot("c9").holder_token == "tab-z"


def test_bad_arguments_are_refused(store: str) -> None:
    for bad in ("", None, 5, "x" * 300):
        with pytest.raises(ValueError):
            presence.open_draft("c1", bad, name="A")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            presence.open_draft(bad, "tab", name="A")  # type: ignore[arg-type]


async def test_concurrent_openings_leave_exactly_one_holder(store: str) -> None:
    tokens = [f"tab-{i}" for i in range(20)]
    await asyncio.gather(*[asyncio.to_thread(presence.open_draft, "c1", t, name=t) for t in tokens])
    snap = presence.snapshot("c1")
    assert sorted(snap.tokens()) == sorted(tokens)
    holders = 0
    for t in tokens:
        try:
            presence.require_holder("c1", t)
            holders += 1
        except presence.NotHolder:
            pass
    assert holders == 1


def _save_ovrigt(
    user: identity.SessionUser, cert_id: str, text: str, version: int, viewer: str | None = None
) -> lifecycle.SaveResult:
    """Save ``text`` as Övrigt over ``version``, from the open view ``viewer`` (None: no view)."""
    return lifecycle.save_draft(
        user, cert_id, content={"ovrigt": text}, expected_version=version, viewer=viewer
    )


async def test_save_from_a_view_without_priority_is_refused(store: str, migrated_db, sim) -> None:
    doctor, admin = await _login(), await _login(ADMIN)
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    presence.open_draft(cert.id, "tab-a", name=doctor.name)
    saved = _save_ovrigt(doctor, cert.id, "A", 1, "tab-a")
    presence.open_draft(cert.id, "tab-b", name=admin.name)
    with pytest.raises(presence.NotHolder) as err:
        _save_ovrigt(doctor, cert.id, "A2", saved.version, "tab-a")
    assert f"{admin.name} har nu förtur" in err.value.message
    # The holder saves; a stale version from the holder is still refused (compare-and-set).
    saved2 = _save_ovrigt(admin, cert.id, "B", saved.version, "tab-b")
    with pytest.raises(Conflict):
        _save_ovrigt(admin, cert.id, "B-old", saved.version, "tab-b")
    # A takes priority back (Fortsätt redigera) and continues from the latest version.
    presence.open_draft(cert.id, "tab-a", name=doctor.name)
    _save_ovrigt(doctor, cert.id, "A3", saved2.version, "tab-a")
    got = lifecycle.get_certificate(doctor, cert.id)
    assert got.content["ovrigt"] == "A3" and got.version == saved2.version + 1
    # Without a viewer the old behaviour stands (e.g. the EHR API).
    _save_ovrigt(doctor, cert.id, "API", got.version)


async def test_concurrent_saves_from_20_views_one_holder_wins(store: str, migrated_db, sim) -> None:
    """20 views save the same version at once: only the holder's save can win; every refused
    save raises (nothing is lost silently) and the stored content is the winner's."""
    doctor = await _login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=TOLVAN)
    tokens = [f"tab-{i}" for i in range(20)]
    for t in tokens:
        presence.open_draft(cert.id, t, name=doctor.name)
    holder = presence.snapshot(cert.id).holder_token

    def attempt(i: int) -> str:
        try:
            _save_ovrigt(doctor, cert.id, str(i), 1, tokens[i])
            return "won"
        except presence.NotHolder:
            return "not-holder"
        except Conflict:
            return "stale"

    results = await asyncio.gather(*[asyncio.to_thread(attempt, i) for i in range(20)])
    assert results.count("won") == 1 and results.count("not-holder") == 19
    winner = results.index("won")
    assert tokens[winner] == holder
    got = lifecycle.get_certificate(doctor, cert.id)
    assert got.version == 2 and got.content["ovrigt"] == str(winner)
