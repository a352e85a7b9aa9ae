"""Item 9: bad text is refused, not stored (API and every event handler); the demo EHR
refuses a notification whose signature does not verify."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlmodel import select

from services import notifications, text
from services.persistence.db import session_scope
from services.persistence.models import Certificate
from state.certificate import CertificateState
from state.session_binding import SessionBinding
from tests.factories import TOLVAN, UNIT
from tests.reflex_harness import point, root_state
from tests.security.conftest import KEY, create_draft

BAD = ["a\x00b", "\x07", "rad\x1bESC", "\x7f", "c1\x85", "surrogat\ud800", "\x0b", "\x0c"]


@pytest.mark.parametrize("bad", BAD)
def test_control_characters_are_refused_in_free_and_line_text(bad) -> None:
    assert text.bad_text(bad) and text.bad_text(bad, free_text=False)


def test_newline_and_tab_are_free_text_but_not_single_line() -> None:
    value = "rad ett\nrad två\r\n\tindrag åäö ÅÄÖ é – ”citat”"
    assert not text.bad_text(value)
    assert text.bad_text(value, free_text=False)
    assert text.find_bad_text({"a": [value, {"b": value}]}) is None


@pytest.mark.parametrize("bad", ["Tol\x00van", "Tolvan\x1f", "Tol\nvan"])
async def test_the_api_refuses_control_characters_and_stores_nothing(client, bad) -> None:
    with session_scope() as s:
        before = len(s.exec(select(Certificate)).all())
    r = await client.post(
        "/api/v1/certificates",
        json={
            "type": "fk7804",
            "patient": {"personnummer": TOLVAN, "fornamn": bad},
            "user_hsa_id": "TSTNMT2321000156-DRAA",
            "unit_id": UNIT,
        },
        headers=KEY,
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["field"] == "patient.fornamn" and "otillåtna tecken" in error["message"]
    with session_scope() as s:
        assert len(s.exec(select(Certificate)).all()) == before


async def test_the_api_refuses_control_characters_in_queries_and_bodies(client) -> None:
    r = await client.get(f"/api/v1/units/{UNIT}/certificates?status=DRAFT%00", headers=KEY)
    assert r.status_code == 400 and r.json()["error"]["field"] == "status"
    r = await client.post(
        "/api/v1/launch-tokens",
        content=json.dumps({"user_hsa_id": "x", "certificate_id": "y\u0000"}),
        headers={**KEY, "content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "certificate_id"


async def test_every_handler_is_guarded_by_the_event_middleware(client) -> None:
    """The check runs before any handler (state.session_binding), so it holds for all of them,
    also those added later; the handler does not run and the user gets a toast."""
    cert_id = await create_draft(client)
    from reflex.event import Event

    root = root_state()
    point(root, None, "/")
    name = CertificateState.get_full_name() + ".set_value"
    bad = Event(name=name, payload={"key": "ovrigt", "value": "hej\x00då"})
    update = await SessionBinding().preprocess(None, root, bad)
    assert update is not None and update.events  # refused: the handler is not called
    assert "styrtecken" in json.dumps([e.payload for e in update.events], default=str)
    good = Event(name=name, payload={"key": "ovrigt", "value": "hej\ndå\t!"})
    assert await SessionBinding().preprocess(None, root, good) is None
    with session_scope() as s:
        assert "ovrigt" not in s.get(Certificate, cert_id).content


async def test_the_demo_ehr_refuses_a_notification_with_a_bad_signature(sim) -> None:
    body = json.dumps({"event": "SIGNAT", "certificateId": "x"}).encode()
    url = sim.url("ehr") + "/notifications"
    async with httpx.AsyncClient() as c:
        before = len((await c.get(url)).json())
        for header in ({}, {"X-Webcert-Signature": "sha256=" + "0" * 64}):
            r = await c.post(url, content=body, headers=header)
            assert r.status_code == 401, r.text
        assert len((await c.get(url)).json()) == before  # nothing was stored
        r = await c.post(
            url, content=body, headers={"X-Webcert-Signature": notifications.sign(body)}
        )
        assert r.status_code == 201 and r.json()["signature_ok"] is True
