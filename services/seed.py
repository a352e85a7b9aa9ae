"""Demo data for `make run`: a few drafts on Alfa Vårdcentral and two signed FK7263 (the old
sick-pay certificate, only viewed and printed, §2.4) — only into an empty database."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from services import clock, drafts, identity, testdata
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus

DEMO_DOCTOR = "TSTNMT2321000156-DRAA"
DEMO_UNIT = "TSTNMT2321000156-ALVC"
DEMO_DRAFTS = (("fk7804", "191212121212"), ("fk7800", "191212121212"))
DEMO_FK7263 = (
    ("191212121212", CertificateStatus.SENT),
    ("194011306125", CertificateStatus.SIGNED),
)


async def seed() -> int:
    """Create the demo certificates if the database has none; returns how many."""
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
            status=status,
        )
    return len(DEMO_DRAFTS) + len(DEMO_FK7263)


if __name__ == "__main__":
    print(f"Demodata: {asyncio.run(seed())} intyg skapade.")
