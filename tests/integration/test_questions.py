"""Ärendekommunikation (§6, §4.6, §4.9.1, §7) through the FK simulator over real HTTP.

Webcert's API (webcert_ui.api) runs on a loopback port in a thread, so the FK simulator posts
to its inbound endpoint exactly as Försäkringskassan would; SQLite and PostgreSQL.
"""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from services import lifecycle, questions
from services.errors import InvalidInput, NotAuthorized, PuUnavailable, ServiceUnavailable
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, QuestionThread, RelationKind
from services.persistence.models import CertificateStatus as S
from services.rights import InvalidState
from services.settings import get_settings
from tests.factories import (
    ADMIN,
    DENTIST,
    DENTIST_UNIT,
    complete_fk7804,
    events,
    fk,
    inbound,
    komplt,
    load,
    login,
    outage,
    received,
    sent,
    signed,
)
from tests.factories import (
    question as thread,
)


def threads(cert_id: str) -> list[QuestionThread]:
    with session_scope() as s:
        return list(
            s.exec(select(QuestionThread).where(QuestionThread.certificate_id == cert_id)).all()
        )


# --- §6.1 ask, §6.2 FK answers, Hanterad ---------------------------------------------------------
async def test_ask_fk_answer_and_handle(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    questions.save_question_draft(doctor, cert.id, topic="KONTKT", text="Halvklar fråga")
    view = await questions.list_threads(doctor, cert.id)
    assert (view.draft_topic, view.draft_text) == ("KONTKT", "Halvklar fråga")  # autosaved
    asked = await questions.ask(doctor, cert.id, topic="KONTKT", text="Ring mig gärna.")
    got = received(sim)["questions"]
    assert got[-1]["message"]["id"] == asked.id and got[-1]["message"]["type"] == "QUESTION"
    view = await questions.list_threads(doctor, cert.id)
    assert view.admin_threads[0].id == asked.id and view.draft_text == ""
    assert "NYFRFV" in events(cert.id)
    # FK answers through the simulator → inbound endpoint → NYSVFM
    r = fk(sim, "/admin/answer", {"questionId": asked.id, "text": "Vi ringer i morgon."}, api_url)
    assert r.status_code == 200 and r.json()["status_code"] == 201, r.text
    q = thread(asked.id)
    assert q.answer == "Vi ringer i morgon." and not q.handled
    assert "NYSVFM" in events(cert.id)
    await questions.mark_handled(doctor, cert.id, asked.id, handled=True)
    assert thread(asked.id).handled and "HANFRFV" in events(cert.id)
    # a second answer to the same question is refused, nothing changes
    r = fk(sim, "/admin/answer", {"questionId": asked.id, "text": "Igen"}, api_url)
    assert r.json()["status_code"] == 409
    assert thread(asked.id).answer == "Vi ringer i morgon."


async def test_ask_with_fk_down_stores_nothing(migrated_db, sim) -> None:
    doctor = await login()
    cert = await sent(doctor)
    questions.save_question_draft(doctor, cert.id, topic="OVRIGT", text="Fråga")
    outage(sim, "fk", True)
    try:
        with pytest.raises(ServiceUnavailable):
            await questions.ask(doctor, cert.id, topic="OVRIGT", text="Fråga")
    finally:
        outage(sim, "fk", False)
    assert threads(cert.id) == []
    assert (await questions.list_threads(doctor, cert.id)).draft_text == "Fråga"  # kept


async def test_questions_need_a_sent_certificate_and_pu(migrated_db, sim) -> None:
    doctor = await login()
    cert = await signed(doctor)
    with pytest.raises(InvalidState):
        await questions.ask(doctor, cert.id, topic="OVRIGT", text="x")
    cert = await lifecycle.send(doctor, cert.id, patient_consent=True)
    outage(sim, "pu", True)
    try:
        with pytest.raises(PuUnavailable):
            await questions.ask(doctor, cert.id, topic="OVRIGT", text="x")
        with pytest.raises(PuUnavailable):
            await questions.list_threads(doctor, cert.id)
    finally:
        outage(sim, "pu", False)
    with pytest.raises(InvalidInput):
        await questions.ask(doctor, cert.id, topic="KOMPLT", text="x")  # not a topic to ask
    with pytest.raises(InvalidInput):
        await questions.ask(doctor, cert.id, topic="OVRIGT", text="x" * 4001)


# --- inbound validation ---------------------------------------------------------------------------
async def test_inbound_validation_stores_nothing(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    not_sent = await signed(doctor)
    url = api_url + "/api/v1/messages"
    key = {"X-Api-Key": get_settings().fk_api_key}
    ok = {"certificateId": cert.id, "topic": "OVRIGT", "text": "Hej", "id": "fk-1"}
    r = httpx.post(url, json=ok)
    assert r.status_code == 401  # no FK credential
    r = httpx.post(url, json=ok, headers={"X-Api-Key": "demo-ehr-key"})
    assert r.status_code == 401  # an EHR key is not FK's
    cases = [
        ({**ok, "certificateId": "finns-inte"}, 404, "CERTIFICATE_NOT_FOUND"),
        ({**ok, "certificateId": not_sent.id}, 409, "NOT_SENT_TO_FK"),
        ({**ok, "topic": "NEJ"}, 400, "INVALID_TOPIC"),
        ({**ok, "text": "x" * 4001}, 400, "TEXT_TOO_LONG"),
        (
            {**ok, "topic": "KOMPLT", "complements": [{"questionId": "nej", "text": "?"}]},
            400,
            "INVALID_INPUT",
        ),
        ({**ok, "topic": "KOMPLT"}, 400, "INVALID_INPUT"),  # no field referenced
        ({**ok, "topic": "PAMINN"}, 400, "INVALID_INPUT"),  # reminds of nothing
        ({**ok, "topic": "PAMINN", "reminderOf": "okänd"}, 404, "QUESTION_NOT_FOUND"),
        ({**ok, "inReplyTo": "okänd"}, 404, "QUESTION_NOT_FOUND"),
    ]
    for body, status, code in cases:
        r = httpx.post(url, json=body, headers=key)
        assert r.status_code == status, (body, r.text)
        assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert threads(cert.id) == [] and events(cert.id).count("NYFRFM") == 0
    r = httpx.post(url, json=ok, headers=key)
    assert r.status_code == 201 and r.json()["kind"] == "QUESTION"
    r = httpx.post(url, json=ok, headers=key)
    assert r.status_code == 409 and r.json()["error"]["code"] == "DUPLICATE_MESSAGE"
    assert len(threads(cert.id)) == 1 and events(cert.id).count("NYFRFM") == 1
    with session_scope() as s:
        details = [a.detail for a in s.exec(select(AuditRecord)).all()]
    assert any("Fråga från FK" in d for d in details)


# --- §6.3 answer, §6.4 reminders ------------------------------------------------------------------
async def test_answer_handles_question_and_its_reminder(migrated_db, sim, api_url) -> None:
    admin = await login(ADMIN)
    cert = await sent(await login())
    q_id = inbound(sim, api_url, certificateId=cert.id, topic="AVSTMN", text="Möte?", id="fk-q")[
        "response"
    ]["id"]
    p_id = inbound(
        sim, api_url, certificateId=cert.id, topic="PAMINN", text="Påminnelse", reminderOf="fk-q"
    )["response"]["id"]
    assert thread(p_id).reminder_of == q_id
    with pytest.raises(InvalidState):  # Påminnelse cannot be answered
        await questions.answer(admin, cert.id, p_id, text="x")
    questions.save_answer_draft(admin, cert.id, q_id, text="Ja, på tisdag")
    view = await questions.list_threads(admin, cert.id)
    assert view.admin_threads[0].id == p_id  # newest first
    assert {t.id: t.answer_draft for t in view.admin_threads}[q_id] == "Ja, på tisdag"
    await questions.answer(admin, cert.id, q_id, text="Ja, på tisdag")  # every role may answer
    assert thread(q_id).handled and thread(p_id).handled
    msg = received(sim)["questions"][-1]["message"]
    assert msg["type"] == "ANSWER" and msg["inReplyTo"] == "fk-q"
    assert events(cert.id).count("HANFRFM") == 2
    view = await questions.list_threads(admin, cert.id)
    assert view.admin_threads[0].id == q_id  # answered → at the top
    await questions.answer(admin, cert.id, q_id, text="Ja, på tisdag")  # repeat: no 2nd send
    assert events(cert.id).count("HANFRFM") == 2


async def test_mark_handled_outside_webcert(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    q_id = inbound(sim, api_url, certificateId=cert.id, topic="KONTKT", text="Ring")["response"][
        "id"
    ]
    await questions.mark_handled(doctor, cert.id, q_id, handled=True)
    assert thread(q_id).handled and "HANFRFM" in events(cert.id)
    await questions.mark_handled(doctor, cert.id, q_id, handled=False)
    assert not thread(q_id).handled


# --- §6.3.1-§6.3.4 komplettering ----------------------------------------------------------------
async def test_scenario_a_complement_then_sign_and_send(migrated_db, sim, api_url) -> None:
    doctor = await login()
    admin = await login(ADMIN)
    cert = await sent(doctor)
    k1 = komplt(sim, api_url, cert.id)
    k2 = komplt(sim, api_url, cert.id)  # §6.3.3 several requests
    view = await questions.list_threads(admin, cert.id)
    assert view.can_complement and view.framed_fields == ("ovrigt",)
    ref = view.complement_threads[0].complements[0]
    assert ref.dom_id == "q-ovrigt" and ref.text == "Beskriv aktivitetsbegränsningen."
    draft = await questions.complement_with_new_certificate(admin, cert.id)  # admin prepares
    assert draft.relation_kind == RelationKind.COMPLEMENT and draft.parent_id == cert.id
    again = await questions.complement_with_new_certificate(doctor, cert.id)
    assert again.id == draft.id  # "Öppna utkastet" (§6.3.2)
    view = await questions.list_threads(doctor, cert.id)
    assert view.open_complement_draft_id == draft.id
    await lifecycle.delete_draft(doctor, draft.id)  # deleted → a new one may be made
    draft = await questions.complement_with_new_certificate(doctor, cert.id)
    lifecycle.save_draft(
        doctor, draft.id, content=complete_fk7804(ovrigt="Mer"), expected_version=1
    )
    await lifecycle.sign(doctor, draft.id)  # "Signera och skicka": sent in the same action
    for k in (k1, k2):
        assert thread(k).handled and thread(k).answered_with_certificate_id == draft.id
    assert events(cert.id).count("HANFRFM") == 2
    view = lifecycle.relations(doctor, cert.id)
    link = next(x for x in view.links if x.kind == "COMPLEMENT")
    assert link.text == "Kompletteringsbegäran besvarades med ett nytt intyg"
    assert link.certificate_id == draft.id and not link.is_draft
    # §6.3.4: cannot be complemented, renewed or replaced again
    komplt(sim, api_url, cert.id)
    with pytest.raises(InvalidState):
        await questions.complement_with_new_certificate(doctor, cert.id)
    with pytest.raises(InvalidState):
        await lifecycle.renew(doctor, cert.id)
    with pytest.raises(InvalidState):
        await lifecycle.replace(doctor, cert.id)
    opened = await lifecycle.open_certificate(doctor, cert.id)
    assert {a.value for a in opened.actions}.isdisjoint({"RENEW", "REPLACE"})


async def test_scenario_b_doctors_only(migrated_db, sim, api_url) -> None:
    doctor = await login()
    admin = await login(ADMIN)
    cert = await sent(doctor, ovrigt="Tidigare text")
    k = komplt(sim, api_url, cert.id)
    view = await questions.list_threads(admin, cert.id)
    assert not view.can_no_more_info and "läkare" in view.no_more_info_refusal
    with pytest.raises(NotAuthorized):
        await questions.cannot_complement_no_more_info(admin, cert.id, comment="Inget mer")
    assert load(cert.id) is not None and lifecycle.relations(doctor, cert.id).links == []
    draft = await questions.cannot_complement_no_more_info(doctor, cert.id, comment="Inget mer")
    assert draft.content["ovrigt"] == "Tidigare text\n\nInget mer"
    assert not thread(k).handled
    await lifecycle.sign(doctor, draft.id)  # "Signera och skicka" (§6.3.1 B step 6)
    assert thread(k).handled and thread(k).answered_with_certificate_id == draft.id


async def test_dentist_may_use_scenario_b(migrated_db, sim, api_url) -> None:
    dentist = await login(DENTIST, DENTIST_UNIT)
    cert = await sent(dentist)
    komplt(sim, api_url, cert.id)
    draft = await questions.cannot_complement_no_more_info(dentist, cert.id, comment="Inget")
    assert draft.content["ovrigt"] == "Inget"


async def test_scenario_c_answers_all_requests(migrated_db, sim, api_url) -> None:
    admin = await login(ADMIN)
    cert = await sent(await login())
    k1 = komplt(sim, api_url, cert.id, id="fk-k1")
    k2 = komplt(sim, api_url, cert.id, id="fk-k2")
    p = inbound(sim, api_url, certificateId=cert.id, topic="PAMINN", text="?", reminderOf="fk-k1")
    p_id = p["response"]["id"]
    with pytest.raises(InvalidState):  # KOMPLT is not answered with "Svara"
        await questions.answer(admin, cert.id, k1, text="x")
    ids = await questions.cannot_complement_no_one_responsible(
        admin, cert.id, message="Läkaren har slutat."
    )
    assert set(ids) == {k1, k2}
    assert all(thread(i).handled and thread(i).answer == "Läkaren har slutat." for i in ids)
    assert thread(p_id).handled  # the reminder follows (§6.4)
    # SendMessageToRecipient v2 has one svarPa: one answer message per request
    first, last = (q["message"] for q in received(sim)["questions"][-2:])
    assert first["topic"] == last["topic"] == "KOMPLT"
    assert (first["inReplyTo"], last["inReplyTo"]) == ("fk-k1", "fk-k2")
    assert first["text"] == last["text"] == "Läkaren har slutat."
    view = await questions.list_threads(admin, cert.id)
    assert not view.can_complement and not view.can_cannot_complement


# --- §6.3.1 the komplettering draft (issue 15 items 8 and 9) ----------------------------------
# 8. The draft shows, beside it, the open kompletteringsbegäran of the certificate it complements.
# 9. "Signera och skicka": signing a komplettering sends it to Försäkringskassan in the same
#    action, also when a vårdadministratör prepared it and marked it ready for signing.
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


# --- §4.6 renewal, §4.9.1 revoke -------------------------------------------------------------
async def test_signing_renewal_handles_komplettering_only(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    k = komplt(sim, api_url, cert.id)
    o = inbound(sim, api_url, certificateId=cert.id, topic="OVRIGT", text="?")["response"]["id"]
    renewal = await lifecycle.renew(doctor, cert.id)
    lifecycle.save_draft(doctor, renewal.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(doctor, renewal.id)
    assert thread(k).handled and not thread(o).handled


async def test_revoke_handles_open_questions_and_later_ones(migrated_db, sim, api_url) -> None:
    doctor = await login()
    cert = await sent(doctor)
    o = inbound(sim, api_url, certificateId=cert.id, topic="OVRIGT", text="?")["response"]["id"]
    await lifecycle.revoke(doctor, cert.id, reason_code="FELAKTIG_PATIENT")
    assert thread(o).handled
    later = inbound(sim, api_url, certificateId=cert.id, topic="KONTKT", text="?")
    assert thread(later["response"]["id"]).handled  # §4.9.1: handled at once (not FK7263)
    with pytest.raises(InvalidState):
        await questions.ask(doctor, cert.id, topic="OVRIGT", text="x")
