"""The renderer's input, independent of the database models, and the kind of a print (§4.5.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.certificates.base import CertificateDefinition


class PrintStatus(StrEnum):
    """The certificate's status as far as printing cares."""

    DRAFT = "draft"
    LOCKED = "locked"  # låst utkast (§4.8)
    SIGNED = "signed"
    SENT = "sent"  # signed and sent to the recipient
    REVOKED = "revoked"  # makulerat intyg
    LOCKED_REVOKED = "locked_revoked"  # makulerat låst utkast

    @classmethod
    def parse(cls, value: str | PrintStatus) -> PrintStatus:
        """Accept the enum, its value or a few common spellings ("LOCKED_DRAFT", "utkast")."""
        if isinstance(value, PrintStatus):
            return value
        key = str(value).strip().lower().replace("-", "_").replace(" ", "_")
        key = _STATUS_ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            raise ValueError(f"Okänd status för utskrift: {value!r}") from None

    @property
    def is_signed(self) -> bool:
        return self in (PrintStatus.SIGNED, PrintStatus.SENT, PrintStatus.REVOKED)


_STATUS_ALIASES = {
    "utkast": "draft",
    "unsigned": "draft",
    "locked_draft": "locked",
    "draft_locked": "locked",
    "last": "locked",
    "signerat": "signed",
    "signerad": "signed",
    "skickat": "sent",
    "makulerat": "revoked",
    "revoked_locked": "locked_revoked",
    "locked_draft_revoked": "locked_revoked",
    "revoked_locked_draft": "locked_revoked",
}


class PrintKind(StrEnum):
    """What a print is; shown on every page so that it is unmistakable (§4.5.4)."""

    DRAFT = "Utkast"
    LOCKED_DRAFT = "Låst utkast"
    SIGNED = "Signerat intyg"  # a signed certificate of a type without minimal print
    SIGNED_FULL = "Fullständigt intyg"
    SIGNED_MINIMAL = "Minimalt intyg"
    REVOKED = "Makulerat intyg"
    REVOKED_LOCKED_DRAFT = "Makulerat låst utkast"

    @property
    def label(self) -> str:
        return self.value

    @property
    def is_valid_certificate(self) -> bool:
        """Whether the print is of a signed certificate that is in force."""
        return self in (PrintKind.SIGNED, PrintKind.SIGNED_FULL, PrintKind.SIGNED_MINIMAL)

    @property
    def watermark(self) -> str:
        """Large diagonal text over every page ("" for certificates in force)."""
        return {
            PrintKind.DRAFT: "UTKAST",
            PrintKind.LOCKED_DRAFT: "LÅST UTKAST",
            PrintKind.REVOKED: "MAKULERAT",
            PrintKind.REVOKED_LOCKED_DRAFT: "MAKULERAT",
        }.get(self, "")


@dataclass(frozen=True)
class PrintPatient:
    name: str
    personnummer: str  # already formatted: "19121212-1212"
    sekretess: bool = False  # sekretessmarkering (§4.10)


@dataclass(frozen=True)
class PrintIssuer:
    """Intygsutfärdaren and the care unit (vårdenhet) the certificate is written on."""

    name: str
    hsa_id: str
    title: str = ""  # tjänsteställning/befattning, e.g. "Läkare"
    specialities: tuple[str, ...] = ()  # specialistkompetens
    prescription_code: str = ""  # förskrivarkod
    workplace_code: str = ""  # arbetsplatskod
    care_unit_name: str = ""
    care_giver_name: str = ""  # vårdgivare
    address: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PrintableCertificate:
    definition: CertificateDefinition
    content: Mapping[str, Any]
    certificate_id: str
    status: PrintStatus | str
    patient: PrintPatient
    issuer: PrintIssuer
    signed_at: datetime | None = None
    revoked_at: datetime | None = None
    sent_at: datetime | None = None

    @property
    def print_status(self) -> PrintStatus:
        status = PrintStatus.parse(self.status)
        if self.revoked_at is not None and status is PrintStatus.LOCKED:
            return PrintStatus.LOCKED_REVOKED
        if self.revoked_at is not None and status in (PrintStatus.SIGNED, PrintStatus.SENT):
            return PrintStatus.REVOKED
        return status
