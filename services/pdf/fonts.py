"""Fonts for the PDFs: parsed once per process, embedded without per-document subsetting.

A plain ``FPDF.add_font`` parses the TTF with fontTools for every document, and at output
fontTools subsets it again (and, doing so, mutates and closes it). Both are far more costly than
laying out a certificate. Here instead:

* each face (Liberation Sans regular and bold, ``assets/fonts``) is parsed **once per process**
  into a prototype :class:`fpdf.fonts.TTFFont`; every document gets a light clone that shares
  the read-only parts (fontTools object, cmap, width table, glyph ids, descriptor) and has its
  own glyph usage map (``subset``);
* at process start the face is also cut down, once, to a fixed repertoire that covers Swedish and
  the rest of Western Europe plus typographic punctuation, keeping the original glyph ids; the
  result is compressed once. A document whose glyphs are all in that repertoire embeds those
  bytes as they are. Only a document with other characters (e.g. Cyrillic in a name) pays for a
  real per-document subset, made from a fresh parse so nothing shared is touched;
* text widths come from the shared width table; :func:`text_width` memoises words (short
  strings only, so no patient text of any length stays in the process).

Documents themselves are never cached.
"""

from __future__ import annotations

import copy
import threading
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools import subset as ftsubset
from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont
from fpdf.output import (
    CIDSystemInfo,
    OutputProducer,
    PDFFont,
    _build_cmap_blocks,
    _tt_font_widths,
)
from fpdf.syntax import Name, PDFArray, PDFContentStream

__all__ = ["FAMILY", "FONT_DIR", "FastOutputProducer", "install_fonts", "load_faces"]

FONT_DIR = Path(__file__).resolve().parents[2] / "assets" / "fonts"
FAMILY = "liberationsans"
FACE_FILES = {"": "LiberationSans-Regular.ttf", "B": "LiberationSans-Bold.ttf"}

# Basic Latin, Latin-1, Latin Extended-A (Nordic, Baltic, Polish, Czech, Turkish, ...), the
# general punctuation (– — ‘ ’ “ ” • … ‰ ‹ ›), € and a few symbols.
COMMON_REPERTOIRE: frozenset[int] = frozenset(
    [
        *range(0x20, 0x7F),
        *range(0xA0, 0x180),
        *range(0x2010, 0x2040),
        *(0x20AC, 0x2116, 0x2122, 0x2190, 0x2192, 0x2212, 0x2264, 0x2265, 0x2713, 0x25A0, 0x25CF),
    ]
)

_SUBSET_DROP_TABLES = [
    "FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC",
    "EBDT", "EBLC", "EBSC", "SVG ", "CPAL", "COLR", "DSIG", "kern", "LTSH", "VDMX", "gasp",
]  # fmt: skip


@dataclass(frozen=True)
class FontFace:
    """One face, parsed once: the prototype font and the ready-made embedding."""

    style: str
    prototype: TTFFont
    raw: bytes  # the TTF file as shipped
    gid_by_name: dict[str, int]
    common_glyph_names: frozenset[str]
    common_compressed: bytes  # the repertoire subset (original glyph ids), zlib-compressed
    common_length: int  # its uncompressed length (/Length1)


def _subset_options(*, retain_gids: bool) -> ftsubset.Options:
    options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True)
    options.drop_tables += _SUBSET_DROP_TABLES
    options.retain_gids = retain_gids
    options.name_IDs = ["*"]  # keep copyright/licence names in the embedded font
    options.hinting = False  # TrueType instructions only help at low resolutions on screen
    return options


def _subset_bytes(raw: bytes, glyph_names: Iterable[str], *, retain_gids: bool) -> bytes:
    font = TTFont(BytesIO(raw), recalcTimestamp=False)
    subsetter = ftsubset.Subsetter(_subset_options(retain_gids=retain_gids))
    subsetter.populate(glyphs=list(glyph_names))
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _load_face(style: str, filename: str) -> FontFace:
    path = FONT_DIR / filename
    raw = path.read_bytes()
    holder = FPDF()
    prototype = TTFFont(holder, path, f"{FAMILY}{style}", style)
    # Touch what the fonts' lazy tables need now, so clones never load tables concurrently.
    ttfont = prototype.ttfont
    gid_by_name = dict(ttfont.getReverseGlyphMap())
    common_names = {".notdef"} | {
        name for cp, name in prototype.cmap.items() if cp in COMMON_REPERTOIRE
    }
    common = _subset_bytes(raw, common_names, retain_gids=True)
    return FontFace(
        style=style,
        prototype=prototype,
        raw=raw,
        gid_by_name=gid_by_name,
        common_glyph_names=frozenset(common_names),
        common_compressed=zlib.compress(common, 6),
        common_length=len(common),
    )


_lock = threading.Lock()
_faces: dict[str, FontFace] | None = None


def load_faces() -> dict[str, FontFace]:
    """The faces by style ("" and "B"), loaded on first use, once per process."""
    global _faces
    if _faces is None:
        with _lock:
            if _faces is None:
                _faces = {style: _load_face(style, name) for style, name in FACE_FILES.items()}
    return _faces


class SharedTTFFont(TTFFont):
    """A per-document font: fpdf2's TTFFont with a per-document cache of encoded characters."""

    __slots__ = ("_encoded",)

    def encode_text(self, text: str) -> str:
        encoded = self._encoded
        parts = []
        for char in text:
            part = encoded.get(char)
            if part is None:
                code = self.subset.pick(ord(char))
                part = "" if code is None else self.escape_text(chr(code))
                encoded[char] = part
            parts.append(part)
        return f"({''.join(parts)}) Tj"


