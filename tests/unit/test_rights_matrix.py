"""The rights matrix (manual §2.4 tables 2 and 3, §4, §4.10, §8) against the pure rights.decide().

Expectations are written from the manual here, independently of services/rights.py.
"""

from __future__ import annotations

import itertools

import pytest

from services import rights
from services.errors import NotAuthorized, PuUnavailable
from services.identity import UnitRequired
from services.persistence.models import Certificate, CertificateStatus
from services.rights import Action, PatientFlags, RelationFlags, decide
from tests.factories import (
    ROLE_ADMIN,
    ROLE_LAKARE,
    ROLE_TANDLAKARE,
    UNIT_INFO,
    certificate_row,
    session_user,
)

A = Action
S = CertificateStatus
HERE = UNIT_INFO
THERE = "TSTNMT2321000156-ALMC"
LAKARE, TANDLAKARE, ADMIN = ROLE_LAKARE, ROLE_TANDLAKARE, ROLE_ADMIN
ROLES = (LAKARE, TANDLAKARE, ADMIN)
make_user = session_user
make_cert = certificate_row


# Manual table 3 ("Funktioner beroende på roll"), literally. Read/create are open to all roles
# (access depends on table 2 and the unit).
TABLE3 = {
    A.SIGN: {LAKARE: True, TANDLAKARE: True, ADMIN: False},
    A.REVOKE: {LAKARE: True, TANDLAKARE: True, ADMIN: False},
    A.REPLACE: {LAKARE: True, TANDLAKARE: True, ADMIN: False},
    A.RENEW: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.MARK_READY: {LAKARE: False, TANDLAKARE: False, ADMIN: True},
    A.EDIT: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.DELETE: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.COPY: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.PRINT: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.QUESTIONS: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.SEND: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.READ: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    A.CREATE: {LAKARE: True, TANDLAKARE: True, ADMIN: True},
}
# The state in which each function is normally offered (§4.1-§4.9).
NATURAL_STATE = {
    A.SIGN: S.DRAFT,
    A.MARK_READY: S.DRAFT,
    A.EDIT: S.DRAFT,
    A.DELETE: S.DRAFT,
    A.SEND: S.SIGNED,
    A.RENEW: S.SIGNED,
    A.REPLACE: S.SIGNED,
    A.READ: S.SIGNED,
    A.PRINT: S.SIGNED,
    A.REVOKE: S.SENT,
    A.QUESTIONS: S.SENT,
    A.COPY: S.LOCKED,
}
PATIENTS = {
    "normal": PatientFlags(),
    "sekretess": PatientFlags(sekretess=True),
    "deceased": PatientFlags(deceased=True),
    "pu_down": PatientFlags(pu_available=False),
}
UNITS = ("same", "other", "other_sjf")
NEW_DRAFT = {A.CREATE, A.RENEW, A.REPLACE, A.COPY}  # §8: "Skapa ett nytt intyg"
SJF_VISIBLE = {A.READ, A.PRINT, A.RENEW}  # another unit's signed certificate via sjf


def expected(role: str, action: Action, patient: str, unit: str) -> str | None:
    """The manual's answer: None = allowed, else the refusal's code."""
    if patient == "pu_down":
        return "PU_UNAVAILABLE"  # §4.10.2
    other = unit != "same" and action != A.CREATE
    if other and not (unit == "other_sjf" and action in SJF_VISIBLE):
        return "OTHER_UNIT"  # §2: always for the logged-in care unit
    if patient == "sekretess" and (role == ADMIN or other):
        return "SEKRETESS"  # §4.10.1
    if not TABLE3[action][role]:
        return "ROLE_FUNCTION"
    if patient == "deceased" and action in NEW_DRAFT:
        return "DECEASED"
    return None


MATRIX = list(itertools.product(ROLES, list(Action), PATIENTS, UNITS))


@pytest.mark.parametrize(("role", "action", "patient", "unit"), MATRIX)
def test_rights_matrix(role: str, action: Action, patient: str, unit: str) -> None:
    params = {"sjf": True} if unit == "other_sjf" else {}
    user = make_user(role, params=params)
    if action == A.CREATE:
        subject: Certificate | str = "fk7804"
    else:
        subject = make_cert(NATURAL_STATE[action], unit_id=HERE.hsa_id if unit == "same" else THERE)
    decision = decide(user, subject, action, PATIENTS[patient])
    want = expected(role, action, patient, unit)
    assert decision.allowed == (want is None), (decision, want)
    if want is not None:
        assert decision.code == want
        assert decision.reason  # a Swedish message for the UI


