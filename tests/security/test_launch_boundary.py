"""Items 1-3 of the trust boundary: the launch is signed, its patient parameters belong to one
certificate, and a refused launch leaves nobody logged in."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select

from services import certificate_views, identity, launch, rights
from services.errors import NotAuthorized, WebcertError
from services.persistence.db import session_scope
from services.persistence.models import AuditRecord, Certificate
from services.rights import Action
from services.settings import get_settings
from tests.factories import DOCTOR, OTHER_UNIT, TOLVAN, UNIT, launch_request, load, login, signed
from tests.security.conftest import KEY, LILLTOLVAN, SCOPED_KEY, create_draft, launch_url


def _cookie(client: httpx.AsyncClient) -> str | None:
    return client.cookies.get(get_settings().session_cookie_name)


def _session(client: httpx.AsyncClient) -> identity.SessionUser:
    return identity.get_session(_cookie(client), touch=False)


# --- 1. launch parameters are part of the signed launch, never of the URL ---------------------
@pytest.mark.parametrize(
    "tampering",
    [
        "&sjf=true",
        "&kopieringOK=true",
        "&inaktivEnhet=false",
        "&avliden=false",
        f"&enhet={OTHER_UNIT}",
        f"&alternatePatientSSn={LILLTOLVAN}",
        "&efternamn=Annan",
    ],
)
async def test_a_parameter_appended_to_the_deep_link_refuses_the_launch(client, tampering) -> None:
    cert_id = await create_draft(client)
    url = await launch_url(client, cert_id)
    opened = await client.get(url + tampering)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/fel/launch-tampered"
    assert _cookie(client) is None  # no session was started
    with session_scope() as s:  # the refusal is in the PDL log, with who and why
        logged = s.exec(
            select(AuditRecord).where(AuditRecord.refusal_code == "LAUNCH_TAMPERED")
        ).all()
    assert [(r.user_id, r.certificate_id) for r in logged] == [(DOCTOR, cert_id)]


async def test_a_changed_parameter_refuses_the_launch(client) -> None:
    cert_id = await create_draft(client)
    url = await launch_url(client, cert_id, sjf="false")
    opened = await client.get(url.replace("sjf=false", "sjf=true"))
    assert opened.headers["location"] == "/fel/launch-tampered"


async def test_signed_parameters_count_with_or_without_their_copies(client) -> None:
    cert_id = await create_draft(client)
    url = await launch_url(client, cert_id, sjf="true", kopieringOK="false")
    assert "sjf=true" in url  # the link repeats what is signed, as the manual shows it
    opened = await client.get(url)
    assert opened.headers["location"] == f"/intyg/{cert_id}"
    user = _session(client)
    assert user.params == {"sjf": True, "kopieringOK": False}
    client.cookies.clear()
    url = await launch_url(client, cert_id, sjf="true")
    opened = await client.get(url.split("&")[0])  # the copies dropped: the token still says
    assert opened.headers["location"] == f"/intyg/{cert_id}"
    assert _session(client).params == {"sjf": True}


async def test_the_token_itself_carries_the_parameters(client) -> None:
    cert_id = await create_draft(client)
    url = await launch_url(client, cert_id, sjf="true", efternamn="Journalnamn")
    token = httpx.URL(url).params["token"]
    claims = identity.verify_launch_token(token, certificate_id=cert_id)
    assert claims.params == {"sjf": True, "efternamn": "Journalnamn"}


async def test_the_enhet_parameter_is_checked_against_the_calling_systems_units(client) -> None:
    cert_id = await create_draft(client)
    body = launch_request(cert_id, unit=None, enhet=OTHER_UNIT)
    r = await client.post("/api/v1/launch-tokens", json=body, headers=KEY)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["field"] == "parameters.enhet"
    # The scoped system may name its own unit, but not for another system's certificate.
    r = await client.post("/api/v1/launch-tokens", json=body, headers=SCOPED_KEY)
    assert r.status_code == 403, r.text


# --- 2. patient parameters belong to one certificate ------------------------------------------
async def test_patient_parameters_do_not_leak_to_a_second_draft(client) -> None:
    first = await create_draft(client)
    second = await create_draft(client)
    url = await launch_url(client, first, alternatePatientSSn=LILLTOLVAN, efternamn="Annan")
    assert (await client.get(url)).headers["location"] == f"/intyg/{first}"
    user = _session(client)
    assert await launch.apply_patient_parameters(user, second) == ""
    with session_scope() as s:
        assert s.get(Certificate, second).patient_id == TOLVAN
    notice = await launch.apply_patient_parameters(user, first)
    assert "uppdaterat" in notice
    with session_scope() as s:
        assert s.get(Certificate, first).patient_id == LILLTOLVAN
    # Once: the session now says they are applied.
    assert _session(client).patient_parameters_applied is True


# --- 1b. the flags (sjf, kopieringOK, inaktivEnhet, avliden) belong to one certificate too ----
async def _launch(client: httpx.AsyncClient, cert_id: str, **params: str) -> identity.SessionUser:
    """A deep link onto UNIT for ``cert_id`` whose signed token carries ``params``."""
    token = identity.issue_launch_token(
        hsa_id=DOCTOR, unit_id=UNIT, certificate_id=cert_id, params=params
    )
    opened = await client.get(f"/visa/intyg/{cert_id}?token={token}")
    assert opened.headers["location"] == f"/intyg/{cert_id}", opened.headers["location"]
    return _session(client)


async def test_sjf_opens_the_launched_certificate_of_another_unit_only(client) -> None:
    elsewhere = await login(DOCTOR, OTHER_UNIT)
    launched = (await signed(elsewhere)).id
    other = (await signed(elsewhere, LILLTOLVAN)).id
    user = await _launch(client, launched, sjf="true")
    view = await certificate_views.open_certificate(user, launched)  # sjf: the EHR's say
    assert view.certificate.id == launched
    with pytest.raises(NotAuthorized) as refused:  # the same session, another certificate
        await certificate_views.open_certificate(user, other)
    assert refused.value.code == "OTHER_UNIT"
    with session_scope() as s:  # and the refusal is in the PDL log
        codes = s.exec(
            select(AuditRecord.refusal_code).where(
                AuditRecord.certificate_id == other, AuditRecord.refusal_code != ""
            )
        ).all()
    assert codes == ["OTHER_UNIT"]
    # A later deep link in the same browser carries only what its own token says.
    user = await _launch(client, other)
    with pytest.raises(NotAuthorized):
        await certificate_views.open_certificate(user, other)


async def test_restricting_flags_bind_to_the_launched_certificate(client) -> None:
    doctor = await login()
    launched = (await signed(doctor)).id
    other = (await signed(doctor)).id
    user = await _launch(client, launched, kopieringOK="false", inaktivEnhet="true", avliden="true")
    for action in (Action.RENEW, Action.REPLACE):
        assert not rights.decide(user, load(launched), action, rights.PatientFlags())
        assert rights.decide(user, load(other), action, rights.PatientFlags())
    codes = {
        rights.decide(user, load(launched), Action.RENEW, rights.PatientFlags()).code,
        rights.decide(
            await _launch(client, launched, kopieringOK="false"),
            load(launched),
            Action.RENEW,
            rights.PatientFlags(),
        ).code,
    }
    assert codes == {"INACTIVE_UNIT", "COPY_NOT_ALLOWED"}


async def test_a_session_without_a_launch_certificate_keeps_no_flags(migrated_db, sim) -> None:
    token = await identity.login(DOCTOR, UNIT, origin="SMART", params={"sjf": True})
    assert identity.get_session(token).params == {}


# --- 3. a refused launch ends the old session ---------------------------------------------------
async def test_a_refused_launch_leaves_nobody_logged_in(client) -> None:
    cert_id = await create_draft(client)
    assert (await client.get(await launch_url(client, cert_id))).status_code == 303
    old = _cookie(client)
    assert identity.get_session(old, touch=False).hsa_id
    other_units = await create_draft(client, unit=OTHER_UNIT)
    refused = await client.get(
        await launch_url(client, other_units, key=SCOPED_KEY, unit=None) + "&sjf=true"
    )
    assert refused.headers["location"].startswith("/fel/")
    assert _cookie(client) is None  # the cookie is deleted
    with pytest.raises(WebcertError):
        identity.get_session(old, touch=False)  # and the session is over for good


async def test_a_launch_for_a_user_without_rights_ends_the_old_session(client) -> None:
    cert_id = await create_draft(client)
    await client.get(await launch_url(client, cert_id))
    old = _cookie(client)
    forged = identity.issue_launch_token(
        hsa_id="TSTNMT2321000156-NOBODY", unit_id=UNIT, certificate_id=cert_id
    )
    refused = await client.get(f"/visa/intyg/{cert_id}?token={forged}")
    assert refused.headers["location"].startswith("/fel/")
    with pytest.raises(WebcertError):
        identity.get_session(old, touch=False)