def _clone(prototype: TTFFont, index: int) -> TTFFont:
    """A per-document font sharing the prototype's read-only parts."""
    font = SharedTTFFont.__new__(SharedTTFFont)
    for slot in TTFFont.__slots__:
        if hasattr(prototype, slot):
            setattr(font, slot, getattr(prototype, slot))
    font._encoded = {}
    font.i = index
    font.desc = copy.copy(prototype.desc)  # gets an object id at output: one per document
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font.subset = SubsetMap(font)
    return font


def install_fonts(pdf: FPDF) -> None:
    """Register the shared faces on ``pdf`` as family :data:`FAMILY` (instead of add_font)."""
    for style, face in load_faces().items():
        fontkey = f"{FAMILY}{style}"
        pdf.fonts[fontkey] = _clone(face.prototype, len(pdf.fonts) + 1)


def _units(style: str, text: str) -> int:
    cw = load_faces()[style].prototype.cw
    return sum(cw[ord(c)] for c in text)


_word_units = lru_cache(maxsize=16384)(_units)
WORD_CACHE_MAX_LEN = 32  # only short strings (words, labels) are memoised, never paragraphs


def text_width(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Width in points of ``text`` in our family at ``size_pt``; words are memoised."""
    style = "B" if bold else ""
    if len(text) <= WORD_CACHE_MAX_LEN:
        return _word_units(style, text) * size_pt / 1000
    return _units(style, text) * size_pt / 1000


class FastOutputProducer(OutputProducer):
    """fpdf2's producer, embedding the shared faces without subsetting them per document."""

    def _add_fonts(
        self,
        image_objects_per_index: dict[int, Any],
        gfxstate_objs_per_name: dict[str, Any],
        pattern_objs_per_name: dict[str, Any],
    ) -> dict[int, Any]:
        faces = {f"{FAMILY}{style}": face for style, face in load_faces().items()}
        font_objs_per_index: dict[int, Any] = {}
        for font in sorted(self.fpdf.fonts.values(), key=lambda f: f.i):
            face = faces.get(getattr(font, "fontkey", ""))
            if face is None or not isinstance(font, TTFFont):
                raise TypeError(f"Unexpected font in certificate PDF: {font!r}")
            if len(font.subset) == 0:
                continue
            font_objs_per_index[font.i] = self._add_shared_font(font, face)
        return font_objs_per_index

    def _add_shared_font(self, font: TTFFont, face: FontFace) -> PDFFont:
        used = [glyph for glyph, _ in font.subset.items() if glyph is not None]
        names = {glyph.glyph_name for glyph in used}
        if names <= face.common_glyph_names:
            compressed, length = face.common_compressed, face.common_length
        else:  # rare: characters outside the repertoire, subset this document's glyphs
            data = _subset_bytes(face.raw, names | {".notdef"}, retain_gids=True)
            compressed, length = zlib.compress(data, 6), len(data)
        gid_of = face.gid_by_name.__getitem__  # glyph ids are kept (retain_gids) either way

        fontname = f"MPDFAA+{font.name}"
        composite = PDFFont(subtype="Type0", base_font=fontname, encoding="Identity-H")
        self._add_pdf_obj(composite, "fonts")

        cid_font = PDFFont(
            subtype="CIDFontType2",
            base_font=fontname,
            d_w=font.desc.missing_width,
            w=_tt_font_widths(font),
        )
        self._add_pdf_obj(cid_font, "fonts")
        composite.descendant_fonts = PDFArray([cid_font])

        bf_char = []
        for glyph, code in font.subset.items():
            if glyph is None or not isinstance(glyph.unicode, tuple) or not glyph.unicode:
                continue
            target = "".join(_utf16_hex(cp) for cp in glyph.unicode)
            bf_char.append(f"<{code:04X}> <{target}>\n")
        to_unicode = PDFContentStream(
            (
                "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                "/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n"
                "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                f"{_build_cmap_blocks(bf_char, 'bfchar')}"
                "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend"
            ).encode("latin-1"),
            compress=self.fpdf.compress,
        )
        self._add_pdf_obj(to_unicode, "fonts")
        composite.to_unicode = to_unicode

        system_info = CIDSystemInfo()
        self._add_pdf_obj(system_info, "fonts")
        cid_font.c_i_d_system_info = system_info

        descriptor = font.desc
        descriptor.font_name = Name(fontname)
        self._add_pdf_obj(descriptor, "fonts")
        cid_font.font_descriptor = descriptor

        cid_to_gid = bytearray(256 * 256 * 2)
        for glyph, code in font.subset.items():
            if glyph is None:
                continue
            gid = gid_of(glyph.glyph_name)
            cid_to_gid[code * 2] = gid >> 8
            cid_to_gid[code * 2 + 1] = gid & 0xFF
        cid_to_gid_obj = PDFContentStream(contents=bytes(cid_to_gid), compress=True)
        self._add_pdf_obj(cid_to_gid_obj, "fonts")
        cid_font.c_i_d_to_g_i_d_map = cid_to_gid_obj

        stream = PDFContentStream(contents=compressed, compress=False)
        stream.filter = Name("FlateDecode")
        stream.length1 = length
        self._add_pdf_obj(stream, "fonts")
        descriptor.font_file2 = stream

        font.subset.pick.cache_clear()
        font.subset.get_glyph.cache_clear()
        return composite


def _utf16_hex(codepoint: int) -> str:
    if codepoint > 0xFFFF:
        high = 0xD800 | (codepoint - 0x10000) >> 10
        low = 0xDC00 | (codepoint & 0x3FF)
        return f"{high:04X}{low:04X}"
    return f"{codepoint:04X}"
