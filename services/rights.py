"""Who may do what with which certificate: every rule of manual §2.4, §4, §4.10 and §8, once.

The tables of §2.4 are data (``TYPES_BY_ROLE``, ``FUNCTIONS_BY_ROLE``); :func:`decide` is a pure
function of the session user, the certificate (or, for CREATE, the type), the action, the
patient's flags from PU-tjänsten and the certificate's relations. It returns a
:class:`Decision` with a Swedish reason; :meth:`Decision.raise_if_denied` turns a refusal into
the typed error the UI shows. :func:`available_actions` is what the UI uses to show buttons —
the services still call :func:`decide` themselves.

The order of the checks decides which reason a user sees when several rules refuse:
PU-tjänsten, care unit chosen, the user's own sekretess dialog, type per role (table 2),
care unit / sammanhållen journalföring, the patient's sekretessmarkering, function per role
(table 3), the EHR's launch parameters, deceased patient, the certificate's state, its
relations.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from services.certificates import all_definitions
from services.certificates.base import Recipient
from services.errors import Conflict, NotAuthorized, PuUnavailable, WebcertError
from services.identity import SessionUser, UnitRequired
from services.labelled import LabelledEnum
from services.persistence.models import CertificateStatus as S
from services.roles import ALL_ROLES, DOCTORS, Role

__all__ = [
    "FUNCTIONS_BY_ROLE",
    "REVOKE_REASONS",
    "TYPES_BY_ROLE",
    "Action",
    "Decision",
    "InvalidState",
    "PatientFlags",
    "RelationFlags",
    "available_actions",
    "decide",
    "decide_complement",
    "decide_log_reading",
    "log_scope",
    "questions_auto_handled_after_revoke",
]


class InvalidState(Conflict):
    """The certificate's state (or its relations) does not allow the action."""

    code = "INVALID_STATE"
    default_message = "Åtgärden går inte att utföra på intyget i dess nuvarande status."


class Action(LabelledEnum):
    """What a user does with a certificate, and the words a refusal names it with."""

    CREATE = "CREATE", "skapa intyg"  # Skapa utkast
    READ = "READ", "öppna intyget"  # Öppna / visa
    EDIT = "EDIT", "redigera utkast"
    DELETE = "DELETE", "radera utkast"
    SIGN = "SIGN", "signera intyg"
    MARK_READY = "MARK_READY", "markera klart för signering"
    SEND = "SEND", "skicka intyg till mottagare"
    RENEW = "RENEW", "förnya intyg"  # Förnya
    REPLACE = "REPLACE", "ersätta intyg"  # Ersätt
    COPY = "COPY", "kopiera låst utkast"
    REVOKE = "REVOKE", "makulera intyg eller låst utkast"  # Makulera
    PRINT = "PRINT", "skriva ut intyg"
    QUESTIONS = "QUESTIONS", "hantera ärendekommunikation med Försäkringskassan"


# --- table 2: certificate types per role, from the definitions -------------------------------
# Each fact lives on the type's CertificateDefinition (roles, recipient, read_only); these
# tables are derived from it once, at import.
_DEFINITIONS = all_definitions()
TYPES_BY_ROLE: dict[str, frozenset[Role]] = {d.type: d.roles for d in _DEFINITIONS}
TS_TYPES = frozenset(d.type for d in _DEFINITIONS if d.recipient == Recipient.TS)
FK_TYPES = frozenset(d.type for d in _DEFINITIONS if d.recipient == Recipient.FK)
# A read-only type (FK7263: "Endast visning och utskrift"). Revoking and handling existing
# question threads stay possible (§4.9: a certificate can always be revoked; §4.9.1 describes
# FK7263 questions).
READ_ONLY_ACTIONS = frozenset({Action.READ, Action.PRINT, Action.REVOKE, Action.QUESTIONS})
READ_ONLY_TYPES: dict[str, frozenset[Action]] = {
    d.type: READ_ONLY_ACTIONS for d in _DEFINITIONS if d.read_only
}

