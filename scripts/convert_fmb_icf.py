"""Convert Socialstyrelsen's FMB data and the ICF classification into compact JSON for the app.

Reads (default source: /work/shared/data):
  fmb/FmdxInfoStubResponse.json   FMB "försäkringsmedicinsk diagnosinformation" (116 diagnoses)
  fmb/TypfallStubResponse.json    FMB typfall (sjukskrivningsrekommendationer, 439 cases)
  icf/icf-klassifikationer-koder-for-funktionstillstand-alternativa-termer-2019.xls
                                  ICF 2019 (Swedish) with alternative terms; the sheet Webcert reads

Writes (default target: services/data):
  fmb.json.gz   {"meta", "diagnoses": [...]}: per FMB diagnosis its title, ICD-10 codes with the
                typfall sentences that apply to each code and the largest typfall maximum
                (maximalsjukskrivningstid/-enhet) in days ("max_days", null without a figure),
                the text sections converted from the source HTML to plain-text blocks
                (["p"|"li", text]) and the ICF selections
                (central / complementary codes) for funktionsnedsättning and aktivitetsbegränsning
  icf.json.gz   {"meta", "categories": {code: {title, name, description, includes}}} for every
                ICF code used by FMB; name = alternative term when there is one (as Webcert shows)

The HTML in the FMB source is never shipped: an allow-list converter (stdlib html.parser) keeps
only text, turning <p>/<br>/line breaks into paragraphs and <li> into list items; every other tag
and all attributes (links, scripts, styles) are dropped. xlrd is needed only by this script
(in the dev group: `make setup-dev`), never at run time.

Usage:  .venv/bin/python scripts/convert_fmb_icf.py [--source DIR] [--target DIR] [--check]
"""

from __future__ import annotations

import json
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also when run as a file
from scripts import converting
from scripts.converting import gzip_bytes

DEFAULT_TARGET = converting.PROJECT_ROOT / "services" / "data"

FMB_INFO = "fmb/FmdxInfoStubResponse.json"
FMB_TYPFALL = "fmb/TypfallStubResponse.json"
ICF_XLS = "icf/icf-klassifikationer-koder-for-funktionstillstand-alternativa-termer-2019.xls"

# Columns of sheet 1 ("ICF 2019 + Core Sets"), the same ones Webcert's IcfTextResource reads.
ICF_SHEET = 1
ICF_CODE_COL = 8
ICF_TITLE_COL = 10
ICF_ALT_TERM_COL = 11
ICF_DESCRIPTION_COL = 12
ICF_INCLUDES_COL = 13

_BREAK_TAGS = {"p", "br", "div", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}
_SKIP_TAGS = {"script", "style", "iframe", "object", "embed", "template", "noscript"}


class _TextBlocks(HTMLParser):
    """Allow-list HTML to text converter: emits ("p", text) and ("li", text) blocks only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[list[str]] = []
        self._buffer: list[str] = []
        self._kind = "p"
        self._skip_depth = 0

    def _flush(self) -> None:
        text = "".join(self._buffer)
        self._buffer = []
        for line in text.split("\n"):
            cleaned = " ".join(line.split())
            if cleaned:
                self.blocks.append([self._kind, cleaned])

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "li":
            self._flush()
            self._kind = "li"
        elif tag in _BREAK_TAGS:
            self._flush()
            self._kind = "p"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAK_TAGS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "li" or tag in _BREAK_TAGS:
            self._flush()
            self._kind = "p"

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._buffer.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_to_blocks(markup: str | None) -> list[list[str]]:
    """Convert FMB HTML markup into plain-text blocks; unknown markup is reduced to its text."""
    if not markup:
        return []
    parser = _TextBlocks()
    parser.feed(markup)
    parser.close()
    return parser.blocks


def text_to_blocks(text: str | None) -> list[list[str]]:
    """Plain FMB descriptions are hard-wrapped mid-sentence: join into one paragraph."""
    if not text:
        return []
    blocks = html_to_blocks(text.replace("\n", " "))
    return blocks


def _codes(entries: list[dict[str, Any]] | None) -> list[str]:
    return [str(entry["kod"]).strip().lower() for entry in entries or []]


def _icf_part(part: dict[str, Any] | None, description_key: str) -> dict[str, Any]:
    part = part or {}
    return {
        "text": text_to_blocks(part.get(description_key)),
        "central": _codes(part.get("centralkod")),
        "complementary": _codes(part.get("kompletterandekod")),
    }


#: Days per maximalsjukskrivningsenhet of the typfall ("d", "wk", "mo"; a month as 30 days).
UNIT_DAYS = {"d": 1, "wk": 7, "mo": 30}


def typfall_max_days(recommendation: dict[str, Any] | None) -> int | None:
    """A typfall's maximalsjukskrivningstid in days, or None when it gives no figure."""
    recommendation = recommendation or {}
    amount = recommendation.get("maximalsjukskrivningstid")
    unit = recommendation.get("maximalsjukskrivningsenhet")
    if amount is None or unit is None:
        return None
    if unit not in UNIT_DAYS:
        raise ValueError(f"unknown maximalsjukskrivningsenhet {unit!r}")
    return int(amount) * UNIT_DAYS[unit]


