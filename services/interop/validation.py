"""Safe XML parsing and the three checks of a RegisterCertificate: XSD, schematron, own rules.

Parsing follows defusedxml's policy on lxml: no DTD at all (so no entity expansion — billion
laughs — and no external entities), no network, a size limit. Each schema (XSD per interaction,
schematron per type) is compiled once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from services import clock
from services.certificates.base import Severity
from services.certificates.validation import validate as validate_content
from services.interop.register import CertificateData, ImportError_, read
from services.interop.transport import RG, TYPES_BY_CODE, spec_for

if TYPE_CHECKING:
    from services.interop import schematron

SCHEMAS = Path(__file__).parent / "schemas"
XSD = SCHEMAS / "xsd" / "interactions"
MAX_XML_BYTES = 1_000_000

INTERACTIONS = {
    "RegisterCertificate": "RegisterCertificateInteraction/RegisterCertificateResponder_3.1.xsd",
    "RevokeCertificate": "RevokeCertificateInteraction/RevokeCertificateResponder_2.1.xsd",
    "SendMessageToCare": "SendMessageToCareInteraction/SendMessageToCareResponder_2.0.xsd",
    "SendMessageToRecipient": (
        "SendMessageToRecipientInteraction/SendMessageToRecipientResponder_2.1.xsd"
    ),
    "CertificateStatusUpdateForCare": (
        "CertificateStatusUpdateForCareInteraction/CertificateStatusUpdateForCareResponder_3.2.xsd"
    ),
}


class UnsafeXml(ValueError):
    """The bytes are not XML we accept (Swedish message)."""


@dataclass(frozen=True)
class Problem:
    """One reason a message is not valid."""

    stage: str  # "XML", "XSD", "schematron", "regler"
    message: str
    location: str = ""

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"{self.stage}: {self.message}{where}"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
        remove_pis=True,
    )


def parse(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> etree._ElementTree:
    """Parse untrusted XML. Refuses a DOCTYPE (entities, external entities), oversized input and
    malformed XML with :class:`UnsafeXml`."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise UnsafeXml(f"Meddelandet är för stort (högst {max_bytes} byte).")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml("Meddelandet får inte innehålla DTD eller entiteter.")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise UnsafeXml(f"Meddelandet är inte välformad XML: {exc.msg}") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml("Meddelandet får inte innehålla DTD eller entiteter.")
    return tree


@cache
def xsd(interaction: str) -> etree.XMLSchema:
    """The compiled XSD of an interaction ("RegisterCertificate"), once per process."""
    path = XSD / INTERACTIONS[interaction]
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def schematron_for(cert_type: str) -> schematron.Schematron:
    # Late: the XPath 2.0 engine (elementpath) loads on the first validation, not at start.
    from services.interop import schematron

    return schematron.load(SCHEMAS / "schematron" / spec_for(cert_type).schematron)


def xsd_problems(tree: etree._ElementTree, interaction: str) -> list[Problem]:
    schema = xsd(interaction)
    if schema.validate(tree):
        return []
    return [
        Problem("XSD", " ".join(str(e.message).split()), f"rad {e.line}") for e in schema.error_log
    ]


def content_problems(data: CertificateData) -> list[Problem]:
    """The editor's own rules (mandatory answers, formats, cross-field rules) on imported data,
    judged today (as the schematron's own date rules are)."""
    spec = spec_for(data.type)
    definition = spec.definition
    today = clock.today()
    out = []
    for m in validate_content(definition, data.content, today=today):
        if m.severity not in (Severity.MISSING, Severity.ERROR):
            continue
        question = definition.question(m.question_id)
        where = f"fråga {question.ref} {question.label}".strip()
        if m.field:
            where += f" [{m.field}]"
        out.append(Problem("regler", m.message, where))
    return out


def certificate_type(tree: etree._ElementTree) -> str | None:
    code = tree.getroot().findtext(
        "{*}intyg/{urn:riv:clinicalprocess:healthcond:certificate:3}typ/"
        "{urn:riv:clinicalprocess:healthcond:certificate:types:3}code"
    )
    return TYPES_BY_CODE.get((code or "").strip())


def validate_tree(tree: etree._ElementTree) -> list[Problem]:
    """XSD, then the type's schematron, then the own rules; stops at the first stage that fails
    (a message that is not XSD-valid is not worth judging further)."""
    root = tree.getroot()
    if root.tag != f"{{{RG}}}RegisterCertificate":
        return [Problem("XML", f"Väntade RegisterCertificate, fick {etree.QName(root).localname}.")]
    problems = xsd_problems(tree, "RegisterCertificate")
    if problems:
        return problems
    cert_type = certificate_type(tree)
    if cert_type is None:
        return [Problem("XML", "Okänd intygstyp.", "intyg / typ")]
    failures = schematron_for(cert_type).validate(tree)
    if failures:
        return [Problem("schematron", f.message, f.location) for f in failures]
    try:
        data = read(root)
    except ImportError_ as exc:
        return [Problem("XML", str(exc))]
    return content_problems(data)


def validate(data: bytes | str) -> list[Problem]:
    """Every problem of a RegisterCertificate message (empty list: valid)."""
    try:
        tree = parse(data)
    except UnsafeXml as exc:
        return [Problem("XML", str(exc))]
    return validate_tree(tree)
