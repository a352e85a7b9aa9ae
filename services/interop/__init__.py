"""RIV-TA contracts of the real Webcert: RegisterCertificate v3 out and in, checked by the
official XSD, FK's/TS's schematron and the editor's own rules (no Reflex here).

* :func:`export_certificate` — a stored signed certificate as RegisterCertificate XML;
* :func:`import_xml` — such XML back to the data the database keeps;
* :func:`validate` — XSD, then schematron, then own rules: a list of :class:`Problem`;
* :func:`roundtrip` — import, export again, validate again and compare the answers.
"""

from __future__ import annotations

from typing import Any

from services.interop.register import CertificateData, ImportError_, export, from_certificate
from services.interop.register import read as _read
from services.interop.register import read as read_certificate
from services.interop.validation import Problem, UnsafeXml, parse, validate, validate_tree

__all__ = [
    "CertificateData",
    "ImportError_",
    "Problem",
    "UnsafeXml",
    "answer_differences",
    "as_json",
    "export_certificate",
    "import_xml",
    "read_certificate",
    "roundtrip",
    "signed_xml",
    "validate",
    "validate_tree",
]


def signed_xml(certificate_id: str) -> str | None:
    """The XML the signer's card signed, if the certificate was signed that way."""
    from services.persistence.db import session_scope
    from services.persistence.models import SignedDocument

    with session_scope() as s:
        document = s.get(SignedDocument, certificate_id)
        return document.xml if document is not None else None


def export_certificate(cert: Any) -> bytes:
    """RegisterCertificate v3 XML of a stored certificate: the signed XML (with its
    ``underskrift``) when it was signed with a card, else built from the stored data."""
    stored = signed_xml(cert.id)
    if stored:
        return stored.encode("utf-8")
    return export(from_certificate(cert))


def import_xml(data: bytes | str) -> CertificateData:
    """The certificate in a RegisterCertificate message. Raises UnsafeXml or ImportError_."""
    return _read(parse(data).getroot())


def as_json(data: CertificateData) -> dict[str, Any]:
    """An imported certificate as JSON-ready data (what the recipient simulators keep)."""
    return {
        "id": data.id,
        "type": data.type,
        "typeVersion": data.version,
        "patientId": data.patient.get("personnummer", ""),
        "patient": data.patient,
        "content": data.content,
        "signedAt": data.signed_at.isoformat() if data.signed_at else None,
        "issuer": data.issuer,
        "unitId": data.unit_id,
        "relation": (
            {"kind": data.relation[0], "certificateId": data.relation[1]} if data.relation else None
        ),
    }


def _normal(value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    if isinstance(value, str):
        return value.strip()
    return value


def answer_differences(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Question ids whose answers differ between two contents (order of ticked codes and
    surrounding blanks do not count)."""
    keys = sorted(set(a) | set(b))
    return [k for k in keys if _normal(a.get(k)) != _normal(b.get(k))]


def roundtrip(data: bytes | str) -> list[Problem]:
    """Import, export and validate again; problems, or a difference in the answers."""
    try:
        tree = parse(data)
    except UnsafeXml as exc:
        return [Problem("XML", str(exc))]
    try:
        first = _read(tree.getroot())
    except ImportError_ as exc:
        return [Problem("XML", str(exc))]
    again = export(first)
    problems = validate(again)
    if problems:
        return problems
    second = _read(parse(again).getroot())
    differing = answer_differences(first.content, second.content)
    if differing:
        return [Problem("rundtur", "Svaren skiljer sig efter ny export: " + ", ".join(differing))]
    return []
