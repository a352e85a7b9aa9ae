"""services.rights: who may read the PDL log (HSA system role INTYG;PDL-logg-<unit>)."""

from __future__ import annotations

import pytest

from services import rights
from services.errors import NotAuthorized
from services.hsa import CareUnit
from services.identity import SessionUser
from tests.factories import session_user

ALVC = CareUnit(
    hsa_id="TSTNMT2321000156-ALVC",
    name="Alfa Vårdcentral",
    care_provider_id="TSTNMT2321000156-ALFA",
    care_provider_name="Alfa Regionen",
)
ALMC = CareUnit(
    hsa_id="TSTNMT2321000156-ALMC",
    name="Alfa Medicincentrum",
    care_provider_id="TSTNMT2321000156-ALFA",
)


def user(*roles: str, unit: CareUnit | None = ALVC, **kw: bool) -> SessionUser:
    return session_user(unit=unit, units=(ALVC, ALMC), system_roles=roles, **kw)


def test_system_role_for_the_session_unit_gives_the_right_and_the_scope() -> None:
    reader = user("INTYG;PDL-logg-TSTNMT2321000156-ALVC")
    assert rights.decide_log_reading(reader).allowed
    assert rights.log_scope(reader) == "TSTNMT2321000156-ALFA"


@pytest.mark.parametrize(
    ("u", "code"),
    [
        (user(), "LOG_READER"),  # an ordinary läkare
        (user("INTYG;PDL-logg-TSTNMT2321000156-ALMC"), "LOG_READER"),  # right on another unit
        (user("INTYG;Rehab-TSTNMT2321000156-ALVC"), "LOG_READER"),  # another system role
        (user("INTYG;PDL-logg-TSTNMT2321000156-ALVC", unit=None), "NO_UNIT"),
        (
            user("INTYG;PDL-logg-TSTNMT2321000156-ALVC", sekretess=True),
            "SEKRETESS_NOT_ACCEPTED",
        ),
    ],
)
def test_everybody_else_is_refused(u: SessionUser, code: str) -> None:
    decision = rights.decide_log_reading(u)
    assert not decision.allowed and decision.code == code
    with pytest.raises(Exception) as err:
        rights.log_scope(u)
    assert isinstance(err.value, NotAuthorized) or code == "NO_UNIT"
