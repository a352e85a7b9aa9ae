"""Certificate PDFs (§4.5): the general print template and the minimal print, with fpdf2.

Use :func:`render_pdf` (blocking, CPU-bound) from worker code and :func:`render_pdf_async` from
the event loop. The input is a :class:`PrintableCertificate`, independent of the database.
Fonts load on first use (a few hundred ms, once per process); call :func:`preload_fonts` at
start-up to take that off the first print.
"""

from services.pdf.fonts import load_faces as preload_fonts
from services.pdf.model import (
    PrintableCertificate,
    PrintIssuer,
    PrintKind,
    PrintPatient,
    PrintStatus,
)
from services.pdf.render import print_kind, render_pdf, render_pdf_async

__all__ = [
    "PrintIssuer",
    "PrintKind",
    "PrintPatient",
    "PrintStatus",
    "PrintableCertificate",
    "preload_fonts",
    "print_kind",
    "render_pdf",
    "render_pdf_async",
]
