"""Certificate PDFs: contents (full and minimal print), kind marking, characters, rendering."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.certificates import all_definitions
from services.certificates.base import (
    CertificateDefinition,
    FieldKind,
    Question,
    Recipient,
    Section,
)
from services.certificates.formatting import format_answer
from services.pdf import (
    PrintableCertificate,
    PrintKind,
    PrintPatient,
    print_kind,
    render_pdf,
    render_pdf_async,
)
from tests.pdf_helpers import (
    FK7804,
    SWEDISH,
    body_text,
    complete_content,
    flat,
    make,
    pages_text,
)


def answers(definition: CertificateDefinition, content: dict, *, minimal_only: bool) -> list:
    result = []
    for question in definition.questions():
        if minimal_only and not question.minimal_print:
            continue
        if not question.visible(content):
            continue
        result.append((question, format_answer(question, content.get(question.id), content)))
    return result


# --- full print ------------------------------------------------------------------------------
def test_full_print_contains_every_filled_answer() -> None:
    content = complete_content()
    pages = pages_text(render_pdf(make(content=content)))
    assert len(pages) >= 2  # long texts continue on further pages
    body = body_text(pages)
    checked = 0
    for question, lines in answers(FK7804, content, minimal_only=False):
        assert flat(question.label) in body, question.id
        for line in lines:
            assert flat(line) in body, (question.id, line)
            checked += 1
    assert checked > 25
    for text in ("J20 – Akut bronkit", "100 procent: 2026-11-20 – 2026-12-03", "40 timmar/vecka"):
        assert text in body


# The issuer block as it stands on paper (tests.pdf_helpers.ISSUER).
ISSUER_ON_PAPER = (
    "Ajla Doktor",
    "Läkare",
    "Allmänmedicin",
    "TSTNMT2321000156-1079",
    "7654321",
    "Vårdenhet Åsikten",
    "Storgatan 1",
    "123 45 Småstad",
    "0101-234567890",
)


def test_full_print_header_patient_and_issuer_block() -> None:
    pages = pages_text(render_pdf(make()))
    first = flat(pages[0])
    assert "Läkarintyg för sjukpenning" in first
    assert "FK7804" in first
    assert "Tolvan Tolvansson" in first and "19121212-1212" in first
    body = body_text(pages)
    for value in (
        *ISSUER_ON_PAPER,
        "2026-11-20 14:32",
    ):
        assert value in body, value
    for page in pages:  # patient identity on every page
        assert "19121212-1212" in page


def test_unanswered_visible_questions_say_so_and_hidden_ones_are_left_out() -> None:
    content = complete_content()
    del content["ovrigt"]
    body = body_text(pages_text(render_pdf(make("draft", content=content))))
    assert "Övriga upplysningar Ej angivet" in body
    # "Ange vad annat är" is only asked when "annat" is ticked
    assert "Ange vad annat är" not in body


def test_swedish_and_typographic_characters_survive() -> None:
    pdf = render_pdf(make())
    body = body_text(pages_text(pdf))
    assert SWEDISH in body
    for char in "åäöÅÄÖé–”…":
        assert char in body


def test_characters_outside_the_usual_repertoire_are_embedded_too() -> None:
    patient = PrintPatient("Nguyễn Ивлев", "19121212-1212")
    pages = pages_text(render_pdf(make(patient=patient)))
    assert "Nguyễn Ивлев" in pages[0]


# --- kind marking ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "minimal", "kind", "badge"),
    [
        ("draft", False, PrintKind.DRAFT, "UTKAST"),
        ("locked", False, PrintKind.LOCKED_DRAFT, "LÅST UTKAST"),
        ("signed", False, PrintKind.SIGNED_FULL, "FULLSTÄNDIGT INTYG"),
        ("sent", False, PrintKind.SIGNED_FULL, "FULLSTÄNDIGT INTYG"),
        ("signed", True, PrintKind.SIGNED_MINIMAL, "MINIMALT INTYG"),
        ("revoked", False, PrintKind.REVOKED, "MAKULERAT INTYG"),
    ],
)
def test_kind_is_marked_on_every_page(
    status: str, minimal: bool, kind: PrintKind, badge: str
) -> None:
    extra = {"revoked_at": datetime(2026, 11, 22, 9, 0)} if status == "revoked" else {}
    cert = make(status, **extra)
    assert print_kind(cert, minimal=minimal) is kind
    pages = pages_text(render_pdf(cert, minimal=minimal))
    for number, page in enumerate(pages, start=1):
        assert badge in page, number
        assert kind.label in page, number  # footer
        assert f"Sida {number} av {len(pages)}" in page
        if kind.watermark:
            assert page.count(kind.watermark) >= 2  # watermark and badge


def test_revoked_certificate_says_when() -> None:
    cert = make("signed", revoked_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    assert print_kind(cert) is PrintKind.REVOKED
    body = body_text(pages_text(render_pdf(cert)))
    assert "Makulerat 2026-11-22 09:00" in body
    assert "makulerat och gäller inte längre" in body


def test_locked_revoked_draft() -> None:
    cert = make("locked", revoked_at=datetime(2026, 11, 22, 9, 0))
    assert print_kind(cert) is PrintKind.REVOKED_LOCKED_DRAFT
    assert all("MAKULERAT" in page for page in pages_text(render_pdf(cert)))


def test_draft_is_not_signed_and_type_without_minimal_is_just_signed() -> None:
    body = body_text(pages_text(render_pdf(make("draft"))))
    assert "Signerat Ej signerat" in body
    plain = replace(FK7804, type="test", form_id="TEST1", minimal_print=False)
    assert print_kind(make(definition=plain)) is PrintKind.SIGNED


def test_sekretess_is_marked() -> None:
    patient = PrintPatient("Tolvan Tolvansson", "19121212-1212", sekretess=True)
    pages = pages_text(render_pdf(make(patient=patient)))
    assert all("SEKRETESSMARKERING" in page for page in pages)
    assert "Hantera utskriften varsamt" in body_text(pages)


# --- minimal print ---------------------------------------------------------------------------
def test_minimal_print_has_table_4_and_nothing_medical() -> None:
    content = complete_content()
    pages = pages_text(render_pdf(make(content=content), minimal=True))
    text = flat(" ".join(pages))
    body = body_text(pages)
    # table 4, FK7804
    assert "19121212-1212" in text
    for expected in (
        "Intyget är baserat på",
        "min undersökning av patienten: 2026-11-20",
        "journaluppgifter från den: 2026-11-01",
        "I relation till vilken sysselsättning bedömer du arbetsförmågan?",
        "Nuvarande arbete",
        "Min bedömning av patientens nedsättning av arbetsförmågan",
        "100 procent: 2026-11-20 – 2026-12-03",
        "75 procent: 2026-12-04 – 2026-12-17",
        "50 procent: 2026-12-18 – 2026-12-31",
        "25 procent: 2027-01-01 – 2027-01-14",
        "Resor till och från arbetet med annat färdmedel",
        "Prognos för arbetsförmåga utifrån aktuellt undersökningstillfälle",
        "Arbetsträning",
        "Arbetsanpassning",
        "Gradvis upptrappning med anpassade arbetsuppgifter.",
        # issuer and date
        *ISSUER_ON_PAPER,
        "Datum 2026-11-20 14:32",
        "sjuklönelagen",
    ):
        assert expected in body, expected
    for question, lines in answers(FK7804, content, minimal_only=True):
        if question.id == "sysselsattning":  # only "Nuvarande arbete" (table 4)
            assert "Studier" not in body
            continue
        for line in lines:
            assert flat(line) in body, (question.id, line)
    # nothing beyond table 4: no name, no diagnosis, no medical text, no ICF
    assert "Tolvan" not in text
    for question, lines in answers(FK7804, content, minimal_only=False):
        if question.minimal_print:
            continue
        assert flat(question.label) not in body, question.id
        for line in lines:
            if len(line) >= 8:
                assert flat(line) not in body, (question.id, line)
    for word in ("J189", "J20", "F432", "Pneumoni", "Andningsfunktioner", "Lyfta och bära"):
        assert word not in text


def test_minimal_print_skips_occupation_unless_current_work() -> None:
    content = complete_content()
    content["sysselsattning"] = ["STUDIER"]
    del content["nuvarande_arbete"]
    body = body_text(pages_text(render_pdf(make(content=content), minimal=True)))
    assert "I relation till vilken sysselsättning" not in body
    assert "Studier" not in body


def test_minimal_print_leaves_out_what_is_not_filled_in() -> None:
    content = complete_content()
    for key in ("arbetsresor", "atgarder", "atgarder_beskrivning", "prognos"):
        del content[key]
    body = body_text(pages_text(render_pdf(make(content=content), minimal=True)))
    assert "Resor till och från arbetet" not in body
    assert "Här kan du ange åtgärder" not in body
    assert "Prognos för arbetsförmåga" not in body
    assert "Ej angivet" not in body


@pytest.mark.parametrize("status", ["draft", "locked"])
def test_minimal_print_needs_a_signed_certificate(status: str) -> None:
    with pytest.raises(ValueError, match="signerat intyg"):
        render_pdf(make(status), minimal=True)


def test_minimal_print_refused_for_revoked_and_other_types() -> None:
    with pytest.raises(ValueError, match="makulerat"):
        render_pdf(make("signed", revoked_at=datetime(2026, 11, 22)), minimal=True)
    other = CertificateDefinition(
        type="test",
        form_id="TEST1",
        name="Testintyg",
        version="1",
        recipient=Recipient.TS,
        sections=(Section("s", "Del", (Question("a", "Fråga", FieldKind.TEXT),)),),
    )
    with pytest.raises(ValueError, match="Minimalt intyg kan inte skrivas ut för TEST1"):
        render_pdf(make(definition=other, content={"a": "svar"}), minimal=True)
    pages = pages_text(render_pdf(make(definition=other, content={"a": "svar"})))
    assert "SIGNERAT INTYG" in pages[0] and "svar" in pages[0]


# --- machinery -------------------------------------------------------------------------------
def test_async_rendering_runs_off_the_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    import services.pdf.render as render_module

    threads: list[int] = []
    real = render_module.render_pdf

    def spy(cert: PrintableCertificate, *, minimal: bool = False) -> bytes:
        threads.append(threading.get_ident())
        return real(cert, minimal=minimal)

    monkeypatch.setattr(render_module, "render_pdf", spy)

    async def main() -> tuple[bytes, int]:
        return await render_pdf_async(make(), minimal=True), threading.get_ident()

    pdf, loop_thread = asyncio.run(main())
    assert pdf.startswith(b"%PDF")
    assert threads and threads[0] != loop_thread


def test_fonts_are_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    render_pdf(make())
    import services.pdf.fonts as fonts

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("font parsed again")

    monkeypatch.setattr(fonts.TTFFont, "__init__", refuse)
    assert render_pdf(make()).startswith(b"%PDF")


def test_concurrent_renders_are_independent() -> None:
    kinds = [make(), make("draft"), make("locked"), make(content={"diagnoser": []})]
    expected = [body_text(pages_text(render_pdf(cert))) for cert in kinds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(render_pdf, kinds * 3))
    for index, pdf in enumerate(results):
        assert body_text(pages_text(pdf)) == expected[index % len(kinds)]


@pytest.mark.parametrize("definition", all_definitions(), ids=lambda d: d.type)
def test_every_type_prints(definition: CertificateDefinition) -> None:
    content = {q.id: "Svar å ä ö" for q in definition.questions() if q.kind is FieldKind.TEXTAREA}
    for status in ("draft", "signed"):
        pages = pages_text(render_pdf(make(status, definition=definition, content=content)))
        assert definition.form_id in pages[0]
    if definition.minimal_print:
        assert render_pdf(make(definition=definition, content=content), minimal=True)


# --- rendering to pixels ---------------------------------------------------------------------
PDFTOPPM = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"


@pytest.mark.skipif(not Path(PDFTOPPM).exists(), reason="pdftoppm is not installed")
@pytest.mark.parametrize("minimal", [False, True])
def test_page_one_renders_to_a_non_blank_png(tmp_path: Path, minimal: bool) -> None:
    from PIL import Image

    pdf_path = tmp_path / "intyg.pdf"
    pdf_path.write_bytes(render_pdf(make(), minimal=minimal))
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf_path,
         tmp_path / "page"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    with Image.open(tmp_path / "page.png") as image:
        gray = image.convert("L")
        assert gray.size[0] > 400 and gray.size[1] > 600
        histogram = gray.histogram()
    dark = sum(histogram[:128])
    not_white = sum(histogram[:250])
    total = sum(histogram)
    assert dark > total * 0.01  # real text on the page
    assert not_white < total * 0.6  # and not a black page
