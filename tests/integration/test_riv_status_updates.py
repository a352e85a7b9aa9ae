"""EHR notifications in the EHR's own contract: CertificateStatusUpdateForCare v3 (SOAP) to an
EHR configured for it, beside or instead of the JSON webhook; the demo EHR takes both and tells
which contract each came in (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from services import clock, lifecycle, notifications
from services.interop import samples
from services.settings import get_settings
from tests.factories import login


def json_received(sim) -> list[dict[str, Any]]:
    return httpx.get(sim.ehr_url + "/notifications").json()


def riv_received(sim) -> list[dict[str, Any]]:
    return httpx.get(sim.ehr_url + "/status-updates").json()


async def _create_sign_send() -> str:
    doctor = await login()
    cert = await lifecycle.create_draft(doctor, cert_type="fk7804", personnummer="191212121212")
    content = samples.complete_content("fk7804", clock.today())
    lifecycle.save_draft(doctor, cert.id, content=content, expected_version=1)
    await lifecycle.sign(doctor, cert.id)
    await lifecycle.send(doctor, cert.id, patient_consent=True)
    return cert.id


@pytest.mark.parametrize("fmt", ["both", "riv", "json"])
async def test_demo_ehr_gets_the_contract_it_is_configured_for(
    migrated_db, sim, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.setattr(get_settings(), "ehr_systems", "")
    monkeypatch.setattr(get_settings(), "ehr_api_keys", "demo-ehr:demo-ehr-key")
    monkeypatch.setattr(get_settings(), "demo_ehr_notification_format", fmt)
    cert_id = await _create_sign_send()
    report = await notifications.deliver_pending(now=clock.now() + timedelta(minutes=1))
    assert report.failed == [] and report.retry_scheduled == []
    riv = [r for r in riv_received(sim) if r["certificateId"] == cert_id]
    plain = [n for n in json_received(sim) if n["notification"]["certificateId"] == cert_id]
    expected = ["SKAPAT", "ANDRAT", "SIGNAT", "SKICKA"]
    assert [r["event"] for r in riv] == (expected if fmt in ("both", "riv") else [])
    assert [n["notification"]["event"] for n in plain] == (
        expected if fmt in ("both", "json") else []
    )
    if riv:
        # the draft travels without answers, the signed certificate with them
        assert [r["answers"] > 0 for r in riv] == [False, False, True, True]
        assert all(r["format"] == "CertificateStatusUpdateForCare v3" for r in riv)
        assert all(r["signature_ok"] for r in riv)
        assert all(r["certificateType"] == "LISJP" for r in riv)


async def test_demo_ehr_page_shows_which_contract_each_notification_came_in(
    migrated_db, sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "ehr_systems", "")
    monkeypatch.setattr(get_settings(), "ehr_api_keys", "demo-ehr:demo-ehr-key")
    monkeypatch.setattr(get_settings(), "demo_ehr_notification_format", "both")
    await _create_sign_send()
    await notifications.deliver_pending(now=clock.now() + timedelta(minutes=1))
    page = httpx.get(sim.ehr_url + "/").text
    assert "4 som JSON (webhook)" in page
    assert "4 som CertificateStatusUpdateForCare v3 (SOAP)" in page
    assert page.count("<td>CertificateStatusUpdateForCare v3 (SOAP)</td>") == 4
    assert page.count("<td>JSON (webhook)</td>") == 4


def test_the_demo_ehr_refuses_a_status_update_that_breaks_the_contract(sim) -> None:
    from services.interop import soap

    broken = b"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><c:CertificateStatusUpdateForCare
 xmlns:c="urn:riv:clinicalprocess:healthcond:certificate:CertificateStatusUpdateForCareResponder:3"/>
</soapenv:Body></soapenv:Envelope>"""
    r = httpx.post(sim.ehr_url + "/riv/CertificateStatusUpdateForCare/3", content=broken)
    result = soap.read_result(r.content)
    assert (result.code, result.error_id) == ("ERROR", "VALIDATION_ERROR")
    assert riv_received(sim) == []
