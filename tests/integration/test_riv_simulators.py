"""FK's and TS's simulators speak RIV-TA: SOAP RegisterCertificate v3, RevokeCertificate v2 and
SendMessageToRecipient v2 over real HTTP, validated with the XSD, the type's schematron and the
own rules; refusals are RIV-TA errors and leave nothing stored."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from services.interop import messages, register, soap
from tests.factories import BILLION_LAUGHS, RIV_RECIPIENTS, XXE, received
from tests.factories import RIV_ISSUER as ISSUER
from tests.factories import register_certificate as certificate


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url, content=body, headers={"Content-Type": soap.CONTENT_TYPE})


def register_call(data: register.CertificateData) -> bytes:
    return soap.envelope(register.to_element(data), "FKASSA")


@pytest.mark.parametrize(
    ("cert_type", "recipient"),
    RIV_RECIPIENTS,
)
def test_recipient_accepts_a_valid_register_certificate(
    sim, cert_type: str, recipient: str
) -> None:
    data = certificate(cert_type)
    response = post(sim.url(recipient) + "/riv/RegisterCertificate/3", register_call(data))
    assert response.status_code == 200
    assert soap.read_result(response.content) == soap.Result("OK")
    got = received(sim, recipient)["certificates"]
    assert [c["certificate_id"] for c in got] == [data.id]
    assert got[0]["format"] == "RegisterCertificate v3"
    assert got[0]["certificate"]["type"] == cert_type
    assert (
        got[0]["certificate"]["content"]
        == register.read(etree.fromstring(register.export(data))).content
    )
    # the same certificate again: INFO, still one
    again = soap.read_result(
        post(sim.url(recipient) + "/riv/RegisterCertificate/3", register_call(data)).content
    )
    assert again.code == "INFO"
    assert len(received(sim, recipient)["certificates"]) == 1


def test_recipient_refuses_a_certificate_breaking_a_rule_and_stores_nothing(sim) -> None:
    data = certificate("fk7804")
    data.content.pop("diagnoser")
    response = post(sim.url("fk") + "/riv/RegisterCertificate/3", register_call(data))
    result = soap.read_result(response.content)
    assert (result.code, result.error_id) == ("ERROR", "VALIDATION_ERROR")
    assert "Ett 'MU' måste ha en 'Typ av diagnos'" in result.text
    assert received(sim, "fk")["certificates"] == []


def test_recipient_refuses_the_other_recipients_type(sim) -> None:
    response = post(
        sim.url("ts") + "/riv/RegisterCertificate/3", register_call(certificate("fk7804"))
    )
    result = soap.read_result(response.content)
    assert result.code == "ERROR" and "tar inte emot fk7804" in result.text
    assert received(sim, "ts")["certificates"] == []


def test_revoke_certificate_is_recorded_once(sim) -> None:
    data = certificate("tstrk1031")
    post(sim.url("ts") + "/riv/RegisterCertificate/3", register_call(data))
    call = soap.envelope(
        messages.revoke_certificate(
            certificate_id=data.id,
            unit_id=ISSUER["unit_id"],
            personnummer="191212121212",
            revoked_by=ISSUER,
            message="Intyget har utfärdats på fel patient. Fel pnr",
        ),
        "TS",
    )
    first = soap.read_result(post(sim.url("ts") + "/riv/RevokeCertificate/2", call).content)
    second = soap.read_result(post(sim.url("ts") + "/riv/RevokeCertificate/2", call).content)
    assert (first.code, second.code) == ("OK", "INFO")
    got = received(sim, "ts")
    assert [r["message"] for r in got["revocations"]] == [
        "Intyget har utfärdats på fel patient. Fel pnr"
    ]
    assert got["certificates"][0]["revoked"]["revokedBy"] == ISSUER["hsa_id"]
    unknown = soap.envelope(
        messages.revoke_certificate(
            certificate_id="not-received",
            unit_id=ISSUER["unit_id"],
            personnummer="191212121212",
            revoked_by=ISSUER,
            message="x",
        ),
        "TS",
    )
    assert (
        soap.read_result(post(sim.url("ts") + "/riv/RevokeCertificate/2", unknown).content).code
        == "ERROR"
    )


def test_send_message_to_recipient_is_stored_as_a_question(sim) -> None:
    m = messages.Message(
        message_id="wc-q-1",
        certificate_id="c1",
        unit_id=ISSUER["unit_id"],
        personnummer="191212121212",
        topic="KONTKT",
        text="Ring mig",
        sender=ISSUER,
    )
    call = soap.envelope(messages.send_message_to_recipient(m), "FKASSA")
    result = soap.read_result(post(sim.url("fk") + "/riv/SendMessageToRecipient/2", call).content)
    assert result.ok
    stored = received(sim, "fk")["questions"][0]["message"]
    assert (stored["id"], stored["topic"], stored["text"], stored["type"]) == (
        "wc-q-1",
        "KONTKT",
        "Ring mig",
        "QUESTION",
    )


# --- hostile or broken requests: a RIV-TA error and nothing stored ------------------------------


def _wrong_namespace() -> bytes:
    element = register.to_element(certificate("fk7804"))
    xml = etree.tostring(element).replace(
        b"RegisterCertificateResponder:3", b"RegisterCertificateResponder:2"
    )
    return soap.envelope(etree.fromstring(xml), "FKASSA")


def _not_per_contract() -> bytes:
    element = register.to_element(certificate("fk7804"))
    element.find("{*}intyg").remove(element.find("{*}intyg/{*}patient"))
    return soap.envelope(element, "FKASSA")


@pytest.mark.parametrize(
    ("what", "body", "fault"),
    [
        ("malformed", b"<soapenv:Envelope><unclosed>", True),
        ("billion laughs", BILLION_LAUGHS, True),
        ("external entity", XXE, True),
        ("not SOAP", b"<RegisterCertificate/>", True),
        ("wrong namespace", None, False),
        ("not per the XSD", None, False),
        ("oversized", b"<a>" + b"x" * (soap.MAX_SOAP_BYTES + 10) + b"</a>", False),
    ],
)
def test_hostile_requests_get_a_riv_error_and_nothing_is_stored(
    sim,
    what: str,
    body: bytes | None,
    fault: bool,
) -> None:
    if what == "wrong namespace":
        body = _wrong_namespace()
    elif what == "not per the XSD":
        body = _not_per_contract()
    assert body is not None
    response = post(sim.url("fk") + "/riv/RegisterCertificate/3", body)
    result = soap.read_result(response.content)
    assert result.code == "ERROR", what
    if fault:
        assert response.status_code == 500 and result.error_id == "TECHNICAL_ERROR"
    else:
        assert result.error_id == "VALIDATION_ERROR"
    assert "etc/passwd" not in response.text and "root:" not in response.text
    got = received(sim, "fk")
    assert got["certificates"] == [] and got["questions"] == []
    assert got["refused"][-1]["operation"] == "RegisterCertificate"
