"""Issue 18 in the browser: the PDL-ansvarig reads the log of a patient, downloads the CSV and
the loggutdrag PDF; the actions performed in this run are all in the log (and nothing else is).

The patient (Athena Andersson) is used by no other browser test, so her log holds exactly what
this test did."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import DOCTOR, SCREENSHOTS, UNIT
from tests.e2e.helpers import tid, wait_saved

ATHENA = "194011306125"
ATHENA_SHOWN = "19401130-6125"
READER = "SYNT-PDL-ALVC"


def _login(page: Page, app_server, hsa_id: str, next_path: str = "/pdl-logg") -> None:
    page.goto(f"{app_server.base_url}/dev/login?anvandare={hsa_id}&enhet={UNIT}&nasta={next_path}")


def test_pdl_ansvarig_filters_by_patient_and_downloads_csv_and_pdf(
    app_server, page: Page, shot, tmp_path: Path
) -> None:
    # --- what happens to Athena's data in this run (each noted as it is done) ---
    performed: list[tuple[str, str]] = []  # (action, user)
    cert_id = app_server.create_draft(pnr=ATHENA)
    performed.append(("CREATE", DOCTOR))
    page.goto(app_server.deep_link(cert_id))
    expect(page.get_by_test_id(tid("ovrigt"))).to_be_editable()
    performed.append(("READ", DOCTOR))
    page.get_by_test_id(tid("ovrigt")).fill("Skrivet för PDL-loggen")
    page.get_by_test_id(tid("ovrigt")).press("Tab")
    wait_saved(page)
    performed.append(("WRITE", DOCTOR))
    r = app_server.ehr_get(f"/api/v1/certificates/{cert_id}/pdf", user_hsa_id=DOCTOR)
    assert r.status_code == 200
    performed.append(("PRINT", DOCTOR))
    r = app_server.ehr_get(f"/api/v1/units/{UNIT}/certificates", patient=ATHENA)
    assert r.status_code == 200
    performed.append(("LIST", "system:demo-ehr"))
    # a person without a commission on the unit: refused, logged
    r = app_server.ehr_get(f"/api/v1/certificates/{cert_id}", user_hsa_id="TSTNMT2321000156-1079")
    assert r.status_code == 403
    performed.append(("READ", "system:demo-ehr"))

    # --- a läkare without the right is refused ---
    page.context.clear_cookies()
    _login(page, app_server, DOCTOR)
    expect(page.get_by_test_id("pdl-error")).to_contain_text("PDL-ansvarig")
    expect(page.get_by_test_id("pdl-table")).to_have_count(0)
    refused_doctor = ("LOG_READ", DOCTOR)  # refused, names no patient: not in Athena's log

    # --- the PDL-ansvarig ---
    page.context.clear_cookies()
    _login(page, app_server, READER)
    expect(page.get_by_test_id("header-pdl-log-link")).to_be_visible()
    expect(page.get_by_test_id("pdl-table")).to_be_visible()
    page.get_by_test_id("pdl-filter-patient").fill("1940113O-6125")  # a typo: letter O
    page.get_by_test_id("pdl-search").click()
    expect(page.get_by_test_id("pdl-error")).to_contain_text("Personnumret är inte giltigt")
    expect(page.get_by_test_id("pdl-filter-patient")).to_have_value("1940113O-6125")  # kept
    page.get_by_test_id("pdl-filter-patient").fill(ATHENA_SHOWN)
    page.get_by_test_id("pdl-search").click()
    expect(page.get_by_test_id("pdl-error")).to_have_count(0)
    performed.append(("LOG_READ", READER))
    rows = page.get_by_test_id("pdl-row")
    expect(rows.first).to_contain_text(ATHENA_SHOWN)
    expect(page.get_by_test_id("pdl-table")).to_contain_text("Nekad")
    shot("pdl-log-patient")

    with page.expect_download() as dl:
        page.get_by_test_id("pdl-export-csv").click()
    csv_path = tmp_path / "logg.csv"
    dl.value.save_as(csv_path)
    performed.append(("LOG_READ", READER))
    with page.expect_download() as dl:
        page.get_by_test_id("pdl-extract-pdf").click()
    pdf_path = tmp_path / "loggutdrag.pdf"
    dl.value.save_as(pdf_path)

    # --- the CSV holds exactly what was done with Athena's data, the refusal included ---
    table = list(csv.DictReader(io.StringIO(csv_path.read_text("utf-8-sig")), delimiter=";"))
    assert {r["Patient"] for r in table} <= {ATHENA_SHOWN, ""}
    athena = [r for r in table if r["Patient"] == ATHENA_SHOWN]
    written = sorted((r["Händelse"], r["Användare (HSA-id)"]) for r in athena)
    labels = {
        "CREATE": "Skapat",
        "READ": "Läst",
        "WRITE": "Skrivit",
        "PRINT": "Skrivit ut",
        "LIST": "Visad i lista",
        "LOG_READ": "Läst PDL-loggen",
    }
    # performed: every action on Athena's data, and the reader's filtered page and CSV
    # export (both about her); the unfiltered first page and the refusal name no patient.
    assert refused_doctor not in performed
    expected = sorted((labels[a], u) for a, u in performed)
    assert _reads(written) >= _reads(expected)  # the page may read more than once
    assert _without_reads(written) == _without_reads(expected)
    refused = [r for r in athena if r["Nekad (kod)"]]
    assert [(r["Händelse"], r["Nekad (kod)"]) for r in refused] == [("Läst", "NOT_AUTHORIZED")]
    assert "TSTNMT2321000156-1079" in refused[0]["Övrigt"]
    printed = next(r for r in athena if r["Händelse"] == "Skrivit ut")
    assert printed["System"] == "demo-ehr" and printed["Namn"] == "Ajla Doktor"

    # --- the chain of the whole run is unbroken ---
    done = subprocess.run(
        [sys.executable, "-m", "services.audit", "verify", app_server.db_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "obruten" in done.stdout, done.stdout + done.stderr

    # --- the loggutdrag ---
    text = "\n".join(p.extract_text() or "" for p in PdfReader(pdf_path).pages)
    assert "Loggutdrag" in text and ATHENA_SHOWN in text and "Ajla Doktor" in text
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            str(pdf_path),
            str(SCREENSHOTS / "pdl-loggutdrag"),
        ],
        check=True,
    )


def _reads(rows: list[tuple[str, str]]) -> int:
    return sum(1 for a, _ in rows if a == "Läst")


def _without_reads(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(r for r in rows if r[0] != "Läst")