# --- table 3: functions per role --------------------------------------------------------------
FUNCTIONS_BY_ROLE: dict[Action, frozenset[Role]] = {
    Action.SIGN: DOCTORS,
    Action.REVOKE: DOCTORS,
    Action.REPLACE: DOCTORS,
    Action.RENEW: ALL_ROLES,
    Action.MARK_READY: frozenset({Role.VARDADMINISTRATOR}),
    Action.EDIT: ALL_ROLES,
    Action.DELETE: ALL_ROLES,
    Action.COPY: ALL_ROLES,
    Action.PRINT: ALL_ROLES,
    Action.QUESTIONS: ALL_ROLES,
    Action.SEND: ALL_ROLES,
    Action.CREATE: ALL_ROLES,
    Action.READ: ALL_ROLES,
}
SEKRETESS_ROLES = DOCTORS  # "Hantera sekretessmarkerad patient"

# --- revocation reasons for Försäkringskassan (§4.9, figure 9) --------------------------------
REVOKE_REASONS: dict[str, str] = {
    "FELAKTIG_PATIENT": "Intyget har utfärdats på fel patient",
    "ANNAT_ALLVARLIGT_FEL": "Annat allvarligt fel",
}
REVOKE_MESSAGE_REQUIRED = frozenset({"ANNAT_ALLVARLIGT_FEL"})

# --- the state machine ------------------------------------------------------------------------
DRAFTS = frozenset({S.DRAFT, S.READY_FOR_SIGNING})
SIGNED = frozenset({S.SIGNED, S.SENT})
ALLOWED_STATES: dict[Action, frozenset[S]] = {
    Action.READ: frozenset(S),
    Action.PRINT: frozenset(S),
    Action.EDIT: DRAFTS,
    Action.DELETE: DRAFTS,
    Action.SIGN: DRAFTS,
    Action.MARK_READY: frozenset({S.DRAFT}),
    Action.SEND: frozenset({S.SIGNED}),
    Action.RENEW: SIGNED,
    Action.REPLACE: SIGNED,
    Action.COPY: frozenset({S.LOCKED}),
    Action.REVOKE: frozenset({S.SIGNED, S.SENT, S.LOCKED}),
    Action.QUESTIONS: frozenset({S.SENT}),
}
# Actions that make a new draft for the patient (§8: not for a deceased patient).
NEW_DRAFT_ACTIONS = frozenset({Action.CREATE, Action.RENEW, Action.REPLACE, Action.COPY})
# Actions on another unit's signed certificate allowed through sammanhållen journalföring.
SJF_ACTIONS = frozenset({Action.READ, Action.PRINT, Action.RENEW})

_STATE_TEXT = {
    S.DRAFT: "Åtgärden går inte att utföra på ett utkast.",
    S.READY_FOR_SIGNING: "Åtgärden går inte att utföra på ett utkast.",
    S.LOCKED: (
        "Utkastet är låst. Ett låst utkast kan endast kopieras, skrivas ut eller makuleras."
    ),
    S.SIGNED: "Intyget är signerat och kan inte längre ändras eller raderas.",
    S.SENT: "Intyget är signerat och kan inte längre ändras eller raderas.",
    S.REVOKED: "Intyget är makulerat och kan inte användas.",
}


class CertificateLike(Protocol):
    """What decide() reads from a certificate (a persistence Certificate fits)."""

    type: str
    status: S
    unit_id: str
    created_alive: bool


@dataclass(frozen=True)
class PatientFlags:
    """The patient as PU-tjänsten reports them now; ``pu_available`` False when it is down."""

    sekretess: bool = False
    deceased: bool = False
    pu_available: bool = True

    @classmethod
    def from_patient(cls, patient: Any) -> PatientFlags:
        return cls(sekretess=bool(patient.sekretess), deceased=bool(patient.deceased))

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any] | None) -> PatientFlags:
        snap = snapshot or {}
        return cls(sekretess=bool(snap.get("sekretess")), deceased=bool(snap.get("deceased")))


PU_DOWN = PatientFlags(pu_available=False)


@dataclass(frozen=True)
class RelationFlags:
    """The certificate's relations that matter for rights (§4.7, §6.3.4)."""

    replaced_by_signed: bool = False  # a signed, unrevoked certificate replaces this one
    complemented_by_signed: bool = False  # answered a kompletteringsbegäran with a new one


NO_RELATIONS = RelationFlags()


