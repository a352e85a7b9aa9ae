"""Render any certificate type to PDF from its definition (general print template, §4.5).

Layout: a header band on every page (form name, form id, recipient, the kind of print and the
certificate id), the patient line, a diagonal watermark on drafts and revoked certificates, the
sections with bold question labels and the answers below, the issuer block, and a footer with
the kind of print and "Sida 1 av 2". Text is laid out here with word widths from the shared
font tables (see :mod:`services.pdf.fonts`); page breaks are ours, so a label never ends a page
without the first line of its answer and long texts simply continue on the next page.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fpdf import FPDF

from services.certificates.base import FieldKind, Question, Section
from services.certificates.formatting import format_answer, icf_line
from services.localtime import format_datetime
from services.pdf.fonts import FAMILY, FastOutputProducer, install_fonts, text_width
from services.pdf.model import PrintableCertificate, PrintKind, PrintStatus

__all__ = ["print_kind", "render_pdf", "render_pdf_async"]

MM_PER_PT = 25.4 / 72
PAGE_W, PAGE_H = 210.0, 297.0
MARGIN_X = 18.0
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_TOP = 47.0
CONTENT_BOTTOM = PAGE_H - 20.0
ANSWER_INDENT = 3.0

INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (22, 58, 99)
BAND = (232, 238, 245)
RULE = (190, 200, 212)
WARN = (176, 42, 29)
SIGNED_OK = (25, 100, 60)

LABEL_PT = 9.5
ANSWER_PT = 10.0
SMALL_PT = 8.0
NOTE_PT = 8.5

MINIMAL_NOTICE = (
    "Detta är ett minimalt intyg. Det innehåller endast de uppgifter som enligt "
    "sjuklönelagen (1991:1047) ska lämnas till arbetsgivaren. Medicinska uppgifter "
    "som diagnos och funktionsnedsättning ingår inte."
)

SEKRETESS_NOTICE = (
    "Patienten har sekretessmarkering (skyddade personuppgifter). Hantera utskriften varsamt."
)

_NOTICES = {
    PrintKind.DRAFT: (
        "Detta är en utskrift av ett utkast. Utkastet är inte signerat och kan inte "
        "användas som intyg."
    ),
    PrintKind.LOCKED_DRAFT: (
        "Detta är en utskrift av ett låst utkast. Det signerades aldrig och kan inte "
        "användas som intyg."
    ),
    PrintKind.SIGNED: "Detta är en utskrift av ett elektroniskt signerat intyg.",
    PrintKind.SIGNED_FULL: (
        "Detta är en utskrift av ett elektroniskt signerat intyg med fullständigt innehåll."
    ),
    PrintKind.REVOKED: "Intyget är makulerat och gäller inte längre.",
    PrintKind.REVOKED_LOCKED_DRAFT: "Det låsta utkastet är makulerat och kan inte användas.",
}


def print_kind(cert: PrintableCertificate, *, minimal: bool = False) -> PrintKind:
    """The kind of print for ``cert``; ValueError (Swedish) when it cannot be printed so."""
    status = cert.print_status
    has_minimal = cert.definition.minimal_print
    if minimal:
        if not has_minimal:
            raise ValueError(
                f"Minimalt intyg kan inte skrivas ut för {cert.definition.form_id} "
                f"({cert.definition.name}). Det finns endast för intyg som FK7804 och FK7263."
            )
        if status in (PrintStatus.REVOKED, PrintStatus.LOCKED_REVOKED):
            raise ValueError("Ett makulerat intyg kan inte skrivas ut som minimalt intyg.")
        if not status.is_signed:
            raise ValueError("Endast ett signerat intyg kan skrivas ut som minimalt intyg.")
        return PrintKind.SIGNED_MINIMAL
    return {
        PrintStatus.DRAFT: PrintKind.DRAFT,
        PrintStatus.LOCKED: PrintKind.LOCKED_DRAFT,
        PrintStatus.REVOKED: PrintKind.REVOKED,
        PrintStatus.LOCKED_REVOKED: PrintKind.REVOKED_LOCKED_DRAFT,
    }.get(status, PrintKind.SIGNED_FULL if has_minimal else PrintKind.SIGNED)


def _kind_color(kind: PrintKind) -> tuple[int, int, int]:
    if kind in (PrintKind.REVOKED, PrintKind.REVOKED_LOCKED_DRAFT):
        return WARN
    if kind in (PrintKind.DRAFT, PrintKind.LOCKED_DRAFT):
        return (170, 90, 0)
    return SIGNED_OK


# --- text layout -----------------------------------------------------------------------
def wrap(text: str, width_mm: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap of one paragraph into lines no wider than ``width_mm``."""
    limit = width_mm / MM_PER_PT
    words = text.split(" ")
    widths = [text_width(word, size_pt, bold=bold) for word in words]
    space = text_width(" ", size_pt, bold=bold)
    if sum(widths) + space * (len(words) - 1) <= limit:
        return [text]
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    for word, w in zip(words, widths, strict=True):
        if w > limit:  # a word longer than the line: break it by characters
            if current:
                lines.append(" ".join(current))
                current, used = [], 0.0
            chunk = ""
            for char in word:
                if text_width(chunk + char, size_pt, bold=bold) > limit and chunk:
                    lines.append(chunk)
                    chunk = ""
                chunk += char
            current, used = [chunk], text_width(chunk, size_pt, bold=bold)
            continue
        needed = w if not current else used + space + w
        if current and needed > limit:
            lines.append(" ".join(current))
            current, used = [word], w
        else:
            current.append(word)
            used = needed
    if current or not lines:
        lines.append(" ".join(current))
    return lines


