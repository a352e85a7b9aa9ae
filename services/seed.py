"""Demo data for `make run`: a few drafts on Alfa Vårdcentral and two signed FK7263 (the old
sick-pay certificate, only viewed and printed, §2.4) — only into an empty database.

The services are imported inside ``seed()``: a second `make run` finds the demo data with the
standard library (``already_seeded``) without paying for their import."""

from __future__ import annotations

import asyncio

from services.persistence import sqlite_probe
from services.settings import get_settings

DEMO_DOCTOR = "TSTNMT2321000156-DRAA"
DEMO_UNIT = "TSTNMT2321000156-ALVC"
DEMO_DRAFTS = (("fk7804", "191212121212"), ("fk7800", "191212121212"))
DEMO_FK7263 = (("191212121212", "SENT"), ("194011306125", "SIGNED"))  # CertificateStatus names
CERTIFICATE_TABLE = "certificate"  # Certificate.__tablename__ (a test checks they agree)


async def seed() -> int:
    """Create the demo certificates if the database has none; returns how many."""
    from sqlmodel import select

    from services import clock, drafts, identity, testdata
    from services.persistence.db import session_scope
    from services.persistence.models import Certificate, CertificateStatus

    with session_scope() as s:
        if s.exec(select(Certificate.id).limit(1)).first() is not None:
            return 0
    user = await identity.acting_user(DEMO_DOCTOR, DEMO_UNIT, origin="SEED")
    for cert_type, pnr in DEMO_DRAFTS:
        await drafts.create_draft(user, cert_type=cert_type, personnummer=pnr)
    for pnr, status in DEMO_FK7263:
        await testdata.create_legacy_certificate(
            user,
            cert_type="fk7263",
            personnummer=pnr,
            content=testdata.example_fk7263(clock.today()),
            status=CertificateStatus[status],
        )
    return len(DEMO_DRAFTS) + len(DEMO_FK7263)


def already_seeded(url: str | None = None) -> bool:
    """True when the (SQLite) database certainly has a certificate; False when it has none or
    it cannot tell cheaply (then ``seed()`` looks)."""
    rows = sqlite_probe.query(
        url or get_settings().database_url, f"SELECT 1 FROM {CERTIFICATE_TABLE} LIMIT 1"
    )
    return bool(rows)


if __name__ == "__main__":
    if already_seeded():
        print("Demodata: finns redan.")
    else:
        print(f"Demodata: {asyncio.run(seed())} intyg skapade.")