@dataclass(frozen=True)
class Attempt:
    """Who tried what on which certificate (or type), for the PDL log's refusal record."""

    user: SessionUser
    subject: Any  # a certificate, or the type for CREATE
    action: Action
    patient_id: str | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    code: str = ""  # machine-readable reason code when refused
    attempt: Attempt | None = field(default=None, compare=False, repr=False)

    def __bool__(self) -> bool:
        return self.allowed

    def error(self) -> WebcertError:
        """The typed error for a refusal."""
        if self.code == "PU_UNAVAILABLE":
            return PuUnavailable(self.reason)
        if self.code == "NO_UNIT":
            return UnitRequired(self.reason)
        if self.code in ("INVALID_STATE", "RELATION"):
            return InvalidState(self.reason, code=self.code)
        return NotAuthorized(self.reason, code=self.code)

    def about(self, patient_id: str) -> Decision:
        """The same decision, naming the patient (a refused CREATE has no certificate)."""
        if self.attempt is None:
            return self
        return replace(self, attempt=replace(self.attempt, patient_id=patient_id))

    def raise_if_denied(self) -> None:
        """Raise the typed error of a refusal — and write the refused attempt, with its code,
        to the PDL log (in a transaction of its own: the attempt's own rolls back)."""
        if not self.allowed:
            if self.attempt is not None:
                _audit_refusal(self)
            raise self.error()


ALLOW = Decision(True)


def _deny(code: str, reason: str) -> Decision:
    return Decision(False, reason, code)


def _session_refusal(user: SessionUser) -> Decision | None:
    """A session that may do nothing yet: no care unit chosen (§2), or a sekretessmarkerad
    user who has not accepted the information dialog (§4.10)."""
    if user.unit is None:
        return _deny("NO_UNIT", UnitRequired.default_message)
    if user.sekretess and not user.sekretess_accepted:
        return _deny(
            "SEKRETESS_NOT_ACCEPTED",
            "Du har en sekretessmarkering. Läs och godkänn informationen om sekretessmarkering "
            "innan du använder Webcert.",
        )
    return None


def _role(user: SessionUser) -> Role | None:
    try:
        return Role(user.role)
    except ValueError:
        return None


def has_question_communication(cert_type: str) -> bool:
    """Ärendekommunikation (§6) is with Försäkringskassan: only FK's types have it; a
    Transportstyrelsen certificate shows neither the tab nor its texts."""
    return str(cert_type).lower() in FK_TYPES


def type_label(cert_type: str) -> str:
    """The form id shown to users ("FK7804"), without loading definitions."""
    return cert_type.upper()


def questions_auto_handled_after_revoke(cert_type: str) -> bool:
    """§4.9.1: a question arriving after revocation is handled automatically, except FK7263."""
    return cert_type.lower() != "fk7263"


def decide(
    user: SessionUser,
    subject: CertificateLike | str,
    action: Action,
    patient: PatientFlags,
    *,
    relations: RelationFlags = NO_RELATIONS,
) -> Decision:
    """May ``user`` perform ``action`` on ``subject`` (a certificate, or a type for CREATE)?

    ``patient`` must come from PU-tjänsten now (``PU_DOWN`` when it did not answer). The
    EHR's launch parameters (sjf, inaktivEnhet, kopieringOK, avliden) count for the certificate
    of the launch that carried them only (``SessionUser.launch_value``).
    A refusal carries the attempt, so that raising it writes the PDL log's refusal record.
    """
    decision = _decide(user, subject, action, patient, relations=relations)
    if decision.allowed:
        return decision
    return replace(decision, attempt=Attempt(user, subject, Action(action)))


