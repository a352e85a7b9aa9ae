"""Issue 15 item 18: FK7263 (view and print only, §2.4) exists in the demo data and the
testability API creates it, so its read-only view and print can be used and tested."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from services import lifecycle, printing, seed
from services.persistence.db import session_scope
from services.persistence.models import Certificate
from services.persistence.models import CertificateStatus as S
from services.settings import get_settings
from tests.factories import login


async def test_item18_demo_data_has_signed_fk7263_to_view_and_print(migrated_db, sim) -> None:
    assert await seed.seed() > 0
    with session_scope() as s:
        legacy = s.exec(select(Certificate).where(Certificate.type == "fk7263")).all()
    assert {c.status for c in legacy} == {S.SIGNED, S.SENT}
    doctor = await login()
    for cert in legacy:
        view = await lifecycle.open_certificate(doctor, cert.id)
        actions = {a.value for a in view.actions}
        assert "PRINT" in actions and actions.isdisjoint({"EDIT", "SIGN", "RENEW", "REPLACE"})
        assert view.certificate.signed_by_name and view.certificate.signature_hash
        for minimal in (False, True):
            doc = await printing.print_certificate(doctor, cert.id, minimal=minimal)
            assert doc.data[:5] == b"%PDF-" and len(doc.data) > 2000
    assert await seed.seed() == 0  # only into an empty database


async def test_item18_testability_api_creates_fk7263(
    migrated_db,
    sim,
    api_url,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(get_settings(), "testability_enabled", True)
    body = {
        "type": "fk7263",
        "personnummer": "191212121212",
        "hsa_id": "TSTNMT2321000156-DRAA",
        "unit_id": "TSTNMT2321000156-ALVC",
    }
    r = httpx.post(api_url + "/testability/certificates", json={**body, "status": "SENT"})
    assert r.status_code == 201, r.text
    cert_id = r.json()["id"]
    assert r.json()["status"] == "SENT"
    doctor = await login()
    view = await lifecycle.open_certificate(doctor, cert_id)
    assert view.certificate.type == "fk7263" and view.certificate.content["diagnoser"]
    doc = await printing.print_certificate(doctor, cert_id)
    assert doc.data[:5] == b"%PDF-"
    # an FK7263 draft never exists: a clear refusal, not a stack trace
    r = httpx.post(api_url + "/testability/certificates", json={**body, "status": "DRAFT"})
    assert r.status_code == 400 and "signerat" in r.text, r.text