@dataclass(frozen=True)
class _Block:
    """A question and its answer lines as they go onto the page."""

    label: str
    lines: Sequence[str]
    placeholder: bool = False  # "Ej angivet"
    note: str = ""  # the question's sub label, in small print under the label


class _CertificatePDF(FPDF):
    def __init__(self, cert: PrintableCertificate, kind: PrintKind) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.cert = cert
        self.kind = kind
        self.set_auto_page_break(False)
        self.set_margins(MARGIN_X, 12, MARGIN_X)
        self.set_compression(True)
        self.set_creator("Webcert")
        self.set_title(f"{cert.definition.form_id} {cert.definition.name} – {kind.label}")
        self.set_lang("sv")
        install_fonts(self)
        self.cursor = CONTENT_TOP

    # --- primitives --------------------------------------------------------------------
    def style(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def put(self, x: float, top: float, text: str, size: float) -> None:
        """Text whose line box starts at ``top`` (mm); the font must already be set."""
        self.text(x, top + size * MM_PER_PT * 0.95, text)

    def line_height(self, size: float) -> float:
        return size * MM_PER_PT * 1.32

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` mm fit below the cursor."""
        if self.cursor + height > CONTENT_BOTTOM:
            self.add_page()

    # --- page furniture ----------------------------------------------------------------
    def add_page(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        super().add_page(*args, **kwargs)  # type: ignore[arg-type]
        self.cursor = CONTENT_TOP

    def header(self) -> None:
        cert, definition = self.cert, self.cert.definition
        mark = self.kind.watermark
        if mark:
            self.style(64, bold=True, color=(246, 214, 210) if "MAKUL" in mark else (226, 230, 236))
            width = text_width(mark, 64, bold=True) * MM_PER_PT
            with self.rotation(52, PAGE_W / 2, PAGE_H / 2):
                self.text(PAGE_W / 2 - width / 2, PAGE_H / 2 + 8, mark)

        self.set_fill_color(*BAND)
        self.rect(MARGIN_X, 10, CONTENT_W, 22, style="F")
        self.set_fill_color(*ACCENT)
        self.rect(MARGIN_X, 10, 1.6, 22, style="F")

        badge = self.kind.label.upper()
        color = _kind_color(self.kind)
        self.style(9.5, bold=True, color=color)
        badge_w = text_width(badge, 9.5, bold=True) * MM_PER_PT + 6
        badge_x = MARGIN_X + CONTENT_W - 4 - badge_w
        self.set_draw_color(*color)
        self.set_line_width(0.5)
        self.set_fill_color(255, 255, 255)
        self.rect(badge_x, 13.5, badge_w, 7, style="DF", round_corners=True, corner_radius=1.2)
        self.put(badge_x + 3, 14.6, badge, 9.5)

        title_w = badge_x - (MARGIN_X + 6) - 4
        self.style(13.5, bold=True, color=ACCENT)
        title = wrap(definition.name, title_w, 13.5, bold=True)[0]
        self.put(MARGIN_X + 6, 13.2, title, 13.5)
        self.style(9, color=INK)
        self.put(
            MARGIN_X + 6,
            20.6,
            f"{definition.form_id}  ·  Mottagare: {definition.recipient.label}",
            9,
        )
        self.style(7.5, color=MUTED)
        self.put(MARGIN_X + 6, 25.8, f"Intygs-id: {cert.certificate_id}", 7.5)
        if self.kind.is_valid_certificate and cert.signed_at is not None:
            signed = f"Signerat {format_datetime(cert.signed_at)}"
            self.put(MARGIN_X + CONTENT_W - 4 - text_width(signed, 7.5) * MM_PER_PT,
                     25.8, signed, 7.5)  # fmt: skip

        # patient line (the minimal print names the patient by personnummer only, table 4)
        patient = cert.patient
        y = 35.5
        x = MARGIN_X
        pairs = [("Personnummer", patient.personnummer)]
        if self.kind is not PrintKind.SIGNED_MINIMAL:
            pairs.insert(0, ("Patient", patient.name))
        for key, value in pairs:
            self.style(9, color=MUTED)
            self.put(x, y, key, 9)
            x += text_width(key, 9) * MM_PER_PT + 2.5
            self.style(10.5, bold=True)
            self.put(x, y - 0.3, value, 10.5)
            x += text_width(value, 10.5, bold=True) * MM_PER_PT + 8
        if patient.sekretess:
            mark = "SEKRETESSMARKERING"
            self.style(9, bold=True, color=WARN)
            self.put(MARGIN_X + CONTENT_W - text_width(mark, 9, bold=True) * MM_PER_PT, y, mark, 9)
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN_X, 42, MARGIN_X + CONTENT_W, 42)

    def footer(self) -> None:
        self.set_draw_color(*RULE)
        self.set_line_width(0.3)
        self.line(MARGIN_X, PAGE_H - 15, MARGIN_X + CONTENT_W, PAGE_H - 15)
        definition = self.cert.definition
        self.style(SMALL_PT, bold=True, color=_kind_color(self.kind))
        self.put(MARGIN_X, PAGE_H - 13.2, self.kind.label, SMALL_PT)
        offset = text_width(self.kind.label, SMALL_PT, bold=True) * MM_PER_PT
        self.style(SMALL_PT, color=MUTED)
        self.put(
            MARGIN_X + offset,
            PAGE_H - 13.2,
            f"  ·  {definition.form_id} {definition.name}",
            SMALL_PT,
        )
        self.set_xy(MARGIN_X + CONTENT_W - 40, PAGE_H - 13.4)
        self.cell(40, 4, f"Sida {self.page_no()} av {{nb}}", align="R")

    # --- flow ----------------------------------------------------------------------------
    def notice(self, text: str, color: tuple[int, int, int]) -> None:
        lines = wrap(text, CONTENT_W - 8, 9)
        lh = self.line_height(9)
        height = len(lines) * lh + 4
        self.ensure(height + 2)
        self.set_draw_color(*color)
        self.set_fill_color(*color)
        self.rect(MARGIN_X, self.cursor, 1.2, height, style="F")
        self.style(9, color=INK)
        y = self.cursor + 2
        for line in lines:
            self.put(MARGIN_X + 5, y, line, 9)
            y += lh
        self.cursor += height + 4

    def section_heading(self, title: str, first_block_height: float) -> None:
        self.ensure(9 + first_block_height)
        self.cursor += 1.5
        self.style(11.5, bold=True, color=ACCENT)
        self.put(MARGIN_X, self.cursor, title, 11.5)
        self.cursor += self.line_height(11.5) + 0.3
        self.set_draw_color(*ACCENT)
        self.set_line_width(0.35)
        self.line(MARGIN_X, self.cursor, MARGIN_X + CONTENT_W, self.cursor)
        self.cursor += 2.2

    def block_lines(self, block: _Block) -> tuple[list[str], list[str], list[str]]:
        labels = wrap(block.label, CONTENT_W, LABEL_PT, bold=True) if block.label else []
        notes = wrap(block.note, CONTENT_W, NOTE_PT) if block.note else []
        answers: list[str] = []
        for line in block.lines:
            answers.extend(wrap(line, CONTENT_W - ANSWER_INDENT, ANSWER_PT) if line else [""])
        return labels, notes, answers

    def block_head_height(self, block: _Block) -> float:
        labels, notes, answers = self.block_lines(block)
        return (
            len(labels) * self.line_height(LABEL_PT)
            + len(notes) * self.line_height(NOTE_PT)
            + (self.line_height(ANSWER_PT) if answers else 0)
        )

    def question_block(self, block: _Block) -> None:
        labels, notes, answers = self.block_lines(block)
        label_h = self.line_height(LABEL_PT)
        answer_h = self.line_height(ANSWER_PT)
        self.ensure(self.block_head_height(block))
        self.style(LABEL_PT, bold=True)
        for line in labels:
            self.put(MARGIN_X, self.cursor, line, LABEL_PT)
            self.cursor += label_h
        if notes:
            self.style(NOTE_PT, color=MUTED)
            for line in notes:
                self.put(MARGIN_X, self.cursor, line, NOTE_PT)
                self.cursor += self.line_height(NOTE_PT)
        self.cursor += 0.4
        self.style(ANSWER_PT, color=MUTED if block.placeholder else INK)
        for line in answers:
            if self.cursor + answer_h > CONTENT_BOTTOM:
                self.add_page()
                self.style(SMALL_PT, color=MUTED)
                self.put(MARGIN_X, self.cursor, f"{block.label} (forts.)", SMALL_PT)
                self.cursor += self.line_height(SMALL_PT) + 0.6
                self.style(ANSWER_PT, color=MUTED if block.placeholder else INK)
            if line:
                self.put(MARGIN_X + ANSWER_INDENT, self.cursor, line, ANSWER_PT)
            self.cursor += answer_h
        self.cursor += 2.6

    def _column_lines(self, rows: Sequence[tuple[str, str]], key_w: float, col_w: float) -> list:
        return [(key, wrap(value, col_w - key_w, ANSWER_PT)) for key, value in rows]

    def key_value_columns(
        self, left: Sequence[tuple[str, str]], right: Sequence[tuple[str, str]]
    ) -> None:
        """Two columns of "key value" rows, kept together on one page."""
        gap, key_w = 8.0, 36.0
        col_w = (CONTENT_W - gap) / 2
        lh = self.line_height(ANSWER_PT)
        columns = [self._column_lines(left, key_w, col_w), self._column_lines(right, key_w, col_w)]
        heights = [sum(len(lines) * lh + 0.8 for _, lines in col) for col in columns]
        self.ensure(max(heights))
        top = self.cursor
        for index, column in enumerate(columns):
            x = MARGIN_X + index * (col_w + gap)
            y = top
            for key, lines in column:
                self.style(LABEL_PT, bold=True)
                self.put(x, y + 0.17, key, LABEL_PT)
                self.style(ANSWER_PT)
                for line in lines:
                    self.put(x + key_w, y, line, ANSWER_PT)
                    y += lh
                y += 0.8
        self.cursor = top + max(heights)


# --- content selection ------------------------------------------------------------------
def _visible(question: Question, content: dict) -> bool:
    try:
        return bool(question.visible(content))
    except Exception:  # noqa: BLE001 - a broken rule must not stop a print: show the question
        return True


def _full_blocks(section: Section, content: dict) -> list[_Block]:
    blocks = []
    for question in section.questions:
        if not _visible(question, content):
            continue
        lines = format_answer(question, content.get(question.id), content)
        if lines and icf_line(question, content):
            lines = [f"ICF-kategorier: {lines[0]}", *lines[1:]]
        note = question.sub_label if question.kind is not FieldKind.NUMBER else ""
        if lines:
            blocks.append(_Block(question.label, lines, note=note))
        else:
            empty = "Ej ikryssat" if question.kind is FieldKind.CHECKBOX else "Ej angivet"
            blocks.append(_Block(question.label, [empty], placeholder=True, note=note))
    return blocks


def _minimal_blocks(section: Section, content: dict) -> list[_Block]:
    """Only what table 4 lists: questions flagged ``minimal_print`` that are answered."""
    blocks = []
    for question in section.questions:
        if not question.minimal_print or not _visible(question, content):
            continue
        if not _holds(question.minimal_print_when, content):
            continue
        value = _minimal_value(question, content)
        # ICF categories are medical: never on the minimal print
        lines = format_answer(question, value, {})
        if lines:
            blocks.append(_Block(question.label, lines))
    return blocks


def _minimal_value(question: Question, content: dict) -> object:
    """The answer, restricted to the choices that satisfy ``minimal_print_when`` on their own.

    Table 4 prints "I relation till vilken sysselsättning ..." only for "Nuvarande arbete"
    (FK7804) and field 6a only for "kontakt med företagshälsovården" (FK7263): a rule like
    ``contains(qid, "NUVARANDE_ARBETE")`` then also keeps the other ticked choices off the print.
    """
    value = content.get(question.id)
    rule = question.minimal_print_when
    if isinstance(value, list | tuple):
        return [item for item in value if _holds(rule, {**content, question.id: [item]})]
    if isinstance(value, dict) and question.kind in (
        FieldKind.DATE_CHECKBOXES,
        FieldKind.SICK_LEAVE,
    ):
        return {
            code: item
            for code, item in value.items()
            if _holds(rule, {**content, question.id: {code: item}})
        }
    return value


def _holds(rule: Callable[[dict], bool], content: dict) -> bool:
    try:
        return bool(rule(content))
    except Exception:  # noqa: BLE001 - a broken rule leaves the answer out of a minimal print
        return False


def issuer_rows(
    cert: PrintableCertificate, kind: PrintKind
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The issuer block: the person on the left, the care unit and the dates on the right."""
    issuer = cert.issuer
    city_line = " ".join(p for p in (issuer.postal_code, issuer.city) if p)
    person = [
        ("Namn", issuer.name),
        ("Befattning", issuer.title),
        ("Specialistkompetens", ", ".join(issuer.specialities)),
        ("HSA-id", issuer.hsa_id),
        ("Förskrivarkod", issuer.prescription_code),
        ("Arbetsplatskod", issuer.workplace_code),
    ]
    unit = [
        ("Vårdenhet", issuer.care_unit_name),
        ("Vårdgivare", issuer.care_giver_name if kind is not PrintKind.SIGNED_MINIMAL else ""),
        ("Adress", issuer.address),
        ("", city_line),
        ("Telefon", issuer.phone),
    ]
    unsigned = (PrintKind.DRAFT, PrintKind.LOCKED_DRAFT, PrintKind.REVOKED_LOCKED_DRAFT)
    if kind in unsigned:
        unit.append(("Signerat", "Ej signerat"))
    elif cert.signed_at is not None:
        unit.append(("Datum", format_datetime(cert.signed_at)))
    if cert.sent_at is not None and kind is not PrintKind.SIGNED_MINIMAL:
        unit.append(("Skickat", format_datetime(cert.sent_at)))
    if cert.revoked_at is not None:
        unit.append(("Makulerat", format_datetime(cert.revoked_at)))
    return [(k, v) for k, v in person if v], [(k, v) for k, v in unit if v]


# --- entry points ------------------------------------------------------------------------
def render_pdf(cert: PrintableCertificate, *, minimal: bool = False) -> bytes:
    """The certificate as a PDF (general template; ``minimal``: table 4 of §4.5.3 only).

    Raises ValueError (message in Swedish) when a minimal print is asked for a type without
    one or for a certificate that is not signed.
    """
    kind = print_kind(cert, minimal=minimal)
    content = dict(cert.content)
    pdf = _CertificatePDF(cert, kind)
    pdf.add_page()

    if kind is PrintKind.SIGNED_MINIMAL:
        pdf.notice(MINIMAL_NOTICE, SIGNED_OK)
    else:
        pdf.notice(_NOTICES[kind], _kind_color(kind))
    if cert.patient.sekretess:
        pdf.notice(SEKRETESS_NOTICE, WARN)

    for section in cert.definition.sections:
        if kind is PrintKind.SIGNED_MINIMAL:
            blocks = _minimal_blocks(section, content)
        else:
            blocks = _full_blocks(section, content)
        if not blocks:
            continue
        pdf.section_heading(section.title, pdf.block_head_height(blocks[0]))
        for block in blocks:
            pdf.question_block(block)

    person, unit = issuer_rows(cert, kind)
    rows = max(len(person), len(unit)) + 1
    pdf.section_heading("Intygsutfärdare", rows * (pdf.line_height(ANSWER_PT) + 0.8))
    pdf.key_value_columns(person, unit)
    return bytes(pdf.output(output_producer_class=FastOutputProducer))


async def render_pdf_async(cert: PrintableCertificate, *, minimal: bool = False) -> bytes:
    """:func:`render_pdf` in a worker thread, so the event loop never blocks on it."""
    return await asyncio.to_thread(render_pdf, cert, minimal=minimal)
