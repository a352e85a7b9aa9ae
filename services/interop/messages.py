"""The other RIV-TA messages: RevokeCertificate v2, SendMessageToRecipient v2,
SendMessageToCare v2 and CertificateStatusUpdateForCare v3 — built and read as plain data.

Every builder returns the request element; :func:`services.interop.soap.envelope` wraps it.
Every builder's output is valid against its interaction's XSD (tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lxml import etree

from services.interop import soap
from services.interop.elements import coded, hos_personal, ii, sub, text_at
from services.interop.register import (
    SWEDEN,
    CertificateData,
    build_intyg,
    parse_timestamp,
    person_root,
    timestamp,
)
from services.interop.transport import GN, HSA_OID, TP

_G = f"{{{GN}}}"
_T = f"{{{TP}}}"
KV_PART = "769bb12b-bd9f-4203-a5cd-fd14f2eb3b80"
KV_AMNE = "ffa59d8f-8d7e-46ae-ac9e-31804e8e8499"
KV_HANDELSE = "dfd7bbad-dbe5-4a2f-ba25-f7b9b2cc6b14"
CSU_EXT = (
    "urn:riv:clinicalprocess:healthcond:certificate:CertificateStatusUpdateForCareResponder:3.2"
)
TOPIC_NAMES = {
    "AVSTMN": "Avstämningsmöte",
    "KONTKT": "Kontakt",
    "OVRIGT": "Övrigt",
    "KOMPLT": "Komplettering",
    "PAMINN": "Påminnelse",
}


# --- RevokeCertificate v2 -----------------------------------------------------------------------
def revoke_certificate(
    *,
    certificate_id: str,
    unit_id: str,
    personnummer: str,
    revoked_by: dict[str, Any],
    message: str,
    at: datetime | None = None,
) -> etree._Element:
    ns = soap.RESPONDERS["RevokeCertificate"]
    root = etree.Element(f"{{{ns}}}RevokeCertificate", nsmap={None: ns, "core": GN, "tp": TP})
    if message:
        sub(root, f"{{{ns}}}meddelande", message)
    sub(root, f"{{{ns}}}skickatTidpunkt", timestamp(at))
    ii(root, f"{{{ns}}}intygs-id", unit_id, certificate_id)
    ii(root, f"{{{ns}}}patientPerson-id", person_root(personnummer), personnummer)
    hos_personal(root, f"{{{ns}}}skickatAv", revoked_by)
    return root


@dataclass(frozen=True)
class Revocation:
    certificate_id: str
    personnummer: str
    message: str
    revoked_by: str  # HSA id
    revoked_by_name: str
    sent_at: datetime | None


def read_revoke(element: etree._Element) -> Revocation:
    ns = soap.RESPONDERS["RevokeCertificate"]
    q = f"{{{ns}}}"
    by = element.find(q + "skickatAv")
    return Revocation(
        certificate_id=text_at(element, f"{q}intygs-id/t:extension"),
        personnummer=text_at(element, f"{q}patientPerson-id/t:extension"),
        message=(element.findtext(q + "meddelande") or "").strip(),
        revoked_by=text_at(by, "g:personal-id/t:extension"),
        revoked_by_name=text_at(by, "g:fullstandigtNamn"),
        sent_at=parse_timestamp(element.findtext(q + "skickatTidpunkt")),
    )


# --- questions and answers: SendMessageToRecipient v2 (to FK), SendMessageToCare v2 (from FK) ----
@dataclass
class Message:
    """A question, answer, reminder or komplettering between a care unit and FK."""

    message_id: str
    certificate_id: str
    unit_id: str
    personnummer: str
    topic: str  # AVSTMN, KONTKT, OVRIGT, KOMPLT, PAMINN
    text: str
    subject: str = ""
    reference_id: str = ""
    reminder_of: str = ""  # paminnelseMeddelande-id
    in_reply_to: str = ""  # svarPa / meddelande-id
    recipient: str = "FKASSA"  # logiskAdressMottagare
    sent_at: datetime | None = None
    complements: list[dict[str, Any]] = field(default_factory=list)  # frage-id, instans, text
    sender: dict[str, Any] = field(default_factory=dict)  # HosPersonal (to FK) or part (from FK)


def _message_common(root: etree._Element, ns: str, m: Message) -> None:
    q = f"{{{ns}}}"
    sub(root, q + "meddelande-id", m.message_id)
    if m.reference_id:
        sub(root, q + "referens-id", m.reference_id)
    sub(root, q + "skickatTidpunkt", timestamp(m.sent_at))
    ii(root, q + "intygs-id", m.unit_id, m.certificate_id)
    ii(root, q + "patientPerson-id", person_root(m.personnummer), m.personnummer)
    sub(root, q + "logiskAdressMottagare", m.recipient)
    coded(root, q + "amne", m.topic, KV_AMNE, TOPIC_NAMES.get(m.topic, ""))
    if m.subject:
        sub(root, q + "rubrik", m.subject)
    sub(root, q + "meddelande", m.text)
    if m.reminder_of:
        sub(root, q + "paminnelseMeddelande-id", m.reminder_of)
    if m.in_reply_to:
        svar_pa = sub(root, q + "svarPa")
        sub(svar_pa, _G + "meddelande-id", m.in_reply_to)


def send_message_to_recipient(m: Message) -> etree._Element:
    """A question or answer from the care unit to FK."""
    ns = soap.RESPONDERS["SendMessageToRecipient"]
    root = etree.Element(f"{{{ns}}}SendMessageToRecipient", nsmap={None: ns, "core": GN, "tp": TP})
    _message_common(root, ns, m)
    hos_personal(root, f"{{{ns}}}skickatAv", m.sender)
    return root


def send_message_to_care(m: Message) -> etree._Element:
    """A question, answer, reminder or komplettering from FK to the care unit."""
    ns = soap.RESPONDERS["SendMessageToCare"]
    q = f"{{{ns}}}"
    root = etree.Element(f"{q}SendMessageToCare", nsmap={None: ns, "core": GN, "tp": TP})
    _message_common(root, ns, m)
    by = sub(root, q + "skickatAv")
    coded(by, q + "part", str(m.sender.get("part") or "FKASSA"), KV_PART, "Försäkringskassan")
    if m.sender.get("contact"):
        sub(by, q + "kontaktInfo", str(m.sender["contact"]))
    for item in m.complements:
        k = sub(root, q + "komplettering")
        sub(k, q + "frage-id", str(item.get("frage_id") or item.get("questionId") or ""))
        if item.get("instans") is not None:
            sub(k, q + "instans", str(item["instans"]))
        sub(k, q + "text", str(item.get("text") or ""))
    return root


def read_message(element: etree._Element, operation: str) -> Message:
    """A SendMessageToCare or SendMessageToRecipient element as a :class:`Message`."""
    ns = soap.RESPONDERS[operation]
    q = f"{{{ns}}}"
    by = element.find(q + "skickatAv")
    sender: dict[str, Any]
    if operation == "SendMessageToCare":
        sender = {"part": text_at(by, f"{q}part/t:code")}
    else:
        sender = {
            "hsa_id": text_at(by, "g:personal-id/t:extension"),
            "name": text_at(by, "g:fullstandigtNamn"),
            "unit_id": text_at(by, "g:enhet/g:enhets-id/t:extension"),
        }
    complements = []
    for k in element.iterfind(q + "komplettering"):
        instans = (k.findtext(q + "instans") or "").strip()
        complements.append(
            {
                "frage_id": (k.findtext(q + "frage-id") or "").strip(),
                "instans": int(instans) if instans.isdigit() else None,
                "text": (k.findtext(q + "text") or "").strip(),
            }
        )
    return Message(
        message_id=(element.findtext(q + "meddelande-id") or "").strip(),
        reference_id=(element.findtext(q + "referens-id") or "").strip(),
        certificate_id=text_at(element, f"{q}intygs-id/t:extension"),
        unit_id=text_at(element, f"{q}intygs-id/t:root"),
        personnummer=text_at(element, f"{q}patientPerson-id/t:extension"),
        recipient=(element.findtext(q + "logiskAdressMottagare") or "").strip(),
        topic=text_at(element, f"{q}amne/t:code"),
        subject=(element.findtext(q + "rubrik") or "").strip(),
        text=(element.findtext(q + "meddelande") or "").strip(),
        reminder_of=(element.findtext(q + "paminnelseMeddelande-id") or "").strip(),
        in_reply_to=text_at(element, f"{q}svarPa/g:meddelande-id"),
        sent_at=parse_timestamp(element.findtext(q + "skickatTidpunkt")),
        complements=complements,
        sender=sender,
    )


# --- CertificateStatusUpdateForCare v3 ------------------------------------------------------------
@dataclass(frozen=True)
class QuestionCounts:
    total: int = 0
    unanswered: int = 0
    answered: int = 0
    handled: int = 0


def _arenden(parent: etree._Element, tag: str, counts: QuestionCounts) -> None:
    el = sub(parent, tag)
    sub(el, _G + "totalt", str(counts.total))
    sub(el, _G + "ejBesvarade", str(counts.unanswered))
    sub(el, _G + "besvarade", str(counts.answered))
    sub(el, _G + "hanterade", str(counts.handled))


def status_update(
    *,
    certificate: CertificateData,
    event: str,
    at: datetime,
    sent: QuestionCounts,
    received: QuestionCounts,
    ref: str | None = None,
    handled_by: str | None = None,
    signed: bool = True,
    topic: str | None = None,
) -> etree._Element:
    """CertificateStatusUpdateForCare: the event, the certificate (its answers only when signed,
    as the contract says) and the question counts."""
    ns = soap.RESPONDERS["CertificateStatusUpdateForCare"]
    q = f"{{{ns}}}"
    root = etree.Element(
        f"{q}CertificateStatusUpdateForCare", nsmap={None: ns, "core": GN, "tp": TP}
    )
    data = certificate if signed else _without_answers(certificate)
    build_intyg(data, root, q + "intyg")
    handelse = sub(root, q + "handelse")
    coded(handelse, _G + "handelsekod", event, KV_HANDELSE)
    local = at.astimezone(SWEDEN) if at.tzinfo else at
    millis = f"{local.microsecond // 1000:03d}"
    sub(handelse, _G + "tidpunkt", local.strftime("%Y-%m-%dT%H:%M:%S.") + millis)
    if topic:
        coded(handelse, _G + "amne", topic, KV_AMNE, TOPIC_NAMES.get(topic, ""))
    _arenden(root, q + "skickadeFragor", sent)
    _arenden(root, q + "mottagnaFragor", received)
    if ref:
        sub(root, q + "ref", ref)
    if handled_by:
        hanterat = etree.SubElement(root, f"{{{CSU_EXT}}}hanteratAv", nsmap={"csu": CSU_EXT})
        sub(hanterat, _T + "root", HSA_OID)
        sub(hanterat, _T + "extension", handled_by)
    return root


def _without_answers(data: CertificateData) -> CertificateData:
    return CertificateData(
        id=data.id,
        type=data.type,
        version=data.version,
        signed_at=data.signed_at,
        patient=data.patient,
        issuer=data.issuer,
        content={},
        unit_id=data.unit_id,
        relation=data.relation,
    )