# --- table 2: certificate types per role ---------------------------------------------------------
TABLE2 = {
    "fk7800": {LAKARE: True, TANDLAKARE: False, ADMIN: True},
    "fk7801": {LAKARE: True, TANDLAKARE: False, ADMIN: True},
    "fk7802": {LAKARE: True, TANDLAKARE: False, ADMIN: True},
    "fk7804": {LAKARE: True, TANDLAKARE: True, ADMIN: True},
    "tstrk1007": {LAKARE: True, TANDLAKARE: False, ADMIN: True},
    "tstrk1031": {LAKARE: True, TANDLAKARE: False, ADMIN: True},
}


@pytest.mark.parametrize(("cert_type", "role"), list(itertools.product(TABLE2, ROLES)))
def test_table2_create_per_role(cert_type: str, role: str) -> None:
    decision = decide(make_user(role), cert_type, A.CREATE, PatientFlags())
    assert decision.allowed == TABLE2[cert_type][role]
    if not decision.allowed:
        assert decision.code == "TYPE_NOT_ALLOWED"


@pytest.mark.parametrize("role", ROLES)
def test_dentist_cannot_open_other_types_but_all_open_fk7804(role: str) -> None:
    fk7800 = make_cert(S.SIGNED, type_="fk7800")
    assert decide(make_user(role), fk7800, A.READ, PatientFlags()).allowed == (role != TANDLAKARE)
    assert decide(make_user(role), make_cert(S.SIGNED), A.READ, PatientFlags()).allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("action", "status", "allowed"),
    [
        (A.CREATE, None, False),
        (A.READ, S.SIGNED, True),
        (A.PRINT, S.SIGNED, True),
        (A.EDIT, S.DRAFT, False),
        (A.SIGN, S.DRAFT, False),
        (A.RENEW, S.SIGNED, False),
        (A.REPLACE, S.SIGNED, False),
        (A.SEND, S.SIGNED, False),
        (A.COPY, S.LOCKED, False),
    ],
)
def test_fk7263_view_and_print_only(role: str, action: Action, status, allowed: bool) -> None:
    subject = "fk7263" if status is None else make_cert(status, type_="fk7263")
    decision = decide(make_user(role), subject, action, PatientFlags())
    assert decision.allowed == allowed
    if not allowed:
        assert decision.code == "READ_ONLY_TYPE"


# --- the state machine (§4.1-§4.9), for a role that has the function ------------------------------
STATE_TABLE = {
    # action: statuses where it is allowed
    A.READ: set(S),
    A.PRINT: set(S),
    A.EDIT: {S.DRAFT, S.READY_FOR_SIGNING},
    A.DELETE: {S.DRAFT, S.READY_FOR_SIGNING},
    A.SIGN: {S.DRAFT, S.READY_FOR_SIGNING},
    A.MARK_READY: {S.DRAFT},
    A.SEND: {S.SIGNED},
    A.RENEW: {S.SIGNED, S.SENT},
    A.REPLACE: {S.SIGNED, S.SENT},
    A.COPY: {S.LOCKED},
    A.REVOKE: {S.SIGNED, S.SENT, S.LOCKED},
    A.QUESTIONS: {S.SENT},
}


@pytest.mark.parametrize(("action", "status"), list(itertools.product(STATE_TABLE, list(S))))
def test_state_machine(action: Action, status: S) -> None:
    role = ADMIN if action == A.MARK_READY else LAKARE
    decision = decide(make_user(role), make_cert(status), action, PatientFlags())
    assert decision.allowed == (status in STATE_TABLE[action])
    if not decision.allowed:
        assert decision.code == "INVALID_STATE"
        with pytest.raises(rights.InvalidState):
            decision.raise_if_denied()


def test_locked_draft_only_copy_print_revoke() -> None:
    locked = make_cert(S.LOCKED)
    doctor = rights.available_actions(make_user(LAKARE), locked, PatientFlags())
    assert doctor == {A.READ, A.PRINT, A.COPY, A.REVOKE}
    admin = rights.available_actions(make_user(ADMIN), locked, PatientFlags())
    assert admin == {A.READ, A.PRINT, A.COPY}


