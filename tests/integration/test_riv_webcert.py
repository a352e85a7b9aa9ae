"""Webcert's SOAP endpoint for SendMessageToCare v2 (beside the JSON one): FK's simulator
delivers questions, kompletteringar and answers as RIV-TA messages over real HTTP; broken or
hostile requests get a RIV-TA error and nothing is stored (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlmodel import select

from services import questions
from services.interop import messages, soap
from services.persistence.db import session_scope
from services.persistence.models import Certificate, QuestionThread
from services.settings import get_settings
from tests.factories import ADMIN, BILLION_LAUGHS, RIV_RECIPIENTS, XXE, login, received, sent
from webcert_ui.riv import SEND_MESSAGE_TO_CARE


@pytest.fixture
async def cert(migrated_db, sim, api_url) -> Certificate:
    """A certificate sent to Försäkringskassan: what FK's messages are about."""
    return await sent()


def fk_soap(sim, path: str, api_url: str, **body: Any) -> httpx.Response:
    return httpx.post(
        sim.url("fk") + path,
        json={**body, "transport": "soap", "target_url": api_url + SEND_MESSAGE_TO_CARE},
        timeout=20,
    )


def threads(cert_id: str) -> list[QuestionThread]:
    with session_scope() as s:
        return list(
            s.exec(select(QuestionThread).where(QuestionThread.certificate_id == cert_id)).all()
        )


def post(api_url: str, body: bytes, key: str | None = None) -> httpx.Response:
    return httpx.post(
        api_url + SEND_MESSAGE_TO_CARE,
        content=body,
        headers={
            "Content-Type": soap.CONTENT_TYPE,
            "X-Api-Key": key if key is not None else get_settings().fk_api_key,
        },
    )


async def test_question_and_komplettering_arrive_as_send_message_to_care(
    cert, sim, api_url
) -> None:
    r = fk_soap(
        sim, "/admin/send-question", api_url, certificateId=cert.id, topic="KONTKT", text="Ring"
    )
    assert r.status_code == 200, r.text
    assert r.json()["response"]["resultCode"] == "OK"
    assert "<SendMessageToCare" in r.json()["xml"] or "SendMessageToCare" in r.json()["xml"]
    r = fk_soap(
        sim,
        "/admin/send-complement",
        api_url,
        certificateId=cert.id,
        text="Komplettera diagnosen",
        fields=[{"questionId": "6", "text": "Ange fler positioner"}],
    )
    assert r.json()["response"]["resultCode"] == "OK", r.text
    got = sorted(threads(cert.id), key=lambda t: t.topic)
    assert [(t.topic, t.direction, t.message) for t in got] == [
        ("KOMPLT", "FROM_FK", "Komplettera diagnosen"),
        ("KONTKT", "FROM_FK", "Ring"),
    ]
    assert got[0].complements[0]["question_id"] == "diagnoser"


async def test_fk_answer_arrives_as_send_message_to_care(cert, sim, api_url) -> None:
    admin = await login(ADMIN)
    view = await questions.ask(admin, cert.id, topic="OVRIGT", text="Har ni fått intyget?")
    asked = received(sim)["questions"][-1]["message"]
    r = fk_soap(sim, "/admin/answer", api_url, questionId=asked["id"], text="Ja")
    assert r.json()["response"]["resultCode"] == "OK", r.text
    (thread,) = [t for t in threads(cert.id) if t.id == view.id]
    assert thread.answer == "Ja"


async def test_a_rule_breaking_message_is_refused_with_the_rules_text(cert, sim, api_url) -> None:
    r = fk_soap(
        sim, "/admin/send-reminder", api_url, certificateId=cert.id, reminderOf="no-such-question"
    )
    assert r.json()["response"]["resultCode"] == "ERROR"
    assert "Frågan som påminnelsen avser finns inte." in r.json()["response"]["resultText"]
    assert threads(cert.id) == []


def _call(cert_id: str, personnummer: str = "191212121212", **extra: Any) -> bytes:
    m = messages.Message(
        message_id=extra.pop("message_id", "fk-1"),
        certificate_id=cert_id,
        unit_id="TSTNMT2321000156-ALVC",
        personnummer=personnummer,
        topic=extra.pop("topic", "OVRIGT"),
        text="Hej",
        sender={"part": extra.pop("part", "FKASSA")},
    )
    return soap.envelope(messages.send_message_to_care(m), "WEBCERT")


