"""services.pdf.fonts.FastOutputProducer overrides fpdf2's private ``OutputProducer._add_fonts``
and uses its private helpers. An fpdf2 upgrade that changes any of them must fail here, loudly,
so that the override is re-read against the new fpdf2 before it silently diverges.

When this fails after an upgrade: compare fpdf2's new ``OutputProducer._add_fonts`` (and how
``_insert_resources`` calls it) with ``FastOutputProducer._add_fonts``; port what changed; then
record the new digests below.
"""

from __future__ import annotations

import hashlib
import inspect

from fpdf.output import OutputProducer, _build_cmap_blocks, _tt_font_widths

from services.pdf.fonts import FastOutputProducer

# sha256 of the source of fpdf2 2.8.9's methods the override replaces or relies on.
PINNED_SOURCES = {
    "OutputProducer._add_fonts": (
        OutputProducer._add_fonts,
        "311ef727cc856a698790ad8ac90162cdd936a65b56fa136a39e8c5741eff7105",
    ),
    "OutputProducer._insert_resources": (
        OutputProducer._insert_resources,
        "d14c597d7d345274d7605bb0997d7d3aa6e0ce1971d535d27d61b6e64b48b0a2",
    ),
}


def _digest(function: object) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()  # type: ignore[arg-type]


def test_fpdf2_private_add_fonts_is_the_one_the_override_was_written_against() -> None:
    changed = [name for name, (fn, pinned) in PINNED_SOURCES.items() if _digest(fn) != pinned]
    assert not changed, (
        f"fpdf2 changed {changed}: FastOutputProducer._add_fonts (services/pdf/fonts.py) "
        "overrides it; re-read the override against the new fpdf2, then update the digests."
    )


def test_override_has_the_same_parameters_and_is_still_called() -> None:
    ours = list(inspect.signature(FastOutputProducer._add_fonts).parameters)
    theirs = list(inspect.signature(OutputProducer._add_fonts).parameters)
    assert ours == theirs
    assert "self._add_fonts(" in inspect.getsource(OutputProducer._insert_resources)
    assert FastOutputProducer._add_fonts is not OutputProducer._add_fonts


def test_private_helpers_the_override_uses_keep_their_parameters() -> None:
    assert list(inspect.signature(_tt_font_widths).parameters) == ["font"]
    assert list(inspect.signature(_build_cmap_blocks).parameters) == ["entries", "operator"]
    assert list(inspect.signature(OutputProducer._add_pdf_obj).parameters)[:2] == [
        "self",
        "pdf_obj",
    ]
