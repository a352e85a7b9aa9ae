"""Convert the diagnosis code systems into the compact files shipped with the app.

Reads (default source: /work/shared/data):
  icd10se/digit3.txt, digit4.txt, digit5.txt   ICD-10-SE, "code<TAB>[*|†]<TAB>text", UTF-8 + BOM
  ksh97p/KSH97P_KOD.ANS                        KSH97-P codes, "code  text", ISO-8859-1
  ksh97p/KSH97P_SFAMALT.ANS                    KSH97-P alternative terms (synonyms), ISO-8859-1

Writes (default target: services/data):
  icd10se.tsv.gz   one line per code: "code<TAB>text", sorted by code (35,684 codes)
  ksh97p.tsv.gz    one line per code: "code<TAB>text<TAB>synonym|synonym|...", sorted by code

Codes are written as the sources (and Webcert) write them: ICD-10-SE without a dot ("J20",
"J209", "M659B"); KSH97-P with its own markers ("J20-", "A02-P", "F419P", "F438A"). The dagger
and asterisk column of ICD-10-SE (dual classification markers) is dropped, as Webcert does.
The gzip header carries no timestamp, so a re-run with unchanged input gives identical bytes.

Usage:  .venv/bin/python scripts/convert_codes.py [--source DIR] [--target DIR] [--check]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also when run as a file
from scripts import converting
from scripts.converting import gzip_bytes

DEFAULT_TARGET = converting.PROJECT_ROOT / "services" / "data"

ICD_FILES = ("icd10se/digit3.txt", "icd10se/digit4.txt", "icd10se/digit5.txt")
KSH_CODES = "ksh97p/KSH97P_KOD.ANS"
KSH_SYNONYMS = "ksh97p/KSH97P_SFAMALT.ANS"

ICD_CODE_RE = re.compile(r"^[A-Z]\d{2}[0-9A-Z]{0,2}$")
KSH_CODE_RE = re.compile(r"^([A-Z]\d{2}-?\d?P?|F438A)$")
KSH_LINE_RE = re.compile(r"^(\S+)\s+(.*?)\s*$")


def _clean(text: str) -> str:
    """Collapse runs of whitespace and trim."""
    return " ".join(text.split())


def read_icd10se(source: Path) -> dict[str, str]:
    """Return {code: text} for all ICD-10-SE codes (3, 4 and 5 characters)."""
    codes: dict[str, str] = {}
    for name in ICD_FILES:
        with open(source / name, encoding="utf-8-sig") as handle:
            for line_no, raw in enumerate(handle, 1):
                line = raw.rstrip("\r\n")
                if not line.strip():
                    continue
                parts = line.split("\t")
                code = parts[0].strip().upper()
                text = _clean(parts[-1])
                if not ICD_CODE_RE.match(code) or not text:
                    raise ValueError(f"{name}:{line_no}: unexpected line {line!r}")
                if code in codes:
                    raise ValueError(f"{name}:{line_no}: duplicate code {code}")
                codes[code] = text
    return codes


def _read_ksh_file(path: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    with open(path, encoding="iso-8859-1") as handle:
        for line_no, raw in enumerate(handle, 1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            match = KSH_LINE_RE.match(line)
            if not match or not KSH_CODE_RE.match(match.group(1).upper()):
                raise ValueError(f"{path.name}:{line_no}: unexpected line {line!r}")
            rows.append((match.group(1).upper(), _clean(match.group(2))))
    return rows


def read_ksh97p(source: Path) -> dict[str, tuple[str, list[str]]]:
    """Return {code: (text, [synonyms...])} for KSH97-P (synonyms exclude the main text)."""
    result: dict[str, tuple[str, list[str]]] = {}
    for code, text in _read_ksh_file(source / KSH_CODES):
        if code in result:
            raise ValueError(f"duplicate KSH97-P code {code}")
        result[code] = (text, [])
    for code, term in _read_ksh_file(source / KSH_SYNONYMS):
        if code not in result:
            raise ValueError(f"synonym for unknown KSH97-P code {code}")
        text, synonyms = result[code]
        if term.casefold() != text.casefold() and term not in synonyms:
            synonyms.append(term)
    return result


def render_icd(codes: dict[str, str]) -> bytes:
    lines = [f"{code}\t{codes[code]}\n" for code in sorted(codes)]
    return gzip_bytes("".join(lines))


def render_ksh(codes: dict[str, tuple[str, list[str]]]) -> bytes:
    lines = []
    for code in sorted(codes):
        text, synonyms = codes[code]
        lines.append(f"{code}\t{text}\t{'|'.join(synonyms)}\n")
    return gzip_bytes("".join(lines))


def convert(source: Path) -> tuple[dict[str, bytes], str]:
    icd = read_icd10se(source)
    ksh = read_ksh97p(source)
    summary = (
        f"ICD-10-SE: {len(icd):,} codes; KSH97-P: {len(ksh):,} codes, "
        f"{sum(len(s) for _, s in ksh.values()):,} synonyms"
    )
    return {"icd10se.tsv.gz": render_icd(icd), "ksh97p.tsv.gz": render_ksh(ksh)}, summary


if __name__ == "__main__":
    sys.exit(converting.main(None, doc=__doc__, target=DEFAULT_TARGET, convert=convert))