def _decide(
    user: SessionUser,
    subject: CertificateLike | str,
    action: Action,
    patient: PatientFlags,
    *,
    relations: RelationFlags,
) -> Decision:
    action = Action(action)
    cert = None if isinstance(subject, str) else subject
    cert_type = (subject if isinstance(subject, str) else subject.type).strip().lower()

    # 1. PU-tjänsten (§4.10.2): everything with certificates and questions is locked.
    if not patient.pu_available:
        return _deny("PU_UNAVAILABLE", PuUnavailable.default_message)
    # 2. Access is always for one care unit (§2); 3. a sekretessmarkerad user must accept the
    # information dialog first (§4.10).
    if (refusal := _session_refusal(user)) is not None:
        return refusal
    role = _role(user)
    if role is None:
        return _deny("ROLE", "Du saknar behörighet att använda Webcert.")
    # 4. Table 2: certificate types per role; FK7263 view and print only.
    roles_for_type = TYPES_BY_ROLE.get(cert_type)
    if roles_for_type is None:
        return _deny("UNKNOWN_TYPE", "Okänd intygstyp.")
    if role not in roles_for_type:
        return _deny(
            "TYPE_NOT_ALLOWED",
            f"Du har inte behörighet att hantera intyg av typen {type_label(cert_type)} "
            f"i rollen {role.label.lower()}.",
        )
    read_only = READ_ONLY_TYPES.get(cert_type)
    if read_only is not None and action not in read_only:
        return _deny(
            "READ_ONLY_TYPE",
            f"Läkarintyg {type_label(cert_type)} kan endast visas och skrivas ut.",
        )
    # 5. The session's care unit; other units only via sammanhållen journalföring.
    other_unit = cert is not None and cert.unit_id != user.unit.hsa_id
    if other_unit:
        assert cert is not None
        if not (user.flag("sjf", cert) and action in SJF_ACTIONS and cert.status in SIGNED):
            return _deny(
                "OTHER_UNIT",
                "Intyget är utfärdat på en annan vårdenhet än den du är inloggad på.",
            )
    # 6. Sekretessmarkering (§4.10.1, §4.10.3).
    if patient.sekretess:
        if role not in SEKRETESS_ROLES:
            return _deny(
                "SEKRETESS",
                "Patienten har sekretessmarkering. Du är inte behörig att hantera intyg för "
                "patienter med sekretessmarkering.",
            )
        if other_unit:
            return _deny(
                "SEKRETESS",
                "Patienten har sekretessmarkering. Intyg utfärdade på andra vårdenheter eller "
                "med sammanhållen journalföring är inte tillgängliga.",
            )
        if cert_type in TS_TYPES:
            if cert is None:
                return _deny(
                    "SEKRETESS",
                    "Transportstyrelsens intyg kan inte utfärdas för patienter med "
                    "sekretessmarkering.",
                )
            return _deny(
                "SEKRETESS",
                "Patienten har sekretessmarkering. Transportstyrelsens intyg är inte "
                "tillgängliga för patienter med sekretessmarkering.",
            )
    # 7. Table 3: functions per role.
    if role not in FUNCTIONS_BY_ROLE[action]:
        return _deny(
            "ROLE_FUNCTION",
            f"Du har inte behörighet att {action.label} i rollen {role.label.lower()}.",
        )
    # 8. The EHR's launch parameters.
    if action in (Action.CREATE, Action.RENEW, Action.REPLACE, Action.COPY) and user.flag(
        "inaktivEnhet", subject
    ):
        return _deny(
            "INACTIVE_UNIT",
            "Vårdenheten är inaktiv i journalsystemet. Det går inte att skapa nya intyg.",
        )
    if action in (Action.RENEW, Action.COPY) and user.launch_value("kopieringOK", subject) is False:
        return _deny(
            "COPY_NOT_ALLOWED",
            "Journalsystemet tillåter inte att intyg förnyas eller kopieras.",
        )
    # 9. Deceased patient (§8), from PU-tjänsten or the EHR's avliden parameter.
    if patient.deceased or user.flag("avliden", subject):
        if action in NEW_DRAFT_ACTIONS:
            return _deny(
                "DECEASED",
                "Patienten är avliden. Det går inte att skapa, förnya eller ersätta intyg för "
                "en avliden patient.",
            )
        if (
            action in (Action.SIGN, Action.MARK_READY)
            and cert is not None
            and not bool(cert.created_alive)
        ):
            return _deny(
                "DECEASED",
                "Patienten är avliden. Utkastet skapades efter att patienten avled och kan "
                "därför inte signeras.",
            )
    if cert is None:
        return ALLOW if action == Action.CREATE else _deny("INVALID_STATE", "Intyget finns inte.")
    if action == Action.CREATE:
        return _deny("INVALID_STATE", "Intyget finns redan.")
    # 10. The state machine.
    status = S(cert.status)
    fk7263_revoked_questions = (
        action == Action.QUESTIONS and status == S.REVOKED and cert_type == "fk7263"
    )  # §4.9.1: questions arriving after revocation of an FK7263 are handled by hand
    if status not in ALLOWED_STATES[action] and not fk7263_revoked_questions:
        return _deny("INVALID_STATE", _state_reason(action, status))
    if action in (Action.RENEW, Action.QUESTIONS) and cert_type not in FK_TYPES:
        return _deny(
            "INVALID_STATE",
            "Endast Försäkringskassans intyg kan förnyas."
            if action == Action.RENEW
            else "Ärendekommunikation finns endast för Försäkringskassans intyg.",
        )
    # 11. Relations (§4.7, §6.3.4).
    if action in (Action.RENEW, Action.REPLACE, Action.SEND):
        if relations.replaced_by_signed:
            return _deny(
                "RELATION",
                "Intyget har ersatts av ett annat intyg och kan endast läsas och skrivas ut.",
            )
        if relations.complemented_by_signed and action != Action.SEND:
            return _deny(
                "RELATION",
                "Intyget har kompletterats med ett nytt intyg och kan inte förnyas eller ersättas.",
            )
    return ALLOW