def convert_fmb(source: Path) -> dict[str, Any]:
    info = json.loads((source / FMB_INFO).read_text(encoding="utf-8"))
    typfall = json.loads((source / FMB_TYPFALL).read_text(encoding="utf-8"))

    sentences_by_code: dict[str, list[str]] = {}
    max_days_by_code: dict[str, int] = {}
    for case in typfall["data"]:
        attributes = case["attributes"]
        codes = [
            str(entry["kod"]).strip().upper() for entry in attributes["fmbtillstand"]["diagnoskod"]
        ]
        days = typfall_max_days(attributes.get("rekommenderadsjukskrivning"))
        if days is not None:
            for code in codes:
                max_days_by_code[code] = max(days, max_days_by_code.get(code, 0))
        sentence = " ".join(str(attributes.get("typfallsmening") or "").split())
        if not sentence:
            continue
        for code in codes:
            bucket = sentences_by_code.setdefault(code, [])
            if sentence not in bucket:
                bucket.append(sentence)

    diagnoses = []
    seen_codes: set[str] = set()
    for item in sorted(info["data"], key=lambda entry: int(entry["id"])):
        attributes = item["attributes"]
        codes = []
        for entry in attributes["diagnoskod"]:
            code = str(entry["kod"]).strip().upper()
            if code in seen_codes:
                raise ValueError(f"ICD-10 code {code} is in more than one FMB diagnosis")
            seen_codes.add(code)
            codes.append(
                {
                    "code": code,
                    "text": " ".join(str(entry.get("beskrivning") or "").split()),
                    "typfall": sentences_by_code.get(code, []),
                    "max_days": max_days_by_code.get(code),
                }
            )
        references = [
            {"text": ref.get("text", ""), "uri": ref.get("uri", "")}
            for ref in attributes.get("referens") or []
            if str(ref.get("uri", "")).startswith("https://")
        ]
        diagnoses.append(
            {
                "id": str(item["id"]),
                "title": " ".join(str(attributes.get("diagnosrubrik") or "").split()),
                "updated": str(attributes.get("senastuppdaterad") or "")[:10],
                "codes": codes,
                "general": html_to_blocks(
                    (attributes.get("forsakringsmedicinskinformation") or {}).get("markup")
                ),
                "symptoms": html_to_blocks(
                    (attributes.get("symtomprognosbehandling") or {}).get("markup")
                ),
                "rehabilitation": html_to_blocks(
                    (attributes.get("informationomrehabilitering") or {}).get("markup")
                ),
                "funktionsnedsattning": _icf_part(
                    attributes.get("funktionsnedsattning"), "funktionsnedsattningsbeskrivning"
                ),
                "aktivitetsbegransning": _icf_part(
                    attributes.get("aktivitetsbegransning"), "aktivitetsbegransningsbeskrivning"
                ),
                "references": references,
            }
        )
    return {
        "meta": {
            "source": "Socialstyrelsen FMB API responses (FmdxInfoStubResponse.json, "
            "TypfallStubResponse.json), see SOURCES.md",
            "buildtimestamp": info.get("meta", {}).get("buildtimestamp", ""),
            "diagnoses": len(diagnoses),
            "typfall": len(typfall["data"]),
            "max_days": "per code the largest maximalsjukskrivningstid of the typfall that "
            "list it, in days (1 wk = 7 d, 1 mo = 30 d); null when no typfall gives a figure",
        },
        "diagnoses": diagnoses,
    }


def _cell(sheet: Any, row: int, col: int) -> str:
    if col >= sheet.ncols:
        return ""
    value = sheet.cell_value(row, col)
    if isinstance(value, float):
        value = str(int(value)) if value.is_integer() else str(value)
    return " ".join(str(value).split())


def convert_icf(source: Path, wanted: set[str]) -> dict[str, Any]:
    import xlrd  # converter-only dependency

    book = xlrd.open_workbook(str(source / ICF_XLS))
    sheet = book.sheet_by_index(ICF_SHEET)
    categories: dict[str, dict[str, str]] = {}
    for row in range(sheet.nrows):
        code = _cell(sheet, row, ICF_CODE_COL).lower()
        if code not in wanted:
            continue
        title = _cell(sheet, row, ICF_TITLE_COL)
        alternative = _cell(sheet, row, ICF_ALT_TERM_COL)
        categories[code] = {
            "title": title,
            "name": alternative or title,
            "description": _cell(sheet, row, ICF_DESCRIPTION_COL),
            "includes": _cell(sheet, row, ICF_INCLUDES_COL),
        }
    missing = sorted(wanted - set(categories))
    if missing:
        raise ValueError(f"ICF codes used by FMB but missing in the classification: {missing}")
    return {
        "meta": {
            "source": "Socialstyrelsen, Klassifikation av funktionstillstånd, funktionshinder "
            "och hälsa (ICF) 2019 med alternativa termer, see SOURCES.md",
            "categories": len(categories),
        },
        "categories": dict(sorted(categories.items())),
    }


def _gzip_json(data: Any) -> bytes:
    return gzip_bytes(json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False))


def convert(source: Path) -> tuple[dict[str, bytes], str]:
    fmb = convert_fmb(source)
    wanted = {
        code
        for diagnosis in fmb["diagnoses"]
        for field in ("funktionsnedsattning", "aktivitetsbegransning")
        for kind in ("central", "complementary")
        for code in diagnosis[field][kind]
    }
    icf = convert_icf(source, wanted)
    summary = (
        f"FMB: {fmb['meta']['diagnoses']} diagnoses, {fmb['meta']['typfall']} typfall; "
        f"ICF: {icf['meta']['categories']} categories"
    )
    return {"fmb.json.gz": _gzip_json(fmb), "icf.json.gz": _gzip_json(icf)}, summary


if __name__ == "__main__":
    sys.exit(converting.main(None, doc=__doc__, target=DEFAULT_TARGET, convert=convert))