def test_available_actions_signed_and_sent() -> None:
    signed, sent = make_cert(S.SIGNED), make_cert(S.SENT)
    doctor, admin = make_user(LAKARE), make_user(ADMIN)
    assert rights.available_actions(doctor, signed, PatientFlags()) == {
        A.READ, A.PRINT, A.SEND, A.RENEW, A.REPLACE, A.REVOKE,
    }  # fmt: skip
    assert rights.available_actions(admin, signed, PatientFlags()) == {
        A.READ, A.PRINT, A.SEND, A.RENEW,
    }  # fmt: skip
    assert rights.available_actions(doctor, sent, PatientFlags()) == {
        A.READ, A.PRINT, A.RENEW, A.REPLACE, A.REVOKE, A.QUESTIONS,
    }  # fmt: skip
    assert rights.available_actions(admin, make_cert(S.DRAFT), PatientFlags()) == {
        A.READ, A.PRINT, A.EDIT, A.DELETE, A.MARK_READY,
    }  # fmt: skip
    assert rights.available_actions(doctor, make_cert(S.REVOKED), PatientFlags()) == {
        A.READ, A.PRINT,
    }  # fmt: skip


def test_ts_certificates_are_not_renewed_nor_have_questions() -> None:
    ts = make_cert(S.SENT, type_="tstrk1007")
    assert decide(make_user(), ts, A.RENEW, PatientFlags()).code == "INVALID_STATE"
    assert decide(make_user(), ts, A.QUESTIONS, PatientFlags()).code == "INVALID_STATE"
    assert decide(make_user(), ts, A.REPLACE, PatientFlags()).allowed
    assert decide(make_user(), ts, A.REVOKE, PatientFlags()).allowed


# --- relations (§4.7, §6.3.4) -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("relations", "action", "allowed"),
    [
        (RelationFlags(replaced_by_signed=True), A.RENEW, False),
        (RelationFlags(replaced_by_signed=True), A.REPLACE, False),
        (RelationFlags(replaced_by_signed=True), A.SEND, False),
        (RelationFlags(replaced_by_signed=True), A.READ, True),
        (RelationFlags(replaced_by_signed=True), A.PRINT, True),
        (RelationFlags(replaced_by_signed=True), A.REVOKE, True),  # §4.9: always revocable
        (RelationFlags(complemented_by_signed=True), A.RENEW, False),
        (RelationFlags(complemented_by_signed=True), A.REPLACE, False),
        (RelationFlags(complemented_by_signed=True), A.REVOKE, True),
        (RelationFlags(), A.REPLACE, True),  # an unsigned replacement draft keeps Ersätt
    ],
)
def test_relations(relations: RelationFlags, action: Action, allowed: bool) -> None:
    decision = decide(make_user(), make_cert(S.SIGNED), action, PatientFlags(), relations=relations)
    assert decision.allowed == allowed
    if not allowed:
        assert decision.code == "RELATION"


# --- sekretessmarkering (§4.10) -------------------------------------------------------------------
@pytest.mark.parametrize("cert_type", ["tstrk1007", "tstrk1031"])
def test_ts_certificates_unavailable_for_sekretess(cert_type: str) -> None:
    flags = PatientFlags(sekretess=True)
    created = decide(make_user(), cert_type, A.CREATE, flags)
    assert not created.allowed and created.code == "SEKRETESS"
    assert "Transportstyrelsens intyg kan inte utfärdas" in created.reason
    signed_before = make_cert(S.SIGNED, type_=cert_type)
    for action in (A.READ, A.PRINT, A.REVOKE):
        assert decide(make_user(), signed_before, action, flags).code == "SEKRETESS"


def test_sekretess_fk_allowed_for_doctors_on_own_unit() -> None:
    flags = PatientFlags(sekretess=True)
    for role in (LAKARE, TANDLAKARE):
        assert decide(make_user(role), "fk7804", A.CREATE, flags).allowed
        assert decide(make_user(role), make_cert(S.DRAFT), A.SIGN, flags).allowed
    refused = decide(make_user(ADMIN), make_cert(S.DRAFT), A.READ, flags)
    assert refused.code == "SEKRETESS" and "inte behörig" in refused.reason
    with pytest.raises(NotAuthorized):
        refused.raise_if_denied()


