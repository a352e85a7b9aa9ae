"""Demo data for `make run`: a few drafts on Alfa Vårdcentral (only into an empty database)."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from services import drafts, identity
from services.persistence.db import session_scope
from services.persistence.models import Certificate

DEMO_DOCTOR = "TSTNMT2321000156-DRAA"
DEMO_UNIT = "TSTNMT2321000156-ALVC"
DEMO_DRAFTS = (("fk7804", "191212121212"), ("fk7800", "191212121212"))


async def seed() -> int:
    """Create the demo drafts if the database has no certificates; returns how many."""
    with session_scope() as s:
        if s.exec(select(Certificate.id).limit(1)).first() is not None:
            return 0
    user = await identity.acting_user(DEMO_DOCTOR, DEMO_UNIT, origin="SEED")
    for cert_type, pnr in DEMO_DRAFTS:
        await drafts.create_draft(user, cert_type=cert_type, personnummer=pnr)
    return len(DEMO_DRAFTS)


if __name__ == "__main__":
    print(f"Demodata: {asyncio.run(seed())} utkast skapade.")
