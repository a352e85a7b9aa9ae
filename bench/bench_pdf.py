"""PDF render time: our fpdf2 renderer against weasyprint on equivalent HTML, in the same run.

A complete FK7804 (3 diagnoses, 4 periods, long texts) is rendered N times by
``services.pdf.render_pdf`` and the same content, laid out as HTML with the same font and page
furniture, N times by weasyprint. Prints both medians (ms) and the ratio.

    .venv/bin/python bench/bench_pdf.py [-n 40]

Targets: our median <= 40 ms and >= 2.5 x faster than weasyprint.
"""

from __future__ import annotations

import argparse
import html
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.certificates import get_definition  # noqa: E402
from services.certificates.formatting import format_answer  # noqa: E402
from services.pdf import (  # noqa: E402
    PrintableCertificate,
    PrintIssuer,
    PrintKind,
    PrintPatient,
    print_kind,
    render_pdf,
)

TARGET_MS = 40.0
TARGET_RATIO = 2.5

LONG = (
    "Patienten har sedan tre veckor tillbaka haft tilltagande andfåddhet, hosta och feber – "
    "”det känns som att springa uppför en backe hela tiden” … Vid undersökning ses takypné, "
    "nedsatt andningsljud basalt höger och förhöjd CRP. Röntgen visar infiltrat förenligt med "
    "pneumoni. "
)


def complete_fk7804() -> PrintableCertificate:
    content = {
        "grund_for_mu": {
            "UNDERSOKNING": "2026-11-20",
            "JOURNALUPPGIFTER": "2026-11-01",
            "ANNAT": "2026-11-15",
        },
        "grund_for_mu_annat": "Samtal med arbetsterapeut på vårdcentralen.",
        "sysselsattning": ["NUVARANDE_ARBETE"],
        "nuvarande_arbete": "Undersköterska på äldreboende, tunga lyft, delvis nattarbete.",
        "diagnoser": [
            {"code": "J189", "text": "Pneumoni, ospecificerad", "system": "ICD_10_SE"},
            {"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"},
            {"code": "F432", "text": "Anpassningsstörningar", "system": "ICD_10_SE"},
        ],
        "funktionsnedsattning": LONG * 6,
        "funktionsnedsattning_icf": [
            {"code": "b440", "name": "Andningsfunktioner"},
            {"code": "b455", "name": "Funktioner för fysisk uthållighet"},
        ],
        "aktivitetsbegransning": LONG * 5,
        "aktivitetsbegransning_icf": [{"code": "d430", "name": "Lyfta och bära föremål"}],
        "pagaende_behandling": "Antibiotika peroralt i tio dagar, inhalationer vid behov.",
        "planerad_behandling": "Återbesök med ny lungröntgen om sex veckor.",
        "arbetstid_timmar_per_vecka": 40,
        "sjukskrivningar": {
            "HELT_NEDSATT": {"from": "2026-11-20", "to": "2026-12-03"},
            "TRE_FJARDEDEL": {"from": "2026-12-04", "to": "2026-12-17"},
            "HALFTEN": {"from": "2026-12-18", "to": "2026-12-31"},
            "EN_FJARDEDEL": {"from": "2027-01-01", "to": "2027-01-14"},
        },
        "motivering_langre_an_fmb": "Komplicerat förlopp med pleuravätska. " + LONG,
        "arbetstidsforlaggning": True,
        "arbetstidsforlaggning_motivering": "Orkar bäst på förmiddagar; kortare pass med vila.",
        "arbetsresor": True,
        "prognos": "ATER_X_ANTAL_DGR",
        "prognos_dagar_till_arbete": "SEXTIO_DGR",
        "atgarder": ["ARBETSTRANING", "ARBETSANPASSNING", "KONTAKT_FHV"],
        "atgarder_beskrivning": "Gradvis upptrappning med anpassade arbetsuppgifter. " + LONG,
        "ovrigt": LONG * 3,
        "kontakt_fk": True,
        "kontakt_fk_anledning": "Vill diskutera rehabiliteringsplanen med handläggaren.",
    }
    return PrintableCertificate(
        definition=get_definition("fk7804"),
        content=content,
        certificate_id="9f02dd2f-f57c-4a73-8190-2fe602cd6d27",
        status="signed",
        patient=PrintPatient("Tolvan Tolvansson", "19121212-1212"),
        issuer=PrintIssuer(
            name="Ajla Doktor",
            hsa_id="TSTNMT2321000156-1079",
            title="Läkare",
            specialities=("Allmänmedicin",),
            prescription_code="1234567",
            workplace_code="7654321",
            care_unit_name="Vårdenhet Åsikten",
            care_giver_name="Region Söderåsen",
            address="Storgatan 1",
            postal_code="123 45",
            city="Småstad",
            phone="0101-234567890",
        ),
        signed_at=datetime(2026, 11, 20, 14, 32),
    )


