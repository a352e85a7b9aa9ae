"""Reading the PDL log: the log-reading right (HSA system role), the care provider scope,
filters, paging, the streamed CSV export, the loggutdrag PDF, and reading being logged.
Over the real HSA simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from sqlmodel import col, select

from services import audit, hsa, identity, pdl_log, rights
from services.errors import InvalidInput, NotAuthorized
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord
from services.settings import get_settings
from tests.factories import DOCTOR, TOLVAN, UNIT
from webcert_ui.api import make_api

READER = "SYNT-PDL-ALVC"  # Petra Loggansvarig, Alfa Regionen
OTHER_READER = "SYNT-PDL-ENHET1"  # Per Granskare, WebCert-Vårdgivare1
ALFA = "TSTNMT2321000156-ALFA"
LILLTOLVAN = "201212121212"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


async def _login(hsa_id: str, unit: str | None = None) -> tuple[str, identity.SessionUser]:
    token = await identity.login(hsa_id, unit, origin="TEST")
    return token, identity.get_session(token)


def _cert(cid: str, patient: str, unit: str = UNIT, provider: str = ALFA) -> SimpleNamespace:
    return SimpleNamespace(id=cid, patient_id=patient, unit_id=unit, care_provider_id=provider)


def _accesses(user: identity.SessionUser, n: int, patient: str = TOLVAN) -> None:
    with session_scope() as s:
        for i in range(n):
            audit.record_for(
                user, audit.AuditAction.READ, _cert(f"c-{patient}-{i}", patient), session=s
            )


def _foreign_access(patient: str = TOLVAN, *, of_alfa: bool = False) -> None:
    """A read made at another care provider on its own certificate (or, ``of_alfa``, on one
    of Alfa's: sammanhållen journalföring across care providers)."""
    other = SimpleNamespace(
        hsa_id="IFV-DOC",
        name="Främmande Läkare",
        role="LAKARE",
        unit=hsa.CareUnit(
            hsa_id="IFV1239877878-1042",
            name="WebCert-Enhet1",
            care_provider_id="IFV1239877878-1041",
            care_provider_name="WebCert-Vårdgivare1",
        ),
    )
    with session_scope() as s:
        cert = (
            _cert("alfas", patient)
            if of_alfa
            else _cert("foreign", patient, "IFV1239877878-1042", "IFV1239877878-1041")
        )
        audit.record_for(other, audit.AuditAction.READ, cert, session=s)


def _log_reads() -> list[AuditRecord]:
    with session_scope() as s:
        return list(
            s.exec(
                select(AuditRecord)
                .where(AuditRecord.action == "LOG_READ")
                .order_by(col(AuditRecord.id))
            ).all()
        )


async def test_only_the_pdl_ansvarig_may_read_and_refusals_are_logged(migrated_db, sim) -> None:
    _, reader = await _login(READER)
    assert "INTYG;PDL-logg-" + UNIT in reader.system_roles
    assert rights.decide_log_reading(reader).allowed
    assert rights.log_scope(reader) == ALFA
    _, doctor = await _login(DOCTOR, UNIT)
    decision = rights.decide_log_reading(doctor)
    assert not decision.allowed and decision.code == "LOG_READER"
    with pytest.raises(NotAuthorized, match="PDL-ansvarig"):
        pdl_log.read_page(doctor, pdl_log.LogFilter())
    with pytest.raises(NotAuthorized):
        pdl_log.export_csv(doctor, pdl_log.LogFilter())
    with pytest.raises(NotAuthorized):
        pdl_log.patient_extract(doctor, TOLVAN)
    refusals = _log_reads()
    assert [r.refusal_code for r in refusals] == ["LOG_READER"] * 3
    assert all(r.user_id == DOCTOR for r in refusals)


async def test_reader_sees_own_care_provider_only_and_the_read_is_logged(migrated_db, sim) -> None:
    _, reader = await _login(READER)
    _, doctor = await _login(DOCTOR, UNIT)
    _accesses(doctor, 3)
    _foreign_access()
    page = pdl_log.read_page(reader, pdl_log.LogFilter.parse(patient="19121212-1212"))
    reads = [r for r in page.rows if r["action"] == "READ"]
    assert len(reads) == 3 and {r["user_id"] for r in reads} == {DOCTOR}
    assert all(r["patient"] == "19121212-1212" for r in page.rows)
    # The read itself is the newest record, about the patient, and part of the chain.
    assert page.rows[0]["action"] == "LOG_READ" and page.rows[0]["user_id"] == READER
    logged = _log_reads()[-1]
    assert logged.patient_id == TOLVAN and "patient 19121212-1212" in logged.detail
    # The other care provider's reader sees its own record, never Alfa's.
    _, other = await _login(OTHER_READER)
    other_page = pdl_log.read_page(other, pdl_log.LogFilter.parse(patient=TOLVAN))
    other_reads = [r for r in other_page.rows if r["action"] == "READ"]
    assert [r["user_id"] for r in other_reads] == ["IFV-DOC"]
    with session_scope() as s:
        assert audit.verify(session=s).ok


async def test_an_access_from_another_care_provider_shows_in_both_logs(migrated_db, sim) -> None:
    _, reader = await _login(READER)
    _, other = await _login(OTHER_READER)
    _foreign_access(LILLTOLVAN, of_alfa=True)  # WebCert-Vårdgivare1 reads Alfa's certificate
    for who in (reader, other):
        page = pdl_log.read_page(who, pdl_log.LogFilter.parse(patient=LILLTOLVAN))
        reads = [r for r in page.rows if r["action"] == "READ"]
        assert [(r["user_id"], r["resource_id"], r["sjf"]) for r in reads] == [
            ("IFV-DOC", "alfas", "Ja")
        ]


async def test_filters_paging_and_bad_input(migrated_db, sim) -> None:
    _, reader = await _login(READER)
    _, doctor = await _login(DOCTOR, UNIT)
    _accesses(doctor, 120, TOLVAN)
    _accesses(doctor, 2, LILLTOLVAN)
    flt = pdl_log.LogFilter.parse(patient=TOLVAN, action="READ")
    first = pdl_log.read_page(reader, flt, page=1)
    assert len(first.rows) == pdl_log.PAGE_SIZE and first.has_next
    third = pdl_log.read_page(reader, flt, page=3)
    assert len(third.rows) == 120 - 2 * pdl_log.PAGE_SIZE and not third.has_next
    seen = [r["resource_id"] for r in first.rows] + [r["resource_id"] for r in third.rows]
    assert len(set(seen)) == len(seen)
    times = [r["time"] for r in first.rows]
    assert times == sorted(times, reverse=True)  # newest first
    by_user = pdl_log.read_page(reader, pdl_log.LogFilter.parse(user=DOCTOR, action="READ"))
    assert by_user.has_next and {r["user_id"] for r in by_user.rows} == {DOCTOR}
    today = by_user.rows[0]["time"][:10]
    dated = pdl_log.read_page(
        reader, pdl_log.LogFilter.parse(patient=LILLTOLVAN, date_from=today, date_to=today)
    )
    assert len([r for r in dated.rows if r["action"] == "READ"]) == 2
    empty = pdl_log.read_page(
        reader, pdl_log.LogFilter.parse(patient=LILLTOLVAN, date_to="2000-01-01")
    )
    assert empty.rows == []
    for kwargs, field in (
        ({"patient": "1912121212-99"}, "patient"),
        ({"action": "DROP TABLE"}, "action"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_from": "2026-02-01", "date_to": "2026-01-01"}, "date_to"),
        ({"patient": ["191212121212"]}, "patient"),
    ):
        with pytest.raises(InvalidInput) as err:
            pdl_log.LogFilter.parse(**kwargs)
        assert err.value.field == field
    with pytest.raises(InvalidInput):
        pdl_log.read_page(reader, flt, page="2")


async def test_csv_export_streams_the_filtered_rows(migrated_db, sim, monkeypatch) -> None:
    monkeypatch.setattr(pdl_log, "EXPORT_BATCH", 7)  # several batches
    _, reader = await _login(READER)
    _, doctor = await _login(DOCTOR, UNIT)
    _accesses(doctor, 20, TOLVAN)
    _accesses(doctor, 3, LILLTOLVAN)
    _foreign_access()
    flt = pdl_log.LogFilter.parse(patient=TOLVAN, action="READ")
    chunks = list(pdl_log.export_csv(reader, flt))
    assert len(chunks) >= 4  # header + ceil(20 / 7) batches
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][0] == "Tidpunkt" and "Sammanhållen journalföring" in rows[0]
    body = rows[1:]
    assert len(body) == 20
    assert {r[rows[0].index("Användare (HSA-id)")] for r in body} == {DOCTOR}
    assert {r[rows[0].index("Patient")] for r in body} == {"19121212-1212"}
    assert len({r[rows[0].index("Post")] for r in body}) == 20
    assert _log_reads()[-1].detail.startswith("CSV-export")


async def test_http_routes_need_the_right(migrated_db, sim) -> None:
    token, _ = await _login(READER)
    doctor_token, doctor = await _login(DOCTOR, UNIT)
    _accesses(doctor, 4, TOLVAN)
    name = get_settings().session_cookie_name
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_api()), base_url="http://webcert"
    ) as client:
        ok = await client.get(
            "/pdl-logg/export.csv", params={"patient": TOLVAN}, cookies={name: token}
        )
        assert ok.status_code == 200 and ok.headers["content-type"].startswith("text/csv")
        assert "attachment" in ok.headers["content-disposition"]
        assert ok.text.count(DOCTOR) == 4
        pdf = await client.get(
            "/pdl-logg/loggutdrag.pdf", params={"patient": TOLVAN}, cookies={name: token}
        )
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        denied = await client.get("/pdl-logg/export.csv", cookies={name: doctor_token})
        assert denied.status_code == 403 and "PDL-ansvarig" in denied.text
        anonymous = await client.get("/pdl-logg/export.csv")
        assert anonymous.status_code == 401 and "inte inloggad" in anonymous.text
        bad = await client.get(
            "/pdl-logg/loggutdrag.pdf", params={"patient": "nej"}, cookies={name: token}
        )
        assert bad.status_code == 400 and "Personnumret" in bad.text


async def test_loggutdrag_pdf_names_who_when_and_where(migrated_db, sim, tmp_path) -> None:
    _, reader = await _login(READER)
    _, doctor = await _login(DOCTOR, UNIT)
    _accesses(doctor, 3, TOLVAN)
    _foreign_access()
    extract = pdl_log.patient_extract(reader, "19121212-1212")
    assert extract.rows == 3 and extract.data.startswith(b"%PDF")
    assert extract.filename.startswith("loggutdrag-191212121212-")
    assert _log_reads()[-1].detail.startswith("Loggutdrag")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    path = tmp_path / "utdrag.pdf"
    path.write_bytes(extract.data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Loggutdrag" in text and "19121212-1212" in text
    assert doctor.name in text and "Alfa Vårdcentral" in text
    assert "Främmande Läkare" not in text  # another care provider's access
    out = ARTIFACTS / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(out / "loggutdrag")],
        check=True,
    )
