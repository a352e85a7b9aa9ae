"""A signature anyone can verify: XMLDSig over the whole RegisterCertificate, checked against
the (simulated) SITHS CA; one changed character anywhere makes verification fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from services import interop
from services.interop import signing
from services.interop.__main__ import main
from simulators.siths import CertificateAuthority
from tests.factories import register_certificate as certificate


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertificateAuthority:
    return CertificateAuthority(tmp_path_factory.mktemp("siths"))


@pytest.fixture(scope="module")
def signed(ca: CertificateAuthority) -> bytes:
    data = certificate("fk7804")
    return ca.sign(signing.to_be_signed(data), data.issuer["hsa_id"], data.issuer["name"])


def test_signed_message_is_valid_and_says_who_signed_and_when(
    ca: CertificateAuthority, signed: bytes
) -> None:
    assert b"underskrift" in signed and b"X509Certificate" in signed
    assert interop.validate(signed) == []  # the signature is where the XSD wants it
    result = signing.verify(signed, ca_pem=ca.ca_pem())
    assert result.hsa_id == "TSTNMT2321000156-DRAA"
    assert result.name == "Ajla Doktor"
    assert result.certificate_id == "9f1c1c8e-0b7e-4a51-9d35-1f2b9a3c7d10"
    assert result.signed_at == interop.import_xml(signed).signed_at.astimezone(
        interop.register.SWEDEN
    ).strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Ryggvärk", "Ryggvärm"),  # one character of an answer
        ("Tolvansson", "Tolvanssen"),  # the patient's name
        ("Alfa Vårdcentral", "Alfa Vårdcentrål"),  # the issuing unit
    ],
)
def test_one_changed_character_breaks_the_signature(
    ca: CertificateAuthority, signed: bytes, old: str, new: str
) -> None:
    text = signed.decode("utf-8")
    assert old in text
    tampered = text.replace(old, new, 1).encode("utf-8")
    with pytest.raises(signing.SignatureError, match="stämmer inte med innehållet"):
        signing.verify(tampered, ca_pem=ca.ca_pem())


def test_a_signature_from_another_ca_is_refused(signed: bytes, tmp_path: Path) -> None:
    other = CertificateAuthority(tmp_path / "other")
    with pytest.raises(signing.SignatureError, match="inte utfärdat av SITHS-CA:t"):
        signing.verify(signed, ca_pem=other.ca_pem())


def test_a_card_of_someone_else_than_the_issuer_is_refused(ca: CertificateAuthority) -> None:
    data = certificate("fk7804")
    forged = ca.sign(signing.to_be_signed(data), "TSTNMT2321000156-VAAA", "Vårdadmin")
    with pytest.raises(signing.SignatureError, match="inte den som står som utfärdare"):
        signing.verify(forged, ca_pem=ca.ca_pem())


def test_unsigned_message_has_no_signature(ca: CertificateAuthority) -> None:
    with pytest.raises(signing.SignatureError, match="saknar signatur"):
        signing.verify(interop.register.export(certificate("fk7804")), ca_pem=ca.ca_pem())


def test_verify_command(
    ca: CertificateAuthority, signed: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ca_file, good, bad = tmp_path / "ca.pem", tmp_path / "good.xml", tmp_path / "bad.xml"
    ca_file.write_bytes(ca.ca_pem())
    good.write_bytes(signed)
    bad.write_bytes(signed.replace("Ryggvärk".encode(), "Ryggvärm".encode(), 1))
    assert main(["verify", "--ca", str(ca_file), str(good)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"OK {good}: signerat av Ajla Doktor (TSTNMT2321000156-DRAA) den ")
    assert main(["verify", "--ca", str(ca_file), str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(f"FEL {bad}: Signaturen stämmer inte med innehållet")