def test_sekretess_user_must_accept_dialog_first() -> None:
    user = make_user(sekretess=True, sekretess_accepted=False)
    decision = decide(user, make_cert(S.SIGNED), A.READ, PatientFlags())
    assert decision.code == "SEKRETESS_NOT_ACCEPTED"
    accepted = make_user(sekretess=True, sekretess_accepted=True)
    assert decide(accepted, make_cert(S.SIGNED), A.READ, PatientFlags()).allowed


# --- deceased patient (§8) ----------------------------------------------------------------------
DECEASED_TABLE = [
    (A.SEND, S.SIGNED, True, True),
    (A.QUESTIONS, S.SENT, True, True),
    (A.REVOKE, S.SENT, True, True),
    (A.SIGN, S.DRAFT, True, True),  # created while alive
    (A.SIGN, S.DRAFT, False, False),  # created after death
    (A.CREATE, None, True, False),
    (A.RENEW, S.SIGNED, True, False),
    (A.REPLACE, S.SIGNED, True, False),
    (A.COPY, S.LOCKED, True, False),
]


@pytest.mark.parametrize(("action", "status", "alive", "allowed"), DECEASED_TABLE)
@pytest.mark.parametrize("source", ["pu", "avliden_param"])
def test_deceased(action: Action, status, alive: bool, allowed: bool, source: str) -> None:
    if source == "pu":
        user, flags = make_user(), PatientFlags(deceased=True)
    else:  # the EHR says avliden=true even if PU-tjänsten does not (yet)
        user, flags = make_user(params={"avliden": True}), PatientFlags()
    subject = "fk7804" if status is None else make_cert(status, alive=alive)
    decision = decide(user, subject, action, flags)
    assert decision.allowed == allowed
    if not allowed:
        assert decision.code == "DECEASED"


# --- the EHR's launch parameters ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "action", "status", "code"),
    [
        ({"inaktivEnhet": True}, A.CREATE, None, "INACTIVE_UNIT"),
        ({"inaktivEnhet": True}, A.RENEW, S.SIGNED, "INACTIVE_UNIT"),
        ({"inaktivEnhet": True}, A.REPLACE, S.SIGNED, "INACTIVE_UNIT"),
        ({"inaktivEnhet": True}, A.COPY, S.LOCKED, "INACTIVE_UNIT"),
        ({"inaktivEnhet": True}, A.REVOKE, S.SIGNED, None),
        ({"inaktivEnhet": True}, A.SEND, S.SIGNED, None),
        ({"kopieringOK": False}, A.RENEW, S.SIGNED, "COPY_NOT_ALLOWED"),
        ({"kopieringOK": False}, A.COPY, S.LOCKED, "COPY_NOT_ALLOWED"),
        ({"kopieringOK": False}, A.REPLACE, S.SIGNED, None),
        ({"kopieringOK": True}, A.RENEW, S.SIGNED, None),
        ({}, A.RENEW, S.SIGNED, None),  # absent parameter: allowed
        ({"sjf": True}, A.READ, S.SIGNED, None),
    ],
)
def test_launch_parameters(params: dict, action: Action, status, code: str | None) -> None:
    subject = "fk7804" if status is None else make_cert(status)
    decision = decide(make_user(params=params), subject, action, PatientFlags())
    assert decision.allowed == (code is None)
    assert decision.code == (code or "")


def test_sjf_never_shows_other_units_drafts() -> None:
    user = make_user(params={"sjf": True})
    draft = make_cert(S.DRAFT, unit_id=THERE)
    assert decide(user, draft, A.READ, PatientFlags()).code == "OTHER_UNIT"


def test_no_unit_and_pu_errors_are_typed() -> None:
    no_unit = decide(make_user(unit=None), make_cert(), A.READ, PatientFlags())
    with pytest.raises(UnitRequired):
        no_unit.raise_if_denied()
    pu = decide(make_user(), make_cert(), A.READ, rights.PU_DOWN)
    with pytest.raises(PuUnavailable):
        pu.raise_if_denied()
    assert "PU-tjänsten" in pu.reason


def test_fk7263_questions_after_revocation_handled_by_hand() -> None:
    assert rights.questions_auto_handled_after_revoke("fk7804")
    assert not rights.questions_auto_handled_after_revoke("fk7263")
    revoked = make_cert(S.REVOKED, type_="fk7263")
    assert decide(make_user(), revoked, A.QUESTIONS, PatientFlags()).allowed
    assert not decide(make_user(), make_cert(S.REVOKED), A.QUESTIONS, PatientFlags()).allowed