# --- the equivalent HTML ---------------------------------------------------------------------
CSS = """
@page { size: A4; margin: 47mm 18mm 20mm 18mm;
  @top-left { content: element(header); }
  @bottom-left { content: string(kind) " · " string(form); font-size: 8pt; color: #6c757d; }
  @bottom-right { content: "Sida " counter(page) " av " counter(pages); font-size: 8pt; }
}
body { font-family: "Liberation Sans", sans-serif; font-size: 10pt; color: #212529; }
header { position: running(header); width: 174mm; }
.band { background: #e8eef5; border-left: 1.6mm solid #163a63; padding: 3mm 4mm; height: 16mm; }
.band h1 { font-size: 13.5pt; color: #163a63; margin: 0; }
.badge { float: right; border: 0.5mm solid #19643c; color: #19643c; font-weight: bold;
  padding: 1mm 2mm; border-radius: 1.2mm; font-size: 9.5pt; }
.meta { font-size: 9pt; } .id { font-size: 7.5pt; color: #6c757d; }
.patient { border-bottom: 0.3mm solid #bec8d4; padding: 2mm 0; font-size: 9pt; }
.patient b { font-size: 10.5pt; }
.kind { string-set: kind content(); display: none; }
.form { string-set: form content(); display: none; }
.notice { border-left: 1.2mm solid #19643c; padding: 1mm 4mm; font-size: 9pt; }
h2 { font-size: 11.5pt; color: #163a63; border-bottom: 0.35mm solid #163a63;
  margin: 4mm 0 2mm; page-break-after: avoid; }
.q { font-weight: bold; font-size: 9.5pt; margin-top: 2.6mm; page-break-after: avoid; }
.note { font-size: 8.5pt; color: #6c757d; }
.a { margin-left: 3mm; }
.issuer { display: flex; gap: 8mm; } .issuer table { width: 83mm; font-size: 10pt; }
.issuer th { text-align: left; font-size: 9.5pt; width: 36mm; vertical-align: top; }
"""


def to_html(cert: PrintableCertificate) -> str:
    definition, content = cert.definition, dict(cert.content)
    kind = print_kind(cert)
    esc = html.escape
    out = [
        f"<html lang='sv'><head><meta charset='utf-8'><style>{CSS}</style></head><body>",
        f"<span class='kind'>{esc(kind.label)}</span>",
        f"<span class='form'>{esc(definition.form_id)} {esc(definition.name)}</span>",
        "<header><div class='band'>",
        f"<span class='badge'>{esc(kind.label.upper())}</span>",
        f"<h1>{esc(definition.name)}</h1>",
        f"<div class='meta'>{esc(definition.form_id)} · Mottagare: "
        f"{esc(definition.recipient.label)}</div>",
        f"<div class='id'>Intygs-id: {esc(cert.certificate_id)}</div></div>",
        f"<div class='patient'>Patient <b>{esc(cert.patient.name)}</b> &nbsp; Personnummer "
        f"<b>{esc(cert.patient.personnummer)}</b></div></header>",
        "<div class='notice'>Detta är en utskrift av ett elektroniskt signerat intyg med "
        "fullständigt innehåll.</div>",
    ]
    for section in definition.sections:
        out.append(f"<h2>{esc(section.title)}</h2>")
        for question in section.questions:
            if not question.visible(content):
                continue
            lines = format_answer(question, content.get(question.id), content) or ["Ej angivet"]
            out.append(f"<div class='q'>{esc(question.label)}</div>")
            if question.sub_label:
                out.append(f"<div class='note'>{esc(question.sub_label)}</div>")
            out.append("<div class='a'>" + "<br>".join(esc(line) for line in lines) + "</div>")
    issuer = cert.issuer
    left = [
        ("Namn", issuer.name),
        ("Befattning", issuer.title),
        ("Specialistkompetens", ", ".join(issuer.specialities)),
        ("HSA-id", issuer.hsa_id),
        ("Förskrivarkod", issuer.prescription_code),
        ("Arbetsplatskod", issuer.workplace_code),
    ]
    right = [
        ("Vårdenhet", issuer.care_unit_name),
        ("Vårdgivare", issuer.care_giver_name),
        ("Adress", f"{issuer.address}<br>{issuer.postal_code} {issuer.city}"),
        ("Telefon", issuer.phone),
        ("Datum", cert.signed_at.strftime("%Y-%m-%d %H:%M") if cert.signed_at else ""),
    ]
    out.append("<h2>Intygsutfärdare</h2><div class='issuer'>")
    for rows in (left, right):
        out.append("<table>")
        out.extend(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        out.append("</table>")
    out.append("</div></body></html>")
    return "".join(out)


def timed(fn: Callable[[], bytes], n: int) -> tuple[list[float], bytes]:
    result = fn()  # warm-up (first use loads fonts etc.), not counted
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=40, help="renders per renderer (default 40)")
    args = parser.parse_args()

    from weasyprint import HTML

    cert = complete_fk7804()
    assert print_kind(cert) is PrintKind.SIGNED_FULL
    markup = to_html(cert)

    ours, pdf = timed(lambda: render_pdf(cert), args.n)
    theirs, other = timed(lambda: HTML(string=markup, base_url=str(ROOT)).write_pdf(), args.n)

    import io

    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    other_pages = len(pypdf.PdfReader(io.BytesIO(other)).pages)
    ours_ms, theirs_ms = statistics.median(ours), statistics.median(theirs)
    ratio = theirs_ms / ours_ms
    print(f"document: complete FK7804, 3 diagnoses, 4 periods, long texts; n={args.n}")
    print(f"fpdf2 (services.pdf):  median {ours_ms:7.2f} ms   ({pages} pages, {len(pdf)} bytes)")
    print(
        f"weasyprint (HTML):     median {theirs_ms:7.2f} ms   "
        f"({other_pages} pages, {len(other)} bytes)"
    )
    print(f"ratio weasyprint/ours: {ratio:.2f}x")
    ok = ours_ms <= TARGET_MS and ratio >= TARGET_RATIO
    print(
        f"targets: median <= {TARGET_MS:.0f} ms, ratio >= {TARGET_RATIO}x -> "
        f"{'OK' if ok else 'NOT MET'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
