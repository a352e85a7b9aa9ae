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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.certificates.formatting import format_answer  # noqa: E402
from services.pdf import PrintableCertificate, PrintKind, print_kind, render_pdf  # noqa: E402
from services.pdf.render import issuer_rows  # noqa: E402
from tests.pdf_helpers import LONG, complete_content, make  # noqa: E402

TARGET_MS = 40.0
TARGET_RATIO = 2.5


def complete_fk7804() -> PrintableCertificate:
    """The PDF tests' complete signed FK7804 (3 diagnoses, 4 periods, long texts), with a few
    answers longer still and Annat as a third basis."""
    content = complete_content()
    content.update(
        {
            "grund_for_mu": {**content["grund_for_mu"], "ANNAT": "2026-11-15"},
            "grund_for_mu_annat": "Samtal med arbetsterapeut på vårdcentralen.",
            "motivering_langre_an_fmb": content["motivering_langre_an_fmb"] + " " + LONG,
            "atgarder": [*content["atgarder"], "KONTAKT_FHV"],
            "atgarder_beskrivning": content["atgarder_beskrivning"] + " " + LONG,
            "ovrigt": LONG * 3,
        }
    )
    return make(content=content)


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
    left, right = issuer_rows(cert, kind)
    out.append("<h2>Intygsutfärdare</h2><div class='issuer'>")
    for rows in (left, right):
        out.append("<table>")
        out.extend(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
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
