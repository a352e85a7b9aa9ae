"""RegisterCertificate v3: a signed certificate to XML (export) and back (import).

Export builds the message FK and TS receive (``intyg`` with intygs-id, typ, version, signing and
sending time, patient, skapadAv with enhet and vårdgivare, relation, one ``svar`` per answer and,
when signed with a card, the ``underskrift``). Import reads such a message into the same data
the database keeps, so ``import(export(c))`` has the same answers as ``c``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

from services.certificates.base import FieldKind, Question, is_filled
from services.interop.elements import coded, hos_personal, ii, sub, text_at
from services.interop.transport import (
    DIAGNOSIS_SYSTEMS,
    DISPLAY_CODE_NAMES,
    GN,
    KV_RELATION,
    PERSONNUMMER_OID,
    RELATION_CODES,
    RELATION_KINDS,
    RG,
    SAMORDNINGSNUMMER_OID,
    TP,
    TYPES_BY_CODE,
    TypeSpec,
    ids,
    instanced,
    question_index,
    spec_for,
)

SWEDEN = ZoneInfo("Europe/Stockholm")
NSMAP = {None: GN, "rg": RG, "tp": TP}
_G = f"{{{GN}}}"
_T = f"{{{TP}}}"
_R = f"{{{RG}}}"


class ImportError_(ValueError):
    """The XML is not a RegisterCertificate this module can read (Swedish message)."""


@dataclass
class CertificateData:
    """A certificate as it travels: what the database keeps about a signed certificate."""

    id: str
    type: str  # ours, "fk7804"
    version: str
    signed_at: datetime | None
    patient: dict[str, Any]
    issuer: dict[str, Any]
    content: dict[str, Any]
    unit_id: str = ""
    relation: tuple[str, str] | None = None  # (RelationKind value, parent certificate id)
    sent_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def from_certificate(cert: Any) -> CertificateData:
    """The transport data of a stored :class:`~services.persistence.models.Certificate`."""
    issuer = dict(cert.issuer or {})
    issuer.setdefault("hsa_id", cert.signed_by or cert.created_by)
    issuer.setdefault("name", cert.signed_by_name or cert.created_by_name)
    issuer.setdefault("unit_id", cert.unit_id)
    issuer.setdefault("unit_name", cert.unit_name)
    issuer.setdefault("care_provider_id", cert.care_provider_id)
    issuer.setdefault("care_provider_name", cert.care_provider_name)
    patient = dict(cert.patient or {})
    patient.setdefault("personnummer", cert.patient_id)
    relation = None
    if cert.relation_kind and cert.parent_id:
        kind = getattr(cert.relation_kind, "value", cert.relation_kind)
        relation = (str(kind), cert.parent_id)
    return CertificateData(
        id=cert.id,
        type=cert.type,
        version=cert.type_version,
        signed_at=cert.signed_at,
        patient=patient,
        issuer=issuer,
        content=dict(cert.content or {}),
        unit_id=cert.unit_id,
        relation=relation,
        sent_at=cert.sent_at,
    )


# --- small builders ---------------------------------------------------------------------------
def _cv(parent: etree._Element, code_system: str, code: str, display: str | None) -> None:
    coded(parent, _T + "cv", code, code_system, display or "")


def timestamp(value: datetime | None) -> str:
    """Swedish local time without zone, as the contract types it (YYYY-MM-DDThh:mm:ss)."""
    if value is None:
        value = datetime.now(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SWEDEN).strftime("%Y-%m-%dT%H:%M:%S")


def parse_timestamp(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SWEDEN)
    return value.astimezone(UTC)


def person_root(personnummer: str) -> str:
    """Samordningsnummer (day + 60) has its own OID."""
    digits = "".join(ch for ch in personnummer if ch.isdigit())
    if len(digits) == 12 and digits[6:8].isdigit() and int(digits[6:8]) > 60:
        return SAMORDNINGSNUMMER_OID
    return PERSONNUMMER_OID


# --- export -----------------------------------------------------------------------------------
def build_intyg(data: CertificateData, parent: etree._Element, tag: str) -> etree._Element:
    """Append the ``intyg`` element ``tag`` for ``data`` to ``parent`` (RegisterCertificate, a
    status update)."""
    spec = spec_for(data.type)
    issuer = data.issuer
    unit_id = issuer.get("unit_id") or data.unit_id
    intyg = sub(parent, tag)
    ii(intyg, _G + "intygs-id", unit_id, data.id)
    coded(intyg, _G + "typ", spec.code, spec.code_system, spec.display_name)
    sub(intyg, _G + "version", data.version)
    signed = timestamp(data.signed_at)
    sub(intyg, _G + "signeringstidpunkt", signed)
    sub(intyg, _G + "skickatTidpunkt", signed)
    _patient(intyg, data.patient)
    hos_personal(intyg, _G + "skapadAv", issuer, unit_id=unit_id, qualifications=True)
    if data.relation:
        kind, parent_id = data.relation
        relation = sub(intyg, _G + "relation")
        coded(relation, _G + "typ", RELATION_CODES[kind], KV_RELATION)
        ii(relation, _G + "intygs-id", unit_id, parent_id)
    for svar in answers(spec, data.content):
        intyg.append(svar)
    return intyg


def _patient(intyg: etree._Element, patient: dict[str, Any]) -> None:
    el = sub(intyg, _G + "patient")
    pnr = str(patient.get("personnummer") or "")
    ii(el, _G + "person-id", person_root(pnr), pnr)
    sub(el, _G + "fornamn", str(patient.get("first_name") or ""))
    sub(el, _G + "efternamn", str(patient.get("last_name") or ""))
    if patient.get("middle_name"):
        sub(el, _G + "mellannamn", str(patient["middle_name"]))
    sub(el, _G + "postadress", str(patient.get("address") or ""))
    sub(el, _G + "postnummer", str(patient.get("postal_code") or ""))
    sub(el, _G + "postort", str(patient.get("city") or ""))


def _svar(svar_id: str, instans: int | None = None) -> etree._Element:
    el = etree.Element(_G + "svar", id=svar_id)
    if instans is not None:
        sub(el, _G + "instans", str(instans))
    return el


def _delsvar(svar: etree._Element, delsvar_id: str, text: str | None = None) -> etree._Element:
    el = sub(svar, _G + "delsvar", text)
    el.set("id", delsvar_id)
    return el


def _partial(delsvar: etree._Element, fmt: str, value: str) -> None:
    pd = sub(delsvar, _T + "partialDate")
    sub(pd, _T + "format", fmt)
    sub(pd, _T + "value", value)


def transported(spec: TypeSpec, content: dict[str, Any]) -> dict[str, Any]:
    """The answers of ``content`` that travel: visible, given and with a place in the contract."""
    out = {}
    for q in spec.definition.questions():
        if q.id in spec.not_transported or not q.visible(content):
            continue
        value = content.get(q.id)
        if q.kind == FieldKind.CHECKBOX and value is not True:
            continue
        if is_filled(value):
            out[q.id] = value
    return out


def answers(spec: TypeSpec, content: dict[str, Any]) -> list[etree._Element]:
    """Every ``svar`` for ``content``, in the order of the form."""
    given = transported(spec, content)
    index = question_index(spec.type)
    out: list[etree._Element] = []
    grouped: dict[str, etree._Element] = {}  # plain svar id -> element
    row_of = {
        qid: (svar_id, n)
        for svar_id, rows in spec.rows.items()
        for n, row in enumerate(rows)
        for qid in row
    }
    rows_done: set[str] = set()
    for q in spec.definition.questions():
        if q.id not in given or q.id in spec.attached:
            continue
        value = given[q.id]
        if q.id in row_of:
            svar_id = row_of[q.id][0]
            if svar_id not in rows_done:
                rows_done.add(svar_id)
                out += _rows(spec, svar_id, given, index)
            continue
        if instanced(q) and q.id not in spec.flag_checkboxes:
            out += _instances(spec, q, value, given, index)
            continue
        if q.kind == FieldKind.DIAGNOSES:
            out.append(_diagnoses(q, value))
            continue
        svar_id, delsvar_id = ids(q)
        svar = grouped.get(svar_id)
        if svar is None:
            svar = grouped[svar_id] = _svar(svar_id)
            out.append(svar)
        _answer(spec, q, delsvar_id, value, svar)
    return out


def _answer(spec: TypeSpec, q: Question, delsvar_id: str, value: Any, svar: etree._Element) -> None:
    """One plain answer as a delsvar of ``svar``."""
    if q.id in spec.flag_checkboxes:
        for code, flag_id in spec.flag_checkboxes[q.id].items():
            if code in value:
                _delsvar(svar, flag_id, "true")
        return
    if q.kind in (FieldKind.BOOLEAN, FieldKind.CHECKBOX):
        _delsvar(svar, delsvar_id, "true" if value else "false")
    elif q.kind == FieldKind.RADIO:
        if value in spec.codes_without_cv.get(q.id, ()):
            return
        code = spec.code_maps.get(q.id, {}).get(value, value)
        display = DISPLAY_CODE_NAMES.get(code) or q.option_label(value)
        _cv(_delsvar(svar, delsvar_id), spec.code_systems[q.id], code, display)
    elif q.kind == FieldKind.DATE:
        if q.id in spec.partial_dates:
            _partial(_delsvar(svar, delsvar_id), "YYYY-MM-DD", str(value))
        else:
            _delsvar(svar, delsvar_id, str(value))
    elif q.kind == FieldKind.NUMBER:
        if q.id in spec.partial_years:
            _partial(_delsvar(svar, delsvar_id), "YYYY", f"{int(value):04d}")
        else:
            _delsvar(svar, delsvar_id, str(value))
    elif q.id in spec.decimals:
        _delsvar(svar, delsvar_id, str(value).strip().replace(",", "."))
    else:
        _delsvar(svar, delsvar_id, str(value))


def _instances(
    spec: TypeSpec, q: Question, value: Any, given: dict[str, Any], index: dict[str, Question]
) -> list[etree._Element]:
    svar_id, delsvar_id = ids(q)
    code_system = spec.code_systems[q.id]
    out = []
    if q.kind == FieldKind.CHECKBOXES:
        codes = [o.code for o in q.options if o.code in value]
        for n, code in enumerate(codes, start=1):
            svar = _svar(svar_id, n)
            _cv(_delsvar(svar, delsvar_id), code_system, code, q.option_label(code))
            out.append(svar)
    elif q.kind == FieldKind.DATE_CHECKBOXES:
        attached = {
            code: (qid, did) for qid, (parent, code, did) in spec.attached.items() if parent == q.id
        }
        codes = [o.code for o in q.options if o.code in value]
        for n, code in enumerate(codes, start=1):
            svar = _svar(svar_id, n)
            _cv(_delsvar(svar, f"{svar_id}.1"), code_system, code, q.option_label(code))
            _delsvar(svar, f"{svar_id}.2", str(value[code]))
            if code in attached and attached[code][0] in given:
                _delsvar(svar, attached[code][1], str(given[attached[code][0]]))
            out.append(svar)
    elif q.kind == FieldKind.SICK_LEAVE:
        periods = sorted(
            (p.get("from") or "", code) for code, p in value.items() if isinstance(p, dict)
        )
        for n, (_, code) in enumerate(periods, start=1):
            period = value[code]
            svar = _svar(svar_id, n)
            _cv(_delsvar(svar, f"{svar_id}.1"), code_system, code, q.option_label(code))
            dp = sub(_delsvar(svar, f"{svar_id}.2"), _T + "datePeriod")
            sub(dp, _T + "start", str(period.get("from") or ""))
            sub(dp, _T + "end", str(period.get("to") or ""))
            out.append(svar)
    return out


def _rows(
    spec: TypeSpec, svar_id: str, given: dict[str, Any], index: dict[str, Question]
) -> list[etree._Element]:
    out = []
    n = 0
    for row in spec.rows[svar_id]:
        if not any(qid in given for qid in row):
            continue
        n += 1
        svar = _svar(svar_id, n)
        for qid in row:
            if qid in given:
                q = index[qid]
                _answer(spec, q, ids(q)[1], given[qid], svar)
        out.append(svar)
    return out


def _diagnoses(q: Question, value: list[Any]) -> etree._Element:
    svar_id, _ = ids(q)
    svar = _svar(svar_id)
    rows = [r for r in value if isinstance(r, dict) and r.get("code")]
    for n, row in enumerate(rows[:3]):
        code_id, text_id = f"{svar_id}.{2 * n + 2}", f"{svar_id}.{2 * n + 1}"
        system = DIAGNOSIS_SYSTEMS.get(
            row.get("system") or "ICD_10_SE", DIAGNOSIS_SYSTEMS["ICD_10_SE"]
        )
        _cv(_delsvar(svar, code_id), system, str(row["code"]), None)
        _delsvar(svar, text_id, str(row.get("text") or ""))
    return svar


def to_element(data: CertificateData) -> etree._Element:
    """The RegisterCertificate root element for ``data`` (without a signature)."""
    root = etree.Element(_R + "RegisterCertificate", nsmap={None: GN, "rg": RG, "tp": TP})
    build_intyg(data, root, _R + "intyg")
    return root


def export(data: CertificateData) -> bytes:
    """RegisterCertificate v3 XML (UTF-8) for ``data``."""
    return etree.tostring(to_element(data), xml_declaration=True, encoding="UTF-8")


# --- import -----------------------------------------------------------------------------------


def _cv_code(delsvar: etree._Element) -> tuple[str, str]:
    return text_at(delsvar, "t:cv/t:code"), text_at(delsvar, "t:cv/t:codeSystem")


def _value(delsvar: etree._Element) -> str:
    return (delsvar.text or "").strip()


def read(root: etree._Element) -> CertificateData:
    """The certificate carried by a RegisterCertificate (or any element holding an ``intyg``)."""
    intyg = root if etree.QName(root).localname == "intyg" else root.find("{*}intyg")
    if intyg is None:
        raise ImportError_("Meddelandet innehåller inget intyg.")
    code = text_at(intyg, "g:typ/t:code")
    cert_type = TYPES_BY_CODE.get(code)
    if cert_type is None:
        raise ImportError_(f"Okänd intygstyp: {code or 'saknas'}.")
    spec = spec_for(cert_type)
    patient_el = intyg.find(_G + "patient")
    patient = {
        "personnummer": text_at(patient_el, "g:person-id/t:extension"),
        "first_name": text_at(patient_el, "g:fornamn"),
        "middle_name": text_at(patient_el, "g:mellannamn"),
        "last_name": text_at(patient_el, "g:efternamn"),
        "address": text_at(patient_el, "g:postadress"),
        "postal_code": text_at(patient_el, "g:postnummer"),
        "city": text_at(patient_el, "g:postort"),
    }
    by = intyg.find(_G + "skapadAv")
    enhet = by.find(_G + "enhet") if by is not None else None
    issuer = {
        "hsa_id": text_at(by, "g:personal-id/t:extension"),
        "name": text_at(by, "g:fullstandigtNamn"),
        "prescription_code": text_at(by, "g:forskrivarkod"),
        "specialities": [
            (s.findtext(_T + "displayName") or "").strip()
            for s in (by.iterfind(_G + "specialistkompetens") if by is not None else ())
        ],
        "unit_id": text_at(enhet, "g:enhets-id/t:extension"),
        "workplace_code": text_at(enhet, "g:arbetsplatskod/t:extension"),
        "unit_name": text_at(enhet, "g:enhetsnamn"),
        "unit_address": text_at(enhet, "g:postadress"),
        "unit_postal_code": text_at(enhet, "g:postnummer"),
        "unit_city": text_at(enhet, "g:postort"),
        "unit_phone": text_at(enhet, "g:telefonnummer"),
        "care_provider_id": text_at(enhet, "g:vardgivare/g:vardgivare-id/t:extension"),
        "care_provider_name": text_at(enhet, "g:vardgivare/g:vardgivarnamn"),
    }
    relation = None
    rel = intyg.find(_G + "relation")
    if rel is not None:
        kind = RELATION_KINDS.get(text_at(rel, "g:typ/t:code"))
        if kind:
            relation = (kind, text_at(rel, "g:intygs-id/t:extension"))
    return CertificateData(
        id=text_at(intyg, "g:intygs-id/t:extension"),
        type=cert_type,
        version=text_at(intyg, "g:version"),
        signed_at=parse_timestamp(text_at(intyg, "g:signeringstidpunkt")),
        sent_at=parse_timestamp(text_at(intyg, "g:skickatTidpunkt")),
        patient=patient,
        issuer=issuer,
        content=read_answers(spec, intyg),
        unit_id=issuer["unit_id"],
        relation=relation,
    )


def read_answers(spec: TypeSpec, intyg: etree._Element) -> dict[str, Any]:
    """The content dict for the ``svar`` of ``intyg``."""
    definition = spec.definition
    plain: dict[str, Question] = {}  # delsvar id -> question
    instanced_by_svar: dict[str, Question] = {}
    flags: dict[str, tuple[str, str]] = {}  # delsvar id -> (question id, code)
    attached: dict[str, str] = {}  # delsvar id -> question id
    for q in definition.questions():
        if q.id in spec.not_transported:
            continue
        svar_id, delsvar_id = ids(q)
        if q.id in spec.attached:
            attached[spec.attached[q.id][2]] = q.id
        elif q.id in spec.flag_checkboxes:
            for code, flag_id in spec.flag_checkboxes[q.id].items():
                flags[flag_id] = (q.id, code)
        elif instanced(q) or q.kind == FieldKind.DIAGNOSES:
            instanced_by_svar[svar_id] = q
        elif not any(q.id in row for rows in spec.rows.values() for row in rows):
            plain[delsvar_id] = q
    content: dict[str, Any] = {}
    reverse_maps = {qid: {v: k for k, v in m.items()} for qid, m in spec.code_maps.items()}
    row_counter: dict[str, int] = {}
    for svar in intyg.iterfind(_G + "svar"):
        svar_id = svar.get("id") or ""
        if svar_id in spec.rows:
            n = row_counter.get(svar_id, 0)
            row_counter[svar_id] = n + 1
            rows = spec.rows[svar_id]
            if n >= len(rows):
                continue
            by_delsvar = {ids(question_index(spec.type)[qid])[1]: qid for qid in rows[n]}
            for delsvar in svar.iterfind(_G + "delsvar"):
                qid = by_delsvar.get(delsvar.get("id") or "")
                if qid:
                    q = question_index(spec.type)[qid]
                    content[qid] = _read_value(spec, q, delsvar, reverse_maps)
            continue
        q = instanced_by_svar.get(svar_id)
        if q is not None:
            _read_instance(spec, q, svar, content, attached)
            continue
        for delsvar in svar.iterfind(_G + "delsvar"):
            did = delsvar.get("id") or ""
            if did in flags:
                qid, code = flags[did]
                if _value(delsvar) in ("true", "1"):
                    content.setdefault(qid, []).append(code)
                continue
            q = plain.get(did)
            if q is not None:
                content[q.id] = _read_value(spec, q, delsvar, reverse_maps)
        # a RADIO sent without a cv (TS 1031 "Annan" diabetes type): implied by its text
        for qid, codes in spec.codes_without_cv.items():
            q = question_index(spec.type)[qid]
            if ids(q)[0] == svar_id and qid not in content and len(svar) > 0:
                content[qid] = next(iter(codes))
    for qid in spec.flag_checkboxes:
        if qid in content:
            order = list(spec.flag_checkboxes[qid])
            content[qid] = sorted(content[qid], key=order.index)
    return content


def _read_value(
    spec: TypeSpec, q: Question, delsvar: etree._Element, reverse: dict[str, dict[str, str]]
) -> Any:
    if q.kind in (FieldKind.BOOLEAN, FieldKind.CHECKBOX):
        return _value(delsvar) in ("true", "1")
    if q.kind == FieldKind.RADIO:
        code, _ = _cv_code(delsvar)
        return reverse.get(q.id, {}).get(code, code)
    if q.kind == FieldKind.DATE:
        if q.id in spec.partial_dates:
            return text_at(delsvar, "t:partialDate/t:value")
        return _value(delsvar)
    if q.kind == FieldKind.NUMBER:
        raw = (
            text_at(delsvar, "t:partialDate/t:value")
            if q.id in spec.partial_years
            else _value(delsvar)
        )
        try:
            return int(raw)
        except ValueError:
            return raw
    if q.id in spec.decimals:
        return _value(delsvar).replace(".", ",")
    return delsvar.text or ""


def _read_instance(
    spec: TypeSpec,
    q: Question,
    svar: etree._Element,
    content: dict[str, Any],
    attached: dict[str, str],
) -> None:
    svar_id = svar.get("id") or ""
    parts = {d.get("id"): d for d in svar.iterfind(_G + "delsvar")}
    if q.kind == FieldKind.DIAGNOSES:
        rows = []
        systems = {v: k for k, v in DIAGNOSIS_SYSTEMS.items()}
        for n in range(3):
            code_el = parts.get(f"{svar_id}.{2 * n + 2}")
            if code_el is None:
                continue
            code, system = _cv_code(code_el)
            text_el = parts.get(f"{svar_id}.{2 * n + 1}")
            rows.append(
                {
                    "code": code,
                    "text": (text_el.text or "") if text_el is not None else "",
                    "system": systems.get(system, "ICD_10_SE"),
                }
            )
        content[q.id] = rows
        return
    first = parts.get(f"{svar_id}.1")
    if first is None:
        return
    code, _ = _cv_code(first)
    if q.kind == FieldKind.CHECKBOXES:
        content.setdefault(q.id, []).append(code)
    elif q.kind == FieldKind.DATE_CHECKBOXES:
        second = parts.get(f"{svar_id}.2")
        content.setdefault(q.id, {})[code] = _value(second) if second is not None else ""
        for did, qid in attached.items():
            if did in parts and spec.attached[qid][1] == code:
                content[qid] = parts[did].text or ""
    elif q.kind == FieldKind.SICK_LEAVE:
        second = parts.get(f"{svar_id}.2")
        content.setdefault(q.id, {})[code] = {
            "from": text_at(second, "t:datePeriod/t:start"),
            "to": text_at(second, "t:datePeriod/t:end"),
        }
