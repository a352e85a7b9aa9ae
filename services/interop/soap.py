"""SOAP 1.1 envelopes as RIV-TA uses them: a ``LogicalAddress`` header, one request element in
the body, a ``...Response`` with a ``result`` (OK / ERROR + errorId + resultText) back.

Receiving is defensive: size limit, no DTD/entities, SOAP 1.1 namespace, the expected operation
in its responder namespace, then the interaction's XSD. A request that fails any of these is
refused with a RIV-TA result (ERROR / VALIDATION_ERROR) — a SOAP Fault only when not even an
operation can be read — and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from services.interop.validation import UnsafeXml, parse, xsd_problems

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
REGISTRY = "urn:riv:itintegration:registry:1"
_S = f"{{{SOAP11}}}"
MAX_SOAP_BYTES = 2_000_000

_CERT = "urn:riv:clinicalprocess:healthcond:certificate"
RESPONDERS = {
    "RegisterCertificate": f"{_CERT}:RegisterCertificateResponder:3",
    "RevokeCertificate": f"{_CERT}:RevokeCertificateResponder:2",
    "SendMessageToCare": f"{_CERT}:SendMessageToCareResponder:2",
    "SendMessageToRecipient": f"{_CERT}:SendMessageToRecipientResponder:2",
    "CertificateStatusUpdateForCare": f"{_CERT}:CertificateStatusUpdateForCareResponder:3",
}
CONTENT_TYPE = "text/xml; charset=utf-8"


class Refused(Exception):
    """A request that is refused before any work: ``error_id`` and a Swedish text."""

    def __init__(self, text: str, *, error_id: str = "VALIDATION_ERROR", fault: bool = False):
        super().__init__(text)
        self.text = text
        self.error_id = error_id
        self.fault = fault  # not even an operation could be read: answer with a SOAP Fault


@dataclass(frozen=True)
class Request:
    operation: str
    logical_address: str
    element: etree._Element  # the request element (e.g. RegisterCertificate)


@dataclass(frozen=True)
class Result:
    code: str  # OK, INFO, ERROR
    error_id: str = ""
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.code in ("OK", "INFO")


def envelope(body: etree._Element, logical_address: str) -> bytes:
    """A SOAP 1.1 envelope around ``body`` with the RIV-TA logical address header."""
    env = etree.Element(_S + "Envelope", nsmap={"soapenv": SOAP11})
    header = etree.SubElement(env, _S + "Header")
    address = etree.SubElement(header, f"{{{REGISTRY}}}LogicalAddress", nsmap={"reg": REGISTRY})
    address.text = logical_address
    etree.SubElement(env, _S + "Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def parse_request(data: bytes, operation: str, *, max_bytes: int = MAX_SOAP_BYTES) -> Request:
    """The request element of a SOAP call to ``operation``, checked against the operation's XSD.
    Raises :class:`Refused`."""
    try:
        tree = parse(data, max_bytes=max_bytes)
    except UnsafeXml as exc:
        raise Refused(str(exc), fault=True) from None
    env = tree.getroot()
    if env.tag != _S + "Envelope":
        raise Refused("Meddelandet är inte ett SOAP 1.1-kuvert.", fault=True)
    body = env.find(_S + "Body")
    elements = [e for e in (body if body is not None else []) if isinstance(e.tag, str)]
    if len(elements) != 1:
        raise Refused("SOAP-kroppen ska innehålla exakt ett anrop.", fault=True)
    element = elements[0]
    expected = f"{{{RESPONDERS[operation]}}}{operation}"
    if element.tag != expected:
        raise Refused(
            f"Fel anrop eller namnrymd: väntade {operation} i {RESPONDERS[operation]}, "
            f"fick {etree.QName(element).localname} i {etree.QName(element).namespace or '-'}."
        )
    address = env.findtext(f"{_S}Header/{{{REGISTRY}}}LogicalAddress") or ""
    # validate the request element alone against its interaction's XSD
    problems = xsd_problems(etree.ElementTree(_detached(element)), operation)
    if problems:
        raise Refused(f"Meddelandet följer inte kontraktet: {problems[0].message}")
    return Request(operation=operation, logical_address=address.strip(), element=element)


def _detached(element: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(element))


def response(operation: str, result: Result) -> bytes:
    """``<operation>Response`` with its result, in a SOAP envelope."""
    ns = RESPONDERS[operation]
    root = etree.Element(f"{{{ns}}}{operation}Response", nsmap={None: ns})
    core = "urn:riv:clinicalprocess:healthcond:certificate:3"
    res = etree.SubElement(root, f"{{{ns}}}result")
    etree.SubElement(res, f"{{{core}}}resultCode", nsmap={"core": core}).text = result.code
    if result.text:
        etree.SubElement(res, f"{{{core}}}resultText").text = result.text
    if result.error_id:
        etree.SubElement(res, f"{{{core}}}errorId").text = result.error_id
    env = etree.Element(_S + "Envelope", nsmap={"soapenv": SOAP11})
    etree.SubElement(env, _S + "Body").append(root)
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def fault(text: str) -> bytes:
    """A SOAP 1.1 Fault (soapenv:Client) for a request that could not be read at all."""
    env = etree.Element(_S + "Envelope", nsmap={"soapenv": SOAP11})
    body = etree.SubElement(env, _S + "Body")
    f = etree.SubElement(body, _S + "Fault")
    etree.SubElement(f, "faultcode").text = "soapenv:Client"
    etree.SubElement(f, "faultstring").text = text
    return etree.tostring(env, xml_declaration=True, encoding="UTF-8")


def refusal(operation: str, exc: Refused) -> tuple[bytes, int]:
    """The body and HTTP status answering a refused request."""
    if exc.fault:
        return fault(exc.text), 500
    return response(operation, Result("ERROR", exc.error_id, exc.text)), 200


def read_result(data: bytes) -> Result:
    """The result of a RIV-TA response (or a Fault, as ERROR/TECHNICAL_ERROR)."""
    try:
        root = parse(data, max_bytes=MAX_SOAP_BYTES).getroot()
    except UnsafeXml as exc:
        return Result("ERROR", "TECHNICAL_ERROR", f"Oläsligt svar: {exc}")
    fault_el = root.find(f"{_S}Body/{_S}Fault")
    if fault_el is not None:
        return Result("ERROR", "TECHNICAL_ERROR", (fault_el.findtext("faultstring") or "").strip())
    result = root.find(f"{_S}Body/*/{{*}}result")
    if result is None:
        return Result("ERROR", "TECHNICAL_ERROR", "Svaret saknar resultat.")
    return Result(
        code=(result.findtext("{*}resultCode") or "").strip(),
        error_id=(result.findtext("{*}errorId") or "").strip(),
        text=(result.findtext("{*}resultText") or "").strip(),
    )
