"""A simulated SITHS certificate authority and the users' SITHS cards (served by the HSA
simulator, since SITHS identities are HSA identities).

  GET  /siths/ca.pem                     the CA certificate (PEM) every signature is checked against
  POST /siths/cards/{hsa_id}/sign?name=  sign an XML document with the user's card: an enveloped
                                         XMLDSig (RSA-SHA256, exclusive c14n) placed where the
                                         document has ``<ds:Signature Id="placeholder"/>``, with the
                                         card's certificate in KeyInfo; returns the signed XML

The card (an RSA key and a certificate issued by the CA, subject CN = name, serialNumber =
HSA id) is made on first use and never leaves the simulator, as a real card's key never leaves
the card. The CA is kept in ``WEBCERT_SITHS_CA_DIR`` (default ``var/siths``) so signatures stay
verifiable across restarts (its certificate is also served at ``/siths/ca.pem``). This is a
test CA: nothing it signs is a real SITHS signature.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulators.common import error, read_body

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAX_DOCUMENT_BYTES = 2_000_000
KEY_BITS = 2048


def _name(common_name: str, serial: str | None = None) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "SE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Webcert test SITHS"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ]
    if serial:
        parts.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial))
    return x509.Name(parts)


def _issue(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    *,
    issuer: x509.Name,
    signer: rsa.RSAPrivateKey,
    ca: bool,
    backdate: timedelta,
    lifetime: timedelta,
) -> x509.Certificate:
    """A certificate for ``key`` signed by ``signer``: a CA's (signs certificates and CRLs) or a
    card's (signs documents, with non-repudiation)."""
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - backdate)
        .not_valid_after(now + lifetime)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=not ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(signer, hashes.SHA256())
    )


class CertificateAuthority:
    """The test CA and the cards it has issued (in memory; the CA itself on disk)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(
            os.environ.get("WEBCERT_SITHS_CA_DIR", PROJECT_ROOT / "var" / "siths")
        )
        self._lock = threading.Lock()
        self.key, self.certificate = self._load_or_create()
        self.cards: dict[str, tuple[rsa.RSAPrivateKey, x509.Certificate]] = {}

    def _load_or_create(self) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        # key and certificate in one file, replaced whole: another process never reads half a
        # CA nor one CA's key with another's certificate
        path = self.directory / "ca-key-and-certificate.pem"
        if path.is_file():
            try:
                data = path.read_bytes()
                key = serialization.load_pem_private_key(data, password=None)
                cert = x509.load_pem_x509_certificate(data)
                if isinstance(key, rsa.RSAPrivateKey):
                    return key, cert
            except ValueError:
                pass  # unreadable: make a new one
        key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        name = _name("Webcert test SITHS CA")
        cert = _issue(
            key,
            name,
            issuer=name,
            signer=key,
            ca=True,
            backdate=timedelta(days=1),
            lifetime=timedelta(days=3650),
        )
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ) + cert.public_bytes(serialization.Encoding.PEM)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(pem)
            tmp.chmod(0o600)
            tmp.replace(path)
        except OSError:
            pass  # a read-only tree: the CA lives as long as the process
        return key, cert

    def ca_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def card(self, hsa_id: str, name: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
        """The user's card, issued on first use."""
        with self._lock:
            if hsa_id in self.cards:
                return self.cards[hsa_id]
            key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
            cert = _issue(
                key,
                _name(name or hsa_id, hsa_id),
                issuer=self.certificate.subject,
                signer=self.key,
                ca=False,
                backdate=timedelta(minutes=5),
                lifetime=timedelta(days=730),
            )
            self.cards[hsa_id] = (key, cert)
            return key, cert

    def sign(self, document: bytes, hsa_id: str, name: str) -> bytes:
        """Sign ``document`` with the user's card (enveloped XMLDSig over the whole document)."""
        key, cert = self.card(hsa_id, name)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(document, parser)
        signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
        signed = signer.sign(root, key=key, cert=[cert])
        return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def routes(ca: CertificateAuthority) -> list[Route]:
    async def ca_certificate(request: Request) -> Response:
        return Response(ca.ca_pem(), media_type="application/x-pem-file")

    async def sign(request: Request) -> Response:
        hsa_id = request.path_params["hsa_id"]
        name = request.query_params.get("name", "")
        body = await read_body(request, MAX_DOCUMENT_BYTES)
        if not body:
            return error(400, "Dokumentet att signera saknas eller är för stort.")
        if b"<!DOCTYPE" in body:
            return error(400, "Dokumentet får inte innehålla DTD.")
        try:
            signed = ca.sign(body, hsa_id, name)
        except (etree.XMLSyntaxError, ValueError) as exc:
            return error(400, f"Dokumentet kunde inte signeras: {exc}")
        return Response(signed, media_type="application/xml")

    return [
        Route("/siths/ca.pem", ca_certificate, methods=["GET"]),
        Route("/siths/cards/{hsa_id:path}/sign", sign, methods=["POST"]),
    ]
