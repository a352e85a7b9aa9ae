"""The pure rules of ärendekommunikation (§6, §4.9.1, §8): role limits of komplettering,
ordering, field references and receive validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services import questions
from services.errors import InvalidInput
from services.persistence.models import CertificateStatus as S
from services.persistence.models import QuestionThread
from services.rights import Action, PatientFlags, RelationFlags, decide, decide_complement
from services.rights import questions_auto_handled_after_revoke as auto_handled
from tests.factories import ROLE_ADMIN as ADMIN
from tests.factories import ROLE_LAKARE as LAKARE
from tests.factories import ROLE_TANDLAKARE as TANDLAKARE
from tests.factories import certificate_row as make_cert
from tests.factories import session_user as make_user

T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)


# --- rights: §6.3.1 role limits, §6.3.4, §8 ---------------------------------------------------
@pytest.mark.parametrize(
    ("role", "no_more_info", "allowed"),
    [
        (LAKARE, False, True),
        (TANDLAKARE, False, True),
        (ADMIN, False, True),  # A: an administrator prepares the draft
        (LAKARE, True, True),
        (TANDLAKARE, True, True),
        (ADMIN, True, False),  # B: läkare/tandläkare only
    ],
)
def test_complement_role_limits(role: str, no_more_info: bool, allowed: bool) -> None:
    d = decide_complement(
        make_user(role), make_cert(S.SENT), PatientFlags(), no_more_info=no_more_info
    )
    assert d.allowed == allowed
    if not allowed:
        assert d.code == "ROLE_FUNCTION" and "läkare" in d.reason


def test_every_role_handles_questions() -> None:
    for role in (LAKARE, TANDLAKARE, ADMIN):
        assert decide(make_user(role), make_cert(S.SENT), Action.QUESTIONS, PatientFlags())


@pytest.mark.parametrize("status", [S.DRAFT, S.SIGNED, S.LOCKED, S.REVOKED])
def test_questions_need_a_sent_certificate(status: S) -> None:
    d = decide(make_user(), make_cert(status), Action.QUESTIONS, PatientFlags())
    assert not d.allowed and d.code == "INVALID_STATE"


def test_fk7263_revoked_questions_can_be_handled_by_hand() -> None:
    d = decide(make_user(), make_cert(S.REVOKED, type_="fk7263"), Action.QUESTIONS, PatientFlags())
    assert d.allowed
    assert auto_handled("fk7804") and not auto_handled("fk7263")  # §4.9.1


def test_ts_certificates_have_no_questions() -> None:
    cert = make_cert(S.SENT, type_="tstrk1007")
    assert not decide(make_user(), cert, Action.QUESTIONS, PatientFlags()).allowed


def test_complemented_certificate_cannot_be_complemented_renewed_or_replaced() -> None:
    rel = RelationFlags(complemented_by_signed=True)
    cert = make_cert(S.SENT)
    d = decide_complement(make_user(), cert, PatientFlags(), relations=rel)
    assert not d.allowed and d.code == "RELATION"
    for action in (Action.RENEW, Action.REPLACE):
        assert decide(make_user(), cert, action, PatientFlags(), relations=rel).code == "RELATION"
    assert decide(make_user(), cert, Action.QUESTIONS, PatientFlags(), relations=rel).allowed


def test_pu_outage_locks_questions() -> None:
    down = PatientFlags(pu_available=False)
    assert decide(make_user(), make_cert(S.SENT), Action.QUESTIONS, down).code == "PU_UNAVAILABLE"
    assert decide_complement(make_user(), make_cert(S.SENT), down).code == "PU_UNAVAILABLE"


def test_deceased_patient_answers_by_message_only() -> None:
    dead = PatientFlags(deceased=True)
    assert decide(make_user(), make_cert(S.SENT), Action.QUESTIONS, dead).allowed  # §8
    assert decide_complement(make_user(), make_cert(S.SENT), dead).code == "DECEASED"


def test_inactive_unit_cannot_make_a_new_certificate() -> None:
    user = make_user(params={"inaktivEnhet": True})
    assert decide_complement(user, make_cert(S.SENT), PatientFlags()).code == "INACTIVE_UNIT"


def test_other_unit_and_sekretess() -> None:
    other = make_cert(S.SENT, unit_id="ANNAN")
    assert decide(make_user(), other, Action.QUESTIONS, PatientFlags()).code == "OTHER_UNIT"
    secret = PatientFlags(sekretess=True)
    assert decide(make_user(ADMIN), make_cert(S.SENT), Action.QUESTIONS, secret).code == (
        "SEKRETESS"
    )


# --- ordering (§6.1, §6.2, §6.3, §6.3.5: the latest event at the top) -------------------------
def _t(tid: str, sent: int, answered: int | None = None, handled: int | None = None, **kw):
    return QuestionThread(
        id=tid,
        certificate_id="c",
        topic=kw.get("topic", "OVRIGT"),
        direction=kw.get("direction", "FROM_FK"),
        sent_at=T0 + timedelta(minutes=sent),
        answered_at=None if answered is None else T0 + timedelta(minutes=answered),
        handled_at=None if handled is None else T0 + timedelta(minutes=handled),
        handled=handled is not None,
    )


def test_latest_event_first() -> None:
    old_unhandled = _t("a", 1)
    newer = _t("b", 2)
    handled_now = _t("c", 0, answered=5, handled=5)
    assert [t.id for t in questions.order_threads([old_unhandled, newer, handled_now])] == [
        "c",
        "b",
        "a",
    ]


def test_reminder_handled_with_its_question_comes_after_it() -> None:
    q = _t("q", 1, answered=9, handled=9)
    p = _t("p", 3, handled=9, topic="PAMINN")
    assert [t.id for t in questions.order_threads([p, q])] == ["q", "p"]


def test_naive_timestamps_are_utc() -> None:
    naive = _t("n", 0)
    naive.sent_at = naive.sent_at.replace(tzinfo=None)
    assert questions.last_activity(naive).tzinfo is not None


# --- field references ----------------------------------------------------------------------------
def test_complement_references_by_id_or_form_number() -> None:
    cert = make_cert(S.SENT)
    refs = questions._validated_complements(
        cert, [{"questionId": "ovrigt", "text": "a"}, {"questionId": "25", "text": "b"}]
    )
    assert [r["question_id"] for r in refs] == ["ovrigt", "ovrigt"]
    view = questions._complement_refs("fk7804", refs)
    assert view[0].dom_id == "q-ovrigt" and view[0].label and view[0].ref == "25"


@pytest.mark.parametrize(
    "raw",
    [
        "ovrigt",
        [{"questionId": "finns-inte"}],
        [{"text": "saknar fråga"}],
        [{"questionId": "ovrigt", "text": "x" * (questions.MAX_TEXT + 1)}],
        [{"questionId": "ovrigt"}] * (questions.MAX_COMPLEMENTS + 1),
        ["inte ett objekt"],
    ],
)
def test_bad_complement_references_are_refused(raw) -> None:
    with pytest.raises(InvalidInput):
        questions._validated_complements(make_cert(S.SENT), raw)


# --- receive_message validation before any database access ------------------------------------
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "$"),
        ({"topic": "OVRIGT", "text": "x"}, "certificateId"),
        ({"certificateId": "c", "topic": "NEJ", "text": "x"}, "topic"),
        ({"certificateId": "c", "topic": "OVRIGT", "text": "  "}, "text"),
        ({"certificateId": "c", "topic": "OVRIGT", "text": "x" * 4001}, "text"),
        ({"certificateId": "c", "topic": "PAMINN", "text": "x"}, "reminderOf"),
        ({"certificateId": "c", "topic": "OVRIGT", "text": "x", "reminderOf": "q"}, "reminderOf"),
        (
            {"certificateId": "c", "topic": "OVRIGT", "text": "x", "complements": [{}]},
            "complements",
        ),
        ({"certificateId": 5, "topic": "OVRIGT", "text": "x"}, "certificateId"),
        ({"certificateId": "c", "topic": "OVRIGT", "text": "x", "id": "i" * 129}, "id"),
    ],
)
def test_receive_message_validates_first(payload, field) -> None:
    with pytest.raises(InvalidInput) as err:
        questions.receive_message(payload)
    assert err.value.field == field


def test_topic_labels_are_the_manuals() -> None:
    assert list(questions.TOPICS.values()) == [
        "Avstämningsmöte",
        "Komplettering",
        "Kontakt",
        "Övrigt",
        "Påminnelse",
    ]
    assert "KOMPLT" not in questions.ASK_TOPICS and "PAMINN" not in questions.ANSWERABLE_TOPICS
