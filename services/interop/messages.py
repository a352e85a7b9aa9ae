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
from services.interop.register import (
    SWEDEN,
    CertificateData,
    build_intyg,
    parse_timestamp,
    person_root,
    timestamp,
)
from services.interop.transport import ARBETSPLATSKOD_OID, GN, HSA_OID, TP

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


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _ii(parent: etree._Element, tag: str, root: str, extension: str) -> None:
    el = _sub(parent, tag)
    _sub(el, _T + "root", root)
    _sub(el, _T + "extension", extension)


def _code(parent: etree._Element, tag: str, code: str, system: str, display: str = "") -> None:
    el = _sub(parent, tag)
    _sub(el, _T + "code", code)
    _sub(el, _T + "codeSystem", system)
    if display:
        _sub(el, _T + "displayName", display)


def _hos_personal(parent: etree._Element, tag: str, person: dict[str, Any]) -> None:
    """A HosPersonal (skickatAv, skapadAv) from an issuer/sender dict."""
    el = _sub(parent, tag)
    _ii(el, _G + "personal-id", HSA_OID, str(person.get("hsa_id") or ""))
    _sub(el, _G + "fullstandigtNamn", str(person.get("name") or ""))
    enhet = _sub(el, _G + "enhet")
    _ii(enhet, _G + "enhets-id", HSA_OID, str(person.get("unit_id") or ""))
    _ii(
        enhet,
        _G + "arbetsplatskod",
        ARBETSPLATSKOD_OID,
        str(person.get("workplace_code") or "0000000"),
    )
    _sub(enhet, _G + "enhetsnamn", str(person.get("unit_name") or ""))
    for key in ("unit_address", "unit_postal_code", "unit_city", "unit_phone"):
        tag_name = {
            "unit_address": "postadress",
            "unit_postal_code": "postnummer",
            "unit_city": "postort",
            "unit_phone": "telefonnummer",
        }[key]
        _sub(enhet, _G + tag_name, str(person.get(key) or ""))
    vg = _sub(enhet, _G + "vardgivare")
    _ii(vg, _G + "vardgivare-id", HSA_OID, str(person.get("care_provider_id") or ""))
    _sub(vg, _G + "vardgivarnamn", str(person.get("care_provider_name") or ""))