def decide_complement(
    user: SessionUser,
    cert: CertificateLike,
    patient: PatientFlags,
    *,
    relations: RelationFlags = NO_RELATIONS,
    no_more_info: bool = False,
) -> Decision:
    """See :func:`_decide_complement`; a refusal carries the attempt (PDL log)."""
    decision = _decide_complement(
        user, cert, patient, relations=relations, no_more_info=no_more_info
    )
    if decision.allowed or decision.attempt is not None:
        return decision
    return replace(decision, attempt=Attempt(user, cert, Action.QUESTIONS))


def _decide_complement(
    user: SessionUser,
    cert: CertificateLike,
    patient: PatientFlags,
    *,
    relations: RelationFlags,
    no_more_info: bool,
) -> Decision:
    """May ``user`` answer a kompletteringsbegäran with a new certificate (§6.3.1)?

    Scenario A "Komplettera intyg" (``no_more_info`` False, every role; a vårdadministratör
    only prepares the draft and marks it ready) and scenario B "Kan ej komplettera – Ingen
    ytterligare medicinsk information kan anges" (``no_more_info`` True, läkare/tandläkare
    only). Both make a new draft: first every rule of ärendekommunikation (QUESTIONS), then
    the role limit of B, then "a certificate complemented with a new one cannot be
    complemented again" (§6.3.4), an inactive care unit and a deceased patient (§8: no new
    certificate; scenario C, answering with a message, stays possible).
    """
    decision = decide(user, cert, Action.QUESTIONS, patient, relations=relations)
    if not decision.allowed:
        return decision
    if no_more_info and _role(user) not in DOCTORS:
        return _deny(
            "ROLE_FUNCTION",
            "Endast läkare och tandläkare kan svara att ingen ytterligare medicinsk "
            "information kan anges.",
        )
    if relations.complemented_by_signed:
        return _deny(
            "RELATION",
            "Intyget har redan kompletterats med ett nytt intyg och kan inte kompletteras igen.",
        )
    if user.flag("inaktivEnhet", cert):
        return _deny(
            "INACTIVE_UNIT",
            "Vårdenheten är inaktiv i journalsystemet. Det går inte att skapa nya intyg.",
        )
    if patient.deceased or user.flag("avliden", cert):
        return _deny(
            "DECEASED",
            "Patienten är avliden. Det går inte att komplettera med ett nytt intyg; svara "
            "Försäkringskassan med ett meddelande i stället.",
        )
    return ALLOW


