"""Pure values the certificate page shows, computed in services (issue 16, item 3): the working
time beside each reduced period (§5.8) and the status line."""

from datetime import UTC, datetime

import pytest

from services import localtime
from services.certificate_views import status_text
from services.certificates import get_definition
from services.certificates.periods import working_times
from services.persistence.models import Certificate, CertificateStatus

FK7804 = get_definition("fk7804")
PERIODS = {
    "EN_FJARDEDEL": {"from": "2018-04-05", "to": "2018-04-24"},
    "HALFTEN": {"from": "2018-04-25", "to": "2018-04-20"},  # ends before it starts: none
    "HELT_NEDSATT": "not a period",
}


def test_working_times_for_each_valid_reduced_period() -> None:
    content = {"arbetstid_timmar_per_vecka": "40", "sjukskrivningar": PERIODS}
    assert working_times(FK7804, content) == {
        "EN_FJARDEDEL": "Arbetstid: 30,00 timmar/vecka i 20 dagar"
    }
    decimal_comma = {**content, "arbetstid_timmar_per_vecka": "37,5"}
    assert working_times(FK7804, decimal_comma)["EN_FJARDEDEL"].startswith("Arbetstid: 28,13")


@pytest.mark.parametrize("hours", [None, "", "fyrtio", "0", "-8", 0])
def test_no_working_time_without_hours(hours: object) -> None:
    assert (
        working_times(FK7804, {"arbetstid_timmar_per_vecka": hours, "sjukskrivningar": PERIODS})
        == {}
    )


def _cert(status: CertificateStatus, **fields: object) -> Certificate:
    return Certificate(type="fk7804", patient_id="191212121212", status=status, **fields)


def test_status_text_per_status() -> None:
    at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    shown = localtime.format_datetime(at)
    assert status_text(_cert(CertificateStatus.DRAFT)) == "Utkastet sparas automatiskt."
    assert status_text(_cert(CertificateStatus.READY_FOR_SIGNING)).endswith("klart för signering.")
    assert status_text(_cert(CertificateStatus.LOCKED)).startswith("Utkastet är låst.")
    signed = _cert(CertificateStatus.SIGNED, signed_at=at, signed_by_name="Ajla Doktor")
    assert status_text(signed) == f"Intyget är signerat {shown} av Ajla Doktor."
    sent = _cert(CertificateStatus.SENT, sent_at=at)
    assert status_text(sent) == f"Intyget är signerat och skickat till Försäkringskassan {shown}."
    revoked = _cert(CertificateStatus.REVOKED, revoked_at=at)
    assert status_text(revoked) == f"Intyget är makulerat {shown}."
