"""Issue 15 items 8 and 9: the komplettering draft (§6.3.1) through the FK simulator over HTTP.

8. The draft shows, beside it, the open kompletteringsbegäran of the certificate it complements.
9. "Signera och skicka": signing a komplettering sends it to Försäkringskassan in the same action,
   also when a vårdadministratör prepared it and marked it ready for signing.
"""

from __future__ import annotations

import pytest

from services import lifecycle, questions
from services.persistence.models import CertificateStatus as S
from tests.factories import (
    ADMIN,
    complete_fk7804,
    events,
    komplt,
    load,
    login,
    outage,
    received,
    sent,
)
from tests.factories import question as thread


async def test_item8_complement_draft_shows_the_open_request(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    k = komplt(sim, api_url, cert.id)
    draft = await questions.complement_with_new_certificate(doctor, cert.id)
    view = await questions.list_threads(doctor, draft.id)
    assert view.available and view.unavailable_text == ""
    assert [t.id for t in view.complement_threads] == [k]
    request = view.complement_threads[0]
    assert request.message == "Vi behöver mer information."
    assert [(c.question_id, c.text, c.dom_id) for c in request.complements] == [
        ("ovrigt", "Beskriv aktivitetsbegränsningen.", "q-ovrigt")
    ]
    assert view.framed_fields == ("ovrigt",)
    assert view.complements_certificate_id == cert.id
    # read-only beside the draft: answered by signing and sending the draft, nothing else
    assert not (view.can_complement or view.can_cannot_complement or view.allowed)
    assert not (request.can_answer or request.can_mark_handled)
    # a draft that complements nothing shows no request
    plain = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=cert.patient_id)
    other = await questions.list_threads(doctor, plain.id)
    assert other.complement_threads == () and other.complements_certificate_id == ""


async def test_item9_signing_a_komplettering_sends_it(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    k = komplt(sim, api_url, cert.id)
    draft = await questions.complement_with_new_certificate(doctor, cert.id)
    saved = lifecycle.save_draft(
        doctor, draft.id, content=complete_fk7804(ovrigt="Mer"), expected_version=draft.version
    )
    assert lifecycle.sends_when_signed(load(draft.id))
    done = await lifecycle.sign(doctor, draft.id, expected_version=saved.version)
    assert done.status == S.SENT and done.sent_at is not None
    assert draft.id in [c["certificate_id"] for c in received(sim)["certificates"]]
    assert thread(k).handled and thread(k).answered_with_certificate_id == draft.id
    assert events(draft.id)[-2:] == ["SIGNAT", "SKICKA"]
    # an ordinary draft is only signed
    plain = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer=cert.patient_id)
    saved = lifecycle.save_draft(doctor, plain.id, content=complete_fk7804(), expected_version=1)
    assert not lifecycle.sends_when_signed(load(plain.id))
    assert (await lifecycle.sign(doctor, plain.id)).status == S.SIGNED


async def test_item9_administrator_marks_ready_and_the_doctor_signs_and_sends(
    migrated_db,
    sim,
    api_url,
) -> None:
    doctor, admin = await login(), await login(ADMIN)
    cert = await sent(doctor)
    k = komplt(sim, api_url, cert.id)
    draft = await questions.complement_with_new_certificate(admin, cert.id)
    lifecycle.save_draft(
        admin, draft.id, content=complete_fk7804(ovrigt="Mer"), expected_version=draft.version
    )
    ready = await lifecycle.mark_ready_for_signing(admin, draft.id)
    assert ready.status == S.READY_FOR_SIGNING and not thread(k).handled
    done = await lifecycle.sign(doctor, draft.id)
    assert done.status == S.SENT
    assert thread(k).handled and thread(k).answered_with_certificate_id == draft.id


async def test_item9_fk_down_leaves_it_signed_and_says_so(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    k = komplt(sim, api_url, cert.id)
    draft = await questions.complement_with_new_certificate(doctor, cert.id)
    lifecycle.save_draft(
        doctor, draft.id, content=complete_fk7804(), expected_version=draft.version
    )
    outage(sim, "fk", True)
    try:
        with pytest.raises(lifecycle.SignedNotSent) as caught:
            await lifecycle.sign(doctor, draft.id)
    finally:
        outage(sim, "fk", False)
    assert "signerat men har inte skickats" in caught.value.message
    assert load(draft.id).status == S.SIGNED and not thread(k).handled
    assert (await lifecycle.send(doctor, draft.id, patient_consent=True)).status == S.SENT
    assert thread(k).handled
