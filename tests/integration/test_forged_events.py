"""Reflex event handlers are public endpoints: call them directly with forged payloads.

A browser can send any event with any arguments and any state it likes; the services
must refuse. These tests build the real state objects and call the real handlers with a
real session cookie, bypassing the UI entirely.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from services import identity, lifecycle
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus
from state.certificate import CertificateState
from state.editor_parts import SaveStatusState
from state.session import SessionState
from tests.factories import ADMIN, DOCTOR, OTHER_UNIT, TOLVAN, UNIT, complete_fk7804
from tests.reflex_harness import fn, open_new_draft, state_for, substate


async def _other_unit_certificate(status: CertificateStatus) -> Certificate:
    user = await identity.acting_user(DOCTOR, OTHER_UNIT)
    cert = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(user, cert.id, content=complete_fk7804(), expected_version=1)
    if status == CertificateStatus.SIGNED:
        await lifecycle.sign(user, cert.id)
    return cert


def _status(cert_id: str) -> CertificateStatus | None:
    with session_scope() as s:
        row = s.get(Certificate, cert_id)
        return row.status if row else None


@pytest.fixture
async def doctor_token(migrated_db, sim) -> str:
    return await identity.login(DOCTOR, UNIT, origin="TEST")


@pytest.mark.parametrize("dialog", ["revoke", "delete", "send", "renew", "replace", "copy"])
async def test_actions_on_another_units_certificate_are_refused(doctor_token, dialog) -> None:
    cert = await _other_unit_certificate(CertificateStatus.SIGNED)
    st = state_for(CertificateState, doctor_token)
    st.cert_id = cert.id  # forged: not the page the user opened
    st.dialog = dialog
    st.revoke_reason = "FELAKTIG_PATIENT"
    result = await fn(CertificateState.confirm)(st)
    assert result is None or "redirect" not in str(result)
    assert "annan vårdenhet" in st.action_error
    assert _status(cert.id) == CertificateStatus.SIGNED


async def test_forged_load_and_print_of_another_units_certificate(doctor_token) -> None:
    cert = await _other_unit_certificate(CertificateStatus.DRAFT)
    st = state_for(CertificateState, doctor_token, f"/intyg/{cert.id}")
    await fn(CertificateState.load)(st)
    assert "vårdenhet" in st.page_error
    st.cert_id = cert.id
    assert await fn(CertificateState.print_confirmed)(st) is None
    assert "annan vårdenhet" in st.action_error


async def test_forged_save_on_another_units_draft_is_refused(doctor_token) -> None:
    cert = await _other_unit_certificate(CertificateStatus.DRAFT)
    st = state_for(CertificateState, doctor_token)
    st.cert_id, st.cert_type, st.editable, st._version = cert.id, "fk7804", True, 2
    st._values = {"ovrigt": ""}
    await fn(CertificateState.set_value)(st, "ovrigt", "skrivet av fel person")
    assert (await st.get_state(SaveStatusState)).save_state == "error"
    with session_scope() as s:
        assert "ovrigt" not in s.get(Certificate, cert.id).content


async def test_administrator_cannot_sign_by_calling_the_handler(migrated_db, sim) -> None:
    token = await identity.login(ADMIN, UNIT, origin="TEST")
    admin = identity.get_session(token)
    cert = await lifecycle.create_draft(admin, cert_type="fk7804", personnummer=TOLVAN)
    lifecycle.save_draft(admin, cert.id, content=complete_fk7804(), expected_version=1)
    st = state_for(CertificateState, token)
    st.cert_id, st.cert_type, st.editable, st._version = cert.id, "fk7804", True, 2
    st._content = complete_fk7804()  # the page's own check passes: the service must refuse
    await fn(CertificateState.sign)(st)
    assert "signera" in st.action_error.lower()
    assert _status(cert.id) == CertificateStatus.DRAFT


async def test_bad_arguments_are_ignored_not_crashing(doctor_token) -> None:
    st = state_for(CertificateState, doctor_token)
    st.editable = True
    await fn(CertificateState.set_value)(st, {"not": "a key"}, 123)  # type: ignore[arg-type]
    fn(CertificateState.open_dialog)(st, "<script>")
    assert st.dialog == ""
    fn(CertificateState.set_revoke_reason)(st, "HITTEPÅ")
    assert st.revoke_reason == ""


async def test_choosing_a_unit_without_commission_is_refused(migrated_db, sim) -> None:
    token = await identity.login(DOCTOR, None, origin="TEST")
    st = state_for(SessionState, token)
    fn(SessionState.choose_unit)(st, "TSTNMT2321000156-1077")
    assert "medarbetaruppdrag" in st.session_error
    assert identity.get_session(token).unit is None


async def test_no_session_cookie_means_nothing_happens(migrated_db, sim) -> None:
    st = state_for(CertificateState, "forged-token")
    st.cert_id, st.dialog = "anything", "revoke"
    await fn(CertificateState.confirm)(st)
    assert "inte inloggad" in st.action_error


async def _other_unit_sent_certificate() -> Certificate:
    cert = await _other_unit_certificate(CertificateStatus.SIGNED)
    user = await identity.acting_user(DOCTOR, OTHER_UNIT)
    return await lifecycle.send(user, cert.id, patient_consent=True)


async def test_questions_on_another_units_certificate_are_refused(doctor_token, sim) -> None:
    import httpx

    from services.persistence.models import QuestionThread
    from state.questions import QuestionState

    cert = await _other_unit_sent_certificate()
    st = state_for(QuestionState, doctor_token)
    st._q_cert_id = cert.id  # forged
    st.ask_topic, st.ask_text = "OVRIGT", "Fråga från fel vårdenhet"
    await fn(QuestionState.send_question)(st)
    assert "annan vårdenhet" in st.q_error
    st.cannot_choice, st.cannot_text = "NO_ONE", "Ingen kan ansvara"
    await fn(QuestionState.send_cannot)(st)
    assert "annan vårdenhet" in st.q_error
    await fn(QuestionState.set_handled)(st, "not-a-thread", True)
    with session_scope() as s:
        stored = s.exec(
            select(QuestionThread).where(QuestionThread.certificate_id == cert.id)
        ).all()
    assert stored == []
    received = httpx.get(sim.fk_url + "/received").json()
    assert "Fråga från fel vårdenhet" not in str(received)


async def test_diagnosis_and_icf_handlers_ignore_forged_arguments(doctor_token) -> None:
    from state.diagnosis import DiagnosisState
    from state.icf import IcfState

    cs = await open_new_draft(doctor_token)
    root = cs.parent_state
    ds = substate(root, DiagnosisState)
    await fn(DiagnosisState.type_query)(ds, "ovrigt", "J20")  # not a diagnosis input
    assert ds.suggestions == []
    await fn(DiagnosisState.type_query)(ds, "diagnoser.9.code", "J20")  # no such row
    assert ds.suggestions == []
    async for _ in fn(DiagnosisState.choose)(ds, "diagnoser.0.code", 99):
        pass
    await fn(DiagnosisState.set_system)(ds, "diagnoser", "HITTEPÅ")
    assert cs._values["diagnoser.system"] in ("", "ICD_10_SE")
    icf = substate(root, IcfState)
    await fn(CertificateState.set_icf)(cs, "funktionsnedsattning", ["<b>", "x" * 50])
    await fn(CertificateState.set_icf)(cs, "ovrigt", ["b28010"])  # not an ICF question
    with session_scope() as s:
        content = s.get(Certificate, cs.cert_id).content
    assert "funktionsnedsattning_icf" not in content and "ovrigt_icf" not in content
    # Neither forged list became chips: nothing is chosen for any field.
    assert all(chips == [] for chips in icf.chosen.values()), icf.chosen
