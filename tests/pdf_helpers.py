"""A complete printable certificate and PDF text helpers, shared by the PDF tests."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pypdf

from services.certificates import get_definition
from services.certificates.base import CertificateDefinition
from services.pdf import PrintableCertificate, PrintIssuer, PrintPatient

FK7804 = get_definition("fk7804")

SWEDISH = "Åsa Öberg-Ärlig é – ”citat” … åäöÅÄÖ"
LONG = (
    "Patienten har sedan tre veckor tillbaka haft tilltagande andfåddhet, hosta och feber – "
    "”det känns som att springa uppför en backe hela tiden” … Vid undersökning ses takypné, "
    "nedsatt andningsljud basalt höger och förhöjd CRP. Röntgen visar infiltrat förenligt med "
    "pneumoni. "
)


def complete_content() -> dict:
    return {
        "grund_for_mu": {"UNDERSOKNING": "2026-11-20", "JOURNALUPPGIFTER": "2026-11-01"},
        "sysselsattning": ["NUVARANDE_ARBETE", "STUDIER"],
        "nuvarande_arbete": "Undersköterska på äldreboende i Älvsjö, tunga lyft och nattarbete.",
        "diagnoser": [
            {"code": "J189", "text": "Pneumoni, ospecificerad", "system": "ICD_10_SE"},
            {"code": "J20", "text": "Akut bronkit", "system": "ICD_10_SE"},
            {"code": "F432", "text": "Anpassningsstörningar", "system": "ICD_10_SE"},
        ],
        "funktionsnedsattning": "Fynd: " + LONG * 6 + SWEDISH,
        "funktionsnedsattning_icf": [
            {"code": "b440", "name": "Andningsfunktioner"},
            {"code": "b455", "name": "Funktioner för fysisk uthållighet"},
        ],
        "aktivitetsbegransning": "Begränsning: " + LONG * 5,
        "aktivitetsbegransning_icf": [{"code": "d430", "name": "Lyfta och bära föremål"}],
        "pagaende_behandling": "Antibiotika peroralt i tio dagar.",
        "planerad_behandling": "Återbesök med ny lungröntgen om sex veckor.",
        "arbetstid_timmar_per_vecka": 40,
        "sjukskrivningar": {
            "HELT_NEDSATT": {"from": "2026-11-20", "to": "2026-12-03"},
            "TRE_FJARDEDEL": {"from": "2026-12-04", "to": "2026-12-17"},
            "HALFTEN": {"from": "2026-12-18", "to": "2026-12-31"},
            "EN_FJARDEDEL": {"from": "2027-01-01", "to": "2027-01-14"},
        },
        "motivering_langre_an_fmb": "Komplicerat förlopp med pleuravätska.",
        "arbetstidsforlaggning": True,
        "arbetstidsforlaggning_motivering": "Orkar bäst på förmiddagar efter lunginflammationen.",
        "arbetsresor": True,
        "prognos": "ATER_X_ANTAL_DGR",
        "prognos_dagar_till_arbete": "SEXTIO_DGR",
        "atgarder": ["ARBETSTRANING", "ARBETSANPASSNING"],
        "atgarder_beskrivning": "Gradvis upptrappning med anpassade arbetsuppgifter.",
        "ovrigt": "Övrigt: " + LONG * 2,
        "kontakt_fk": True,
        "kontakt_fk_anledning": "Vill diskutera rehabiliteringsplanen.",
    }


ISSUER = PrintIssuer(
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
)
# Stored times are UTC; the print shows Swedish local time (UTC+1 in November).
SIGNED_AT = datetime(2026, 11, 20, 13, 32, tzinfo=UTC)


def make(
    status: str = "signed",
    *,
    content: dict | None = None,
    definition: CertificateDefinition = FK7804,
    **kwargs: object,
) -> PrintableCertificate:
    return PrintableCertificate(
        definition=definition,
        content=complete_content() if content is None else content,
        certificate_id="9f02dd2f-f57c-4a73-8190-2fe602cd6d27",
        status=status,
        patient=kwargs.pop("patient", PrintPatient("Tolvan Tolvansson", "19121212-1212")),  # type: ignore[arg-type]
        issuer=ISSUER,
        signed_at=None if status in ("draft", "locked") else SIGNED_AT,
        **kwargs,  # type: ignore[arg-type]
    )


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def body_text(pages: list[str]) -> str:
    """The flowing content of all pages, without the repeated header, footer and "(forts.)"."""
    parts = []
    for text in pages:
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if "Personnummer" in line) + 1
        for line in lines[start:]:
            if re.search(r"Sida \d+ av \d+", line) or line.endswith("(forts.)"):
                continue
            parts.append(line)
    return flat(" ".join(parts))