@pytest.mark.parametrize(
    "what",
    [
        "malformed",
        "billion laughs",
        "external entity",
        "oversized",
        "wrong namespace",
        "not per the XSD",
        "unknown topic",
        "other patient",
        "not from FK",
        "wrong key",
    ],
)
async def test_hostile_requests_get_a_riv_error_and_nothing_is_stored(
    cert, api_url, what: str
) -> None:
    key = None
    bodies = {
        "malformed": b"<soapenv:Envelope><x>",
        "billion laughs": BILLION_LAUGHS,
        "external entity": XXE,
        "oversized": b"<a>" + b"x" * (soap.MAX_SOAP_BYTES + 1) + b"</a>",
        "wrong namespace": _call(cert.id).replace(
            b"SendMessageToCareResponder:2", b"SendMessageToCareResponder:1"
        ),
        "not per the XSD": _call(cert.id).replace(b"<meddelande>Hej</meddelande>", b""),
        "unknown topic": _call(cert.id, topic="XXXXX"),
        "other patient": _call(cert.id, personnummer="195401232540"),
        "not from FK": _call(cert.id, part="TRANSP"),
        "wrong key": _call(cert.id),
    }
    if what == "wrong key":
        key = "not-the-key"
    response = post(api_url, bodies[what], key)
    result = soap.read_result(response.content)
    assert result.code == "ERROR", (what, response.text)
    assert "etc/passwd" not in response.text and "Traceback" not in response.text
    assert threads(cert.id) == []
    # and a correct call right after is accepted
    ok = soap.read_result(post(api_url, _call(cert.id, message_id="fk-ok")).content)
    assert ok.code == "OK", ok
    assert len(threads(cert.id)) == 1


# --- sending: RegisterCertificate v3 to the recipient -------------------------------------------
@pytest.mark.parametrize(
    ("cert_type", "recipient"),
    RIV_RECIPIENTS,
)
async def test_every_type_signed_through_the_services_is_accepted_by_its_recipient(
    migrated_db, sim, cert_type: str, recipient: str
) -> None:
    from services import clock, lifecycle
    from services.interop import samples

    doctor = await login()
    cert = await lifecycle.create_draft(doctor, cert_type=cert_type, personnummer="191212121212")
    content = samples.complete_content(cert_type, clock.today())
    lifecycle.save_draft(doctor, cert.id, content=content, expected_version=1)
    await lifecycle.sign(doctor, cert.id)
    sent = await lifecycle.send(doctor, cert.id, patient_consent=True)
    assert sent.status.value == "SENT"
    got = received(sim, recipient)
    assert got["refused"] == []
    (record,) = got["certificates"]
    assert record["format"] == "RegisterCertificate v3"
    assert record["certificate"]["id"] == cert.id
    assert record["certificate"]["issuer"]["hsa_id"] == doctor.hsa_id
    from services import interop
    from services.interop import signing

    assert interop.answer_differences(record["certificate"]["content"], content) == []
    # the recipient got the XML the doctor's SITHS card signed; anyone can verify it
    assert "X509Certificate" in record["xml"] and "underskrift" in record["xml"]
    stored = interop.export_certificate(sent)
    verified = signing.verify(stored)  # the CA from the SITHS simulator
    assert (verified.hsa_id, verified.certificate_id) == (doctor.hsa_id, cert.id)
    tampered = stored.replace(b"<tp:code>", b"<tp:code>X", 1)
    with pytest.raises(signing.SignatureError):
        signing.verify(tampered)


async def test_a_refusal_is_shown_in_swedish_and_the_certificate_stays_unsent(
    migrated_db, sim
) -> None:
    from services import clock, lifecycle
    from services.errors import InvalidInput
    from tests.factories import complete_fk7804, draft, force, load

    doctor = await login()
    cert = await draft(doctor, content=complete_fk7804())
    # a certificate signed before today's rules, without a diagnosis: FK's rule refuses it
    broken = {k: v for k, v in complete_fk7804().items() if k != "diagnoser"}
    force(cert.id, status="SIGNED", signed_by=doctor.hsa_id, signed_at=clock.now(), content=broken)
    with pytest.raises(InvalidInput) as exc:
        await lifecycle.send(doctor, cert.id, patient_consent=True)
    assert exc.value.code == "RECIPIENT_REFUSED"
    assert exc.value.message.startswith("Försäkringskassan tog inte emot intyget: ")
    assert "Ett 'MU' måste ha en 'Typ av diagnos'." in exc.value.message
    assert exc.value.message.endswith("Intyget har inte skickats.")
    assert load(cert.id).status.value == "SIGNED" and load(cert.id).sent_at is None
    assert received(sim, "fk")["certificates"] == []


async def test_export_command_prints_the_signed_xml_of_a_stored_certificate(
    migrated_db, sim, capsys: pytest.CaptureFixture[str]
) -> None:
    from services import clock, interop, lifecycle
    from services.interop import samples, signing
    from services.interop.__main__ import main

    doctor = await login()
    cert = await lifecycle.create_draft(doctor, cert_type="tstrk1031", personnummer="191212121212")
    content = samples.complete_content("tstrk1031", clock.today())
    lifecycle.save_draft(doctor, cert.id, content=content, expected_version=1)
    assert main(["export", cert.id]) == 1  # a draft is not exported
    assert "inte signerat" in capsys.readouterr().err
    await lifecycle.sign(doctor, cert.id)
    assert main(["export", cert.id]) == 0
    xml = capsys.readouterr().out.encode("utf-8")
    assert interop.validate(xml) == []
    assert signing.verify(xml).certificate_id == cert.id
    assert interop.answer_differences(interop.import_xml(xml).content, content) == []
    assert main(["export", "no-such-certificate"]) == 1
