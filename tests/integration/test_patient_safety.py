"""Issue 15, patient safety and correctness, over the simulators (real HTTP), on SQLite and
PostgreSQL: Swedish local time on paper, the 14-day lock at once, PU-tjänsten outage on save,
the issuer block's address and phone, and a recipient that refuses a revocation."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdf
import pytest

from services import clock, lifecycle, printing, testdata
from services.errors import PuUnavailable, ServiceUnavailable, WebcertError
from services.persistence.models import CertificateStatus
from services.rights import Action, InvalidState
from services.settings import get_settings
from tests.factories import DOCTOR, TOLVAN, UNIT, complete_fk7804, draft, force, load, login, outage
from tests.reflex_harness import state_for

S = CertificateStatus
PDFS = Path(__file__).resolve().parents[2] / "artifacts" / "pdfs"


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.mark.parametrize(
    ("utc", "local"),
    [
        # Summer time (CEST, UTC+2) and winter time (CET, UTC+1).
        (datetime(2027, 7, 14, 11, 11, tzinfo=UTC), "2027-07-14 13:11"),
        (datetime(2027, 1, 14, 12, 11, tzinfo=UTC), "2027-01-14 13:11"),
    ],
)
async def test_signing_time_and_issuer_unit_on_paper(
    migrated_db, sim, monkeypatch, utc: datetime, local: str
) -> None:
    """Items 2 and 5: the full and the minimal PDF say when it was signed in Swedish local
    time (as the page does), and the issuer block has the care unit's address and phone."""
    monkeypatch.setattr(get_settings(), "testability_enabled", True)
    clock.set_offset((utc - datetime.now(UTC)).total_seconds())
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    signed = await lifecycle.sign(doctor, cert.id)
    assert signed.issuer["unit_address"] == doctor.unit.address != ""
    utc_text = utc.strftime("%Y-%m-%d %H:%M")
    for minimal in (False, True):
        doc = await printing.print_certificate(doctor, cert.id, minimal=minimal)
        PDFS.mkdir(parents=True, exist_ok=True)  # kept for looking at (artifacts/ in CI)
        kind = "minimal" if minimal else "full"
        (PDFS / f"issue15-{utc:%B}-{kind}.pdf".lower()).write_bytes(doc.data)
        text = _pdf_text(doc.data)
        assert local in text, (minimal, text[-600:])
        assert utc_text not in text
        for expected in (
            doctor.unit.name,
            doctor.unit.address,
            f"{doctor.unit.postal_code} {doctor.unit.city}",
            doctor.unit.phone,
        ):
            assert expected and expected in text, (minimal, expected)
    from services.certificate_views import (
        status_text,  # the page's status line, formatted by services.localtime
    )

    assert f"signerat {local}" in status_text(load(cert.id))  # says the same time


async def test_unit_address_for_a_certificate_without_issuer_snapshot(migrated_db, sim) -> None:
    """Item 5: a signed certificate made by the testability API has no issuer snapshot; its
    PDF still has the care unit's address and phone (from HSA, the printing user's unit)."""
    cert = await testdata.create_certificate_in_state(
        {
            "type": "fk7804",
            "personnummer": TOLVAN,
            "hsa_id": DOCTOR,
            "unit_id": UNIT,
            "status": "SIGNED",
            "content": complete_fk7804(),
        }
    )
    doctor = await login()
    text = _pdf_text((await printing.print_certificate(doctor, cert.id, minimal=True)).data)
    assert doctor.unit.address in text and doctor.unit.phone in text


@pytest.mark.parametrize("how", ["open", "save", "sign", "read"])
async def test_draft_older_than_14_days_is_locked_at_once(migrated_db, sim, how: str) -> None:
    """Item 3 (§4.1): a draft created 15 days ago is locked on open, save and sign, without
    waiting for the job (which is never run here)."""
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804(ovrigt="gammalt"))
    force(cert.id, created_at=clock.now() - timedelta(days=15))
    young = await draft(doctor)
    force(young.id, created_at=clock.now() - timedelta(days=13, hours=23))
    if how == "open":
        view = await lifecycle.open_certificate(doctor, cert.id)
        assert view.certificate.status == S.LOCKED
        assert Action.EDIT not in view.actions and Action.SIGN not in view.actions
    elif how == "save":
        with pytest.raises(InvalidState):
            lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "x"}, expected_version=2)
    elif how == "sign":
        with pytest.raises(InvalidState):
            await lifecycle.sign(doctor, cert.id)
    else:
        assert lifecycle.get_certificate(doctor, cert.id).status == S.LOCKED
    stored = load(cert.id)
    assert stored.status == S.LOCKED and stored.locked_at is not None
    assert stored.content["ovrigt"] == "gammalt"
    # The lock stays (committed although the action was refused); a young draft is untouched.
    assert lifecycle.lock_expired_drafts() == 0
    assert (await lifecycle.open_certificate(doctor, young.id)).certificate.status == S.DRAFT


