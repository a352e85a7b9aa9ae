"""Certificate PDFs (§4.5): the general print template and the minimal print, with fpdf2.

Use :func:`render_pdf` (blocking, CPU-bound) from worker code and :func:`render_pdf_async` from
the event loop. The input is a :class:`PrintableCertificate`, independent of the database.
Fonts load on first use (a few hundred ms, once per process); call :func:`preload_fonts` at
start-up to take that off the first print.

fpdf2 and fontTools are imported on first use too (by the functions below, which hand over to
:mod:`services.pdf.render` and :mod:`services.pdf.fonts`): importing them is a fifth of the app's
start-up, and the start-up job that preloads the fonts does it off the serving path.
"""

from __future__ import annotations

from services.pdf.model import (
    PrintableCertificate,
    PrintIssuer,
    PrintKind,
    PrintPatient,
    PrintStatus,
)

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


def preload_fonts() -> None:
    """Parse the fonts now (once per process) instead of at the first print."""
    from services.pdf.fonts import load_faces

    load_faces()


def print_kind(cert: PrintableCertificate, *, minimal: bool = False) -> PrintKind:
    """The kind of print for ``cert``; ValueError (Swedish) when it cannot be printed so."""
    from services.pdf import render

    return render.print_kind(cert, minimal=minimal)


def render_pdf(cert: PrintableCertificate, *, minimal: bool = False) -> bytes:
    """The certificate as a PDF (see :func:`services.pdf.render.render_pdf`)."""
    from services.pdf import render

    return render.render_pdf(cert, minimal=minimal)


async def render_pdf_async(cert: PrintableCertificate, *, minimal: bool = False) -> bytes:
    """:func:`render_pdf` in a worker thread, so the event loop never blocks on it."""
    from services.pdf import render

    return await render.render_pdf_async(cert, minimal=minimal)
