"""Folding and word splitting shared by the diagnosis index and the query expansion."""

from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"[0-9a-z]+")


def _fold_table() -> dict[int, str]:
    table = {ord("æ"): "ae", ord("ø"): "o", ord("ß"): "ss", ord("–"): "-", ord("—"): "-"}
    for code_point in range(0xC0, 0x250):
        char = chr(code_point)
        if code_point in table:
            continue
        stripped = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        if stripped != char:
            table[code_point] = stripped
    return table


_FOLD_TABLE = _fold_table()


def fold(text: str) -> str:
    """Lower case without accents: "Hjärt-kärl" -> "hjart-karl"."""
    folded = text.lower()
    if folded.isascii():
        return folded
    # Swedish letters first with str.replace (fast), the rest of the table only when needed.
    folded = folded.replace("å", "a").replace("ä", "a").replace("ö", "o").replace("é", "e")
    if folded.isascii():
        return folded
    folded = folded.translate(_FOLD_TABLE)
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words_of(text: str) -> list[str]:
    """Folded words of a text."""
    return _WORD_RE.findall(fold(text))