async def test_save_is_refused_while_pu_is_down(migrated_db, sim) -> None:
    """Item 4 (§4.10.2): PU-tjänsten stops answering while the draft is open: the autosave
    is refused (nothing written) and so is every action; afterwards saving works again."""
    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    version = load(cert.id).version
    outage(sim, "pu", True)
    try:
        with pytest.raises(PuUnavailable):
            lifecycle.save_draft(doctor, cert.id, content={"ovrigt": "x"}, expected_version=version)
        with pytest.raises(PuUnavailable):
            await lifecycle.sign(doctor, cert.id)
        assert load(cert.id).version == version and "ovrigt" not in load(cert.id).content
    finally:
        outage(sim, "pu", False)
    saved = lifecycle.save_draft(
        doctor, cert.id, content=complete_fk7804(ovrigt="x"), expected_version=version
    )
    assert saved.version == version + 1


async def test_revoke_tells_refused_from_not_answering(migrated_db, sim) -> None:
    """Item 6: Försäkringskassan does not know the certificate (it was never sent there):
    the user is told that it was refused, not that FK is not answering; when FK is down,
    that it is not answering. Nothing is revoked either way."""
    cert = await testdata.create_certificate_in_state(
        {
            "type": "fk7804",
            "personnummer": TOLVAN,
            "hsa_id": DOCTOR,
            "unit_id": UNIT,
            "status": "SENT",
            "content": complete_fk7804(),
        }
    )
    doctor = await login()
    with pytest.raises(WebcertError) as refused:
        await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    assert refused.value.code == "RECIPIENT_REFUSED"
    assert "svarar inte" not in refused.value.message
    assert "Försäkringskassan tog inte emot makuleringen" in refused.value.message
    assert "Intyget är inte mottaget" in refused.value.message  # FK's own reason
    assert "Intyget har inte makulerats" in refused.value.message
    assert load(cert.id).status == S.SENT
    outage(sim, "fk", True)
    try:
        with pytest.raises(ServiceUnavailable) as down:
            await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    finally:
        outage(sim, "fk", False)
    assert down.value.code == "RECIPIENT_UNAVAILABLE"
    assert "Försäkringskassan svarar inte just nu" in down.value.message
    assert load(cert.id).status == S.SENT


def test_badge_never_names_another_care_unit() -> None:
    """Item 1: whatever the registry holds, the badge lists only editors of this draft on the
    user's own care unit, and a holder on another unit is not named."""
    from state.certificate import CertificateState

    st = state_for(CertificateState, "no-session")
    st._can_edit, st._unit_id = True, "ALFA"
    me = {"token": "t-me", "name": "Ajla Doktor", "unit_id": "ALFA", "editing": "true"}
    viewer = {"token": "t-v", "name": "Vera Visare", "unit_id": "ALFA", "editing": ""}
    zeta = {"token": "t-z", "name": "Zandor Tandläkare", "unit_id": "ZETA", "editing": "true"}
    st._apply_collab([viewer, me, zeta], token="t-me")
    assert [(v["name"], v["me"]) for v in st.viewers] == [("Ajla Doktor", "true")]
    assert st.holder_name == "En användare på en annan vårdenhet" and not st.has_priority
    st._can_edit = False  # not an editable draft (signed, or not this user's to edit)
    st._apply_collab([me, zeta], token="t-me")
    assert st.viewers == [] and st.holder_name == "" and st.has_priority


async def test_pu_watch_notices_an_outage_and_its_end(migrated_db, sim, monkeypatch) -> None:
    """Item 4: the watch of open pages asks PU-tjänsten only while a certificate page is open
    and tells the pages of a change (a save that hit an outage counts, however short it was).
    There is no running app here, so what would be pushed to the pages is recorded."""
    from services import patients, presence
    from state import pu_watch

    told: list[bool] = []

    async def tell(down: bool) -> int:
        told.append(down)
        return 1

    monkeypatch.setattr(get_settings(), "redis_url", None)
    monkeypatch.setattr(pu_watch, "_down", False)
    monkeypatch.setattr(pu_watch, "_push", tell)
    presence.clear()
    patients.take_noticed_down()  # an outage an earlier test's save saw is not this test's
    assert await pu_watch.check_once() is None  # nothing open: PU-tjänsten is not asked
    doctor = await login()
    cert = await draft(doctor)
    presence.show(cert.id, "tab-watch", name=doctor.name, unit_id=UNIT)
    try:
        assert await pu_watch.check_once() is False and told == []
        outage(sim, "pu", True)
        try:
            assert await pu_watch.check_once() is True
            assert await pu_watch.check_once() is True  # told once, not at every look
        finally:
            outage(sim, "pu", False)
        assert await pu_watch.check_once() is False
        assert told == [True, False]
        # An outage only a save saw (shorter than the watch interval) still ends with "up",
        # so the page that save locked opens again.
        outage(sim, "pu", True)
        try:
            with pytest.raises(PuUnavailable):
                lifecycle.save_draft(doctor, cert.id, content={}, expected_version=1)
        finally:
            outage(sim, "pu", False)
        assert await pu_watch.check_once() is False
        assert told == [True, False, False]
    finally:
        presence.clear()