def _text(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    return (el.findtext(path, namespaces={"g": GN, "t": TP}) or "").strip()


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
        _sub(root, f"{{{ns}}}meddelande", message)
    _sub(root, f"{{{ns}}}skickatTidpunkt", timestamp(at))
    _ii(root, f"{{{ns}}}intygs-id", unit_id, certificate_id)
    _ii(root, f"{{{ns}}}patientPerson-id", person_root(personnummer), personnummer)
    _hos_personal(root, f"{{{ns}}}skickatAv", revoked_by)
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
        certificate_id=_text(element, f"{q}intygs-id/t:extension"),
        personnummer=_text(element, f"{q}patientPerson-id/t:extension"),
        message=(element.findtext(q + "meddelande") or "").strip(),
        revoked_by=_text(by, "g:personal-id/t:extension"),
        revoked_by_name=_text(by, "g:fullstandigtNamn"),
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
    _sub(root, q + "meddelande-id", m.message_id)
    if m.reference_id:
        _sub(root, q + "referens-id", m.reference_id)
    _sub(root, q + "skickatTidpunkt", timestamp(m.sent_at))
    _ii(root, q + "intygs-id", m.unit_id, m.certificate_id)
    _ii(root, q + "patientPerson-id", person_root(m.personnummer), m.personnummer)
    _sub(root, q + "logiskAdressMottagare", m.recipient)
    _code(root, q + "amne", m.topic, KV_AMNE, TOPIC_NAMES.get(m.topic, ""))
    if m.subject:
        _sub(root, q + "rubrik", m.subject)
    _sub(root, q + "meddelande", m.text)
    if m.reminder_of:
        _sub(root, q + "paminnelseMeddelande-id", m.reminder_of)
    if m.in_reply_to:
        svar_pa = _sub(root, q + "svarPa")
        _sub(svar_pa, _G + "meddelande-id", m.in_reply_to)


def send_message_to_recipient(m: Message) -> etree._Element:
    """A question or answer from the care unit to FK."""
    ns = soap.RESPONDERS["SendMessageToRecipient"]
    root = etree.Element(f"{{{ns}}}SendMessageToRecipient", nsmap={None: ns, "core": GN, "tp": TP})
    _message_common(root, ns, m)
    _hos_personal(root, f"{{{ns}}}skickatAv", m.sender)
    return root


def send_message_to_care(m: Message) -> etree._Element:
    """A question, answer, reminder or komplettering from FK to the care unit."""
    ns = soap.RESPONDERS["SendMessageToCare"]
    q = f"{{{ns}}}"
    root = etree.Element(f"{q}SendMessageToCare", nsmap={None: ns, "core": GN, "tp": TP})
    _message_common(root, ns, m)
    by = _sub(root, q + "skickatAv")
    _code(by, q + "part", str(m.sender.get("part") or "FKASSA"), KV_PART, "Försäkringskassan")
    if m.sender.get("contact"):
        _sub(by, q + "kontaktInfo", str(m.sender["contact"]))
    for item in m.complements:
        k = _sub(root, q + "komplettering")
        _sub(k, q + "frage-id", str(item.get("frage_id") or item.get("questionId") or ""))
        if item.get("instans") is not None:
            _sub(k, q + "instans", str(item["instans"]))
        _sub(k, q + "text", str(item.get("text") or ""))
    return root


def read_message(element: etree._Element, operation: str) -> Message:
    """A SendMessageToCare or SendMessageToRecipient element as a :class:`Message`."""
    ns = soap.RESPONDERS[operation]
    q = f"{{{ns}}}"
    by = element.find(q + "skickatAv")
    sender: dict[str, Any]
    if operation == "SendMessageToCare":
        sender = {"part": _text(by, f"{q}part/t:code")}
    else:
        sender = {
            "hsa_id": _text(by, "g:personal-id/t:extension"),
            "name": _text(by, "g:fullstandigtNamn"),
            "unit_id": _text(by, "g:enhet/g:enhets-id/t:extension"),
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
        certificate_id=_text(element, f"{q}intygs-id/t:extension"),
        unit_id=_text(element, f"{q}intygs-id/t:root"),
        personnummer=_text(element, f"{q}patientPerson-id/t:extension"),
        recipient=(element.findtext(q + "logiskAdressMottagare") or "").strip(),
        topic=_text(element, f"{q}amne/t:code"),
        subject=(element.findtext(q + "rubrik") or "").strip(),
        text=(element.findtext(q + "meddelande") or "").strip(),
        reminder_of=(element.findtext(q + "paminnelseMeddelande-id") or "").strip(),
        in_reply_to=_text(element, f"{q}svarPa/g:meddelande-id"),
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
    el = _sub(parent, tag)
    _sub(el, _G + "totalt", str(counts.total))
    _sub(el, _G + "ejBesvarade", str(counts.unanswered))
    _sub(el, _G + "besvarade", str(counts.answered))
    _sub(el, _G + "hanterade", str(counts.handled))


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
    handelse = _sub(root, q + "handelse")
    _code(handelse, _G + "handelsekod", event, KV_HANDELSE)
    local = at.astimezone(SWEDEN) if at.tzinfo else at
    millis = f"{local.microsecond // 1000:03d}"
    _sub(handelse, _G + "tidpunkt", local.strftime("%Y-%m-%dT%H:%M:%S.") + millis)
    if topic:
        _code(handelse, _G + "amne", topic, KV_AMNE, TOPIC_NAMES.get(topic, ""))
    _arenden(root, q + "skickadeFragor", sent)
    _arenden(root, q + "mottagnaFragor", received)
    if ref:
        _sub(root, q + "ref", ref)
    if handled_by:
        hanterat = etree.SubElement(root, f"{{{CSU_EXT}}}hanteratAv", nsmap={"csu": CSU_EXT})
        _sub(hanterat, _T + "root", HSA_OID)
        _sub(hanterat, _T + "extension", handled_by)
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
