"""Issue 6 in the browser: Skriv ut downloads the PDF; sekretess warning first (§4.5, §4.10.4)."""

from __future__ import annotations

import io
import subprocess

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.helpers import certificate
from tests.factories import MAJ_SEKRETESS


def _text(path: str) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(path).pages)


def test_print_full_and_minimal_signed_fk7804(app_server, page: Page, tmp_path) -> None:
    cert_id = certificate(app_server, "SIGNED")
    page.goto(app_server.deep_link(cert_id))
    page.get_by_test_id("action-print").click()
    expect(page.get_by_test_id("dialog-print")).to_be_visible()
    with page.expect_download() as dl:
        page.get_by_test_id("dialog-confirm-print").click()
    full = tmp_path / "full.pdf"
    dl.value.save_as(full)
    text = _text(str(full))
    assert "Fullständigt intyg" in text and "Akut bronkit" in text
    page.get_by_test_id("action-print").click()
    page.get_by_test_id("print-minimal").click()
    expect(page.get_by_test_id("minimal-info")).to_contain_text("sjuklönelagen")
    with page.expect_download() as dl:
        page.get_by_test_id("dialog-confirm-print").click()
    minimal = tmp_path / "minimal.pdf"
    dl.value.save_as(minimal)
    text = _text(str(minimal))
    assert "Minimalt intyg" in text
    assert "Akut bronkit" not in text  # no diagnosis in the minimal certificate
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(full), str(png)], check=True
    )
    assert any(tmp_path.glob("page*.png"))


def test_draft_print_and_sekretess_warning_first(app_server, page: Page) -> None:
    cert_id = app_server.create_draft(pnr=MAJ_SEKRETESS)
    page.goto(app_server.deep_link(cert_id))
    page.get_by_test_id("action-print").click()
    dialog = page.get_by_test_id("dialog-print-sekretess")
    expect(dialog).to_contain_text("varsamt")
    with page.expect_download() as dl:
        page.get_by_test_id("dialog-confirm-print-sekretess").click()
    data = dl.value.path().read_bytes()
    reader = PdfReader(io.BytesIO(data))
    assert "Utkast" in (reader.pages[0].extract_text() or "")
