"""A signature anyone can verify: the certificate's RegisterCertificate XML signed with the
signer's SITHS card (XMLDSig, enveloped, in ``intyg/underskrift``), checked against the CA.

* :func:`to_be_signed` — the XML of a certificate about to be signed, with the placeholder
  where the card puts its ``ds:Signature``;
* :func:`sign_with_card` — the card (the SITHS simulator, over HTTP) signs it; the result is
  verified before it is returned, so nothing unverifiable is ever stored;
* :func:`verify` — the signature is valid over the whole document, made by a certificate the CA
  issued, for the person named as signer in ``skapadAv``: who signed and when.

The signature covers the whole message (Reference URI=""), so changing one character of any
answer, of the patient or of the issuer makes verification fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLVerifier
from signxml.exceptions import InvalidInput as SignxmlInvalidInput
from signxml.exceptions import InvalidSignature as SignxmlInvalidSignature

from services import http_client
from services.interop.register import CertificateData, parse_timestamp, to_element
from services.interop.transport import DS, GN, M32, TP
from services.interop.validation import UnsafeXml, parse
from services.settings import get_settings

_G = f"{{{GN}}}"
PLACEHOLDER_ID = "placeholder"


class SignatureError(ValueError):
    """The signature is missing, broken or not from the CA (Swedish message)."""


@dataclass(frozen=True)
class Verified:
    signer: str  # "Ajla Doktor (TSTNMT2321000156-DRAA)"
    hsa_id: str
    name: str
    signed_at: str  # signeringstidpunkt as in the message
    certificate_id: str


def to_be_signed(data: CertificateData) -> bytes:
    """RegisterCertificate XML of ``data`` with ``<underskrift><ds:Signature Id=placeholder/>``."""
    root = to_element(data)
    intyg = root.find("{*}intyg")
    underskrift = etree.SubElement(intyg, f"{{{M32}}}underskrift", nsmap={"m32": M32})
    etree.SubElement(underskrift, f"{{{DS}}}Signature", Id=PLACEHOLDER_ID, nsmap={"ds": DS})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def siths_url() -> str:
    return get_settings().hsa_url.rstrip("/") + "/siths"


def fetch_ca() -> bytes:
    """The CA certificate from the SITHS simulator (PEM)."""
    try:
        response = httpx.get(siths_url() + "/ca.pem", timeout=get_settings().http_timeout_seconds)
    except httpx.HTTPError as exc:
        raise SignatureError(f"SITHS-CA:t kunde inte hämtas: {exc}") from exc
    if response.status_code != 200:
        raise SignatureError("SITHS-CA:t kunde inte hämtas.")
    return response.content


async def fetch_ca_async() -> bytes:
    client = http_client.shared()
    response = await client.get(
        siths_url() + "/ca.pem", timeout=get_settings().http_timeout_seconds
    )
    if response.status_code != 200:
        raise SignatureError("SITHS-CA:t kunde inte hämtas.")
    return response.content


async def sign_with_card(document: bytes, hsa_id: str, name: str) -> bytes:
    """The signer's card signs ``document``; returns the verified signed XML. Raises httpx
    errors when the card (simulator) cannot be reached, SignatureError when its answer does
    not verify."""
    client = http_client.shared()
    response = await client.post(
        siths_url() + f"/cards/{hsa_id}/sign",
        params={"name": name},
        content=document,
        headers={"Content-Type": "application/xml"},
        timeout=get_settings().http_timeout_seconds,
    )
    if response.status_code != 200:
        raise SignatureError(f"SITHS-kortet signerade inte: {response.text[:200]}")
    signed = response.content
    ca = await fetch_ca_async()
    result = verify(signed, ca_pem=ca)
    if result.hsa_id != hsa_id:
        raise SignatureError("Signaturen är gjord med någon annans kort.")
    if _c14n_without_signature(signed) != _c14n_without_signature(document):
        raise SignatureError("Kortet ändrade dokumentet.")
    return signed


def _c14n_without_signature(document: bytes) -> bytes:
    root = parse(document).getroot()
    for sig in root.iter(f"{{{DS}}}Signature"):
        sig.getparent().remove(sig)
    return etree.tostring(root, method="c14n", exclusive=True)


def _check_issued_by(cert: x509.Certificate, ca: x509.Certificate, at: datetime) -> None:
    if cert.issuer != ca.subject:
        raise SignatureError("Certifikatet är inte utfärdat av SITHS-CA:t.")
    public_key = ca.public_key()
    if not isinstance(public_key, rsa.RSAPublicKey) or cert.signature_hash_algorithm is None:
        raise SignatureError("SITHS-CA:ts nyckel stöds inte.")
    try:
        public_key.verify(
            cert.signature,
            cert.tbs_certificate_bytes,
            padding.PKCS1v15(),
            cert.signature_hash_algorithm,
        )
    except InvalidSignature:
        raise SignatureError("Certifikatet är inte utfärdat av SITHS-CA:t.") from None
    if not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        raise SignatureError("Certifikatet var inte giltigt vid signeringen.")


def verify(document: bytes, *, ca_pem: bytes | None = None) -> Verified:
    """Check the XML signature of a signed RegisterCertificate. Raises SignatureError."""
    try:
        tree = parse(document)
    except UnsafeXml as exc:
        raise SignatureError(str(exc)) from None
    root = tree.getroot()
    signature = root.find(f".//{{{DS}}}Signature")
    if signature is None:
        raise SignatureError("Intyget saknar signatur (underskrift).")
    cert_text = signature.findtext(f".//{{{DS}}}X509Certificate")
    if not cert_text:
        raise SignatureError("Signaturen saknar certifikat.")
    pem = (
        "-----BEGIN CERTIFICATE-----\n"
        + "".join(cert_text.split())
        + "\n-----END CERTIFICATE-----\n"
    )
    try:
        cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    except ValueError:
        raise SignatureError("Signaturens certifikat går inte att läsa.") from None
    ca = x509.load_pem_x509_certificate(ca_pem if ca_pem is not None else fetch_ca())
    intyg = root.find("{*}intyg")
    signed_at_text = (intyg.findtext(_G + "signeringstidpunkt") or "") if intyg is not None else ""
    signed_at = parse_timestamp(signed_at_text) or datetime.now(UTC)
    _check_issued_by(cert, ca, signed_at)
    try:
        result = XMLVerifier().verify(document, x509_cert=pem)
    except (SignxmlInvalidSignature, SignxmlInvalidInput) as exc:
        raise SignatureError(f"Signaturen stämmer inte med innehållet: {exc}") from None
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        raise SignatureError("Signaturen omfattar inte hela intyget.")
    signed_root = result.signed_xml
    if signed_root is None or etree.QName(signed_root).localname != "RegisterCertificate":
        raise SignatureError("Signaturen omfattar inte hela intyget.")
    subject = cert.subject
    name = _attribute(subject, NameOID.COMMON_NAME)
    hsa_id = _attribute(subject, NameOID.SERIAL_NUMBER)
    skapad_av = (
        intyg.findtext(f"{_G}skapadAv/{_G}personal-id/{{{TP}}}extension")
        if intyg is not None
        else ""
    ) or ""
    if skapad_av.strip() != hsa_id:
        raise SignatureError("Signeraren är inte den som står som utfärdare av intyget.")
    certificate_id = (
        intyg.findtext(f"{_G}intygs-id/{{{TP}}}extension") if intyg is not None else ""
    ) or ""
    return Verified(
        signer=f"{name} ({hsa_id})",
        hsa_id=hsa_id,
        name=name,
        signed_at=signed_at_text,
        certificate_id=certificate_id.strip(),
    )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""