def _state_reason(action: Action, status: S) -> str:
    if action == Action.SIGN and status in SIGNED:
        return "Intyget är redan signerat."
    if action == Action.MARK_READY and status == S.READY_FOR_SIGNING:
        return "Utkastet är redan markerat klart för signering."
    if action == Action.SEND and status == S.SENT:
        return "Intyget är redan skickat till mottagaren."
    if action == Action.SEND and status in DRAFTS:
        return "Intyget måste signeras innan det kan skickas."
    if action in (Action.RENEW, Action.REPLACE) and status in DRAFTS | {S.LOCKED}:
        return "Endast signerade intyg kan förnyas eller ersättas."
    if action == Action.COPY:
        return "Endast låsta utkast kan kopieras."
    if action == Action.REVOKE and status in DRAFTS:
        return "Ett utkast kan inte makuleras. Radera utkastet i stället."
    if action == Action.REVOKE and status == S.REVOKED:
        return "Intyget är redan makulerat."
    if action == Action.QUESTIONS and status in SIGNED | DRAFTS:
        return "Intyget måste skickas till Försäkringskassan innan ärendekommunikation kan ske."
    return _STATE_TEXT[status]


def available_actions(
    user: SessionUser,
    cert: CertificateLike,
    patient: PatientFlags,
    *,
    relations: RelationFlags = NO_RELATIONS,
    actions: Iterable[Action] = tuple(Action),
) -> set[Action]:
    """The actions whose buttons the UI shows for ``cert`` (CREATE is never among them)."""
    return {
        a
        for a in actions
        if a != Action.CREATE and decide(user, cert, a, patient, relations=relations).allowed
    }


# --- reading the PDL log (patientdatalagen: the care provider follows up the accesses) --------
LOG_READER_SYSTEM_ROLE = "INTYG;PDL-logg-"  # + the unit's HSA id (HSA system role)


def decide_log_reading(user: SessionUser) -> Decision:
    """May ``user`` read the PDL log? Only with the HSA system role ``INTYG;PDL-logg-<unit>``
    (a verksamhetschef/PDL-ansvarig) for the care unit of the session; what they see is
    limited to that unit's care provider (:func:`log_scope`)."""
    if (refusal := _session_refusal(user)) is not None:
        return refusal
    if LOG_READER_SYSTEM_ROLE + user.unit.hsa_id not in user.system_roles:
        return _deny(
            "LOG_READER",
            "Du saknar behörighet att läsa PDL-loggen. Det krävs rollen PDL-ansvarig "
            "(verksamhetschef) för vårdenheten i HSA.",
        )
    if not user.unit.care_provider_id:
        return _deny("LOG_READER", "Vårdenheten saknar vårdgivare i HSA.")
    return ALLOW


def log_scope(user: SessionUser) -> str:
    """The care provider whose log ``user`` may read (after :func:`decide_log_reading`):
    records made on its units, or about its certificates. Never another care provider's."""
    decide_log_reading(user).raise_if_denied()
    assert user.unit is not None
    return user.unit.care_provider_id


# --- refused attempts in the PDL log ----------------------------------------------------------
def _audit_refusal(decision: Decision) -> None:
    from services import audit  # below rights; imported here to keep rights' imports light

    attempt = decision.attempt
    assert attempt is not None
    cert = None if isinstance(attempt.subject, str) else attempt.subject
    what = attempt.action.label
    if cert is None:
        what += f" ({type_label(str(attempt.subject))})"
    try:
        _write_refusal(audit, attempt, cert, decision, what)
    except Exception:  # the refusal stands even if the log could not be written
        logging.getLogger(__name__).exception("could not write the refusal to the PDL log")


def _write_refusal(audit: Any, attempt: Attempt, cert: Any, decision: Decision, what: str) -> None:
    audit.refused(
        attempt.user,
        REFUSAL_AUDIT_ACTIONS[attempt.action],
        cert if cert is not None and hasattr(cert, "patient_id") else None,
        code=decision.code,
        detail=f"Nekad: {what}. {decision.reason}",
        patient_id=attempt.patient_id,
    )


# What a refused attempt is logged as (the PDL activity it would have been).
REFUSAL_AUDIT_ACTIONS: dict[Action, str] = {
    Action.CREATE: "CREATE",
    Action.READ: "READ",
    Action.EDIT: "WRITE",
    Action.DELETE: "DELETE",
    Action.SIGN: "SIGN",
    Action.MARK_READY: "WRITE",
    Action.SEND: "SEND",
    Action.RENEW: "CREATE",
    Action.REPLACE: "CREATE",
    Action.COPY: "CREATE",
    Action.REVOKE: "REVOKE",
    Action.PRINT: "PRINT",
    Action.QUESTIONS: "READ",
}
