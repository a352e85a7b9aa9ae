"""Every public event handler of every State class, called with forged events.

A Reflex event handler is a public endpoint: any browser can send any event with any payload
over the websocket. This suite enumerates the handlers (every ``state.*`` module) and calls
each one through the same path the app uses — ``state.session_binding`` first, then the
handler — in six scenarios:

- ``no-session``: the tab's state was built by a user who opened the victim's draft; the
  event comes with no cookie (a stolen client token);
- ``expired``: the same owner's cookie, after the session timed out;
- ``other-session``: the cookie of another user (another unit);
- ``foreign-ids``: a valid session on the attacker's own unit, state and payload pointing at
  another unit's, another patient's certificate (the middleware does not help here: the
  services must refuse);
- ``wrong-types``: every argument as None, a number, a list, an object, a bool;
- ``oversized``: every string argument 200 000 characters (refused before the handler) and
  20 000 characters (the handler itself).

Each case must not raise, must leave the database unchanged (certificates, question threads
and drafts, outbox; the audit log may grow: refusals are logged) and must not put the
victim's patient data or free text into the attacker's state.

A handler that is not in TABLE fails the suite with the exact line to add. The number of
cases run is printed at the end of the session (tests/security/conftest.py).
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import reflex as rx
from reflex.event import Event
from sqlmodel import select

import state
from services import clock, identity, lifecycle
from services.persistence.db import session_scope
from services.persistence.models import (
    Certificate,
    NotificationOutbox,
    QuestionDraft,
    QuestionThread,
)
from services.settings import get_settings
from state import guard, session_binding
from state.certificate import CertificateState
from state.questions import QuestionState
from tests.factories import ADMIN, DOCTOR, OTHER_UNIT, UNIT, complete_fk7804
from tests.reflex_harness import fn, point, root_state, run
from tests.security import conftest as sec

for _module in pkgutil.iter_modules(state.__path__):  # every state module, every handler
    importlib.import_module(f"state.{_module.name}")

SECRET = "HEMLIG-FRITEXT-4711"
VICTIM_PNR = sec.LILLTOLVAN


@dataclass
class Victim:
    draft_id: str
    signed_id: str
    pnr: str = VICTIM_PNR


Payload = Callable[[Victim], dict[str, Any]]


def _none(v: Victim) -> dict[str, Any]:
    return {}


# "Class.handler": the payload a forged event sends (aimed at the victim where it can be).
TABLE: dict[str, Payload] = {
    "SessionState.accept_sekretess": _none,
    "SessionState.choose_unit": lambda v: {"unit_id": OTHER_UNIT},
    "SessionState.close_sekretess_info": _none,
    "SessionState.load": _none,
    "SessionState.show_sekretess_info": _none,
    "UnitListState.load": _none,
    "LaunchedPatientState.load": _none,
    # the patient is the server session's launched one; a forged event cannot name another
    "LaunchedPatientState.create": lambda v: {"cert_type": "fk7804"},
    "DevLoginState.load": _none,
    "PdlLogState.clear": _none,
    "PdlLogState.load": _none,
    "PdlLogState.next_page": _none,
    "PdlLogState.previous_page": _none,
    "PdlLogState.search": lambda v: {"form_data": {"patient": v.pnr, "unit": OTHER_UNIT}},
    "QuestionState.cancel_answer": _none,
    "QuestionState.close_cannot": _none,
    "QuestionState.complement": _none,
    "QuestionState.load": _none,
    "QuestionState.open_cannot": _none,
    "QuestionState.open_complement_draft": _none,
    "QuestionState.refresh": _none,
    "QuestionState.send_answer": _none,
    "QuestionState.send_cannot": _none,
    "QuestionState.send_question": _none,
    "QuestionState.set_answer_text": lambda v: {"value": "angriparens svar"},
    "QuestionState.set_ask_text": lambda v: {"value": "angriparens fråga"},
    "QuestionState.set_ask_topic": lambda v: {"value": "OVRIGT"},
    "QuestionState.set_cannot_choice": lambda v: {"value": "NO_ONE"},
    "QuestionState.set_cannot_text": lambda v: {"value": "kan inte"},
    "QuestionState.set_handled": lambda v: {"thread_id": v.signed_id, "checked": True},
    "QuestionState.set_tab": lambda v: {"value": "fragor"},
    "QuestionState.show_field": lambda v: {"question_id": "ovrigt"},
    "QuestionState.start_answer": lambda v: {"thread_id": v.signed_id},
    "QuestionState.toggle_ask": _none,
    "CertificateState.apply_end_date_shortcut": lambda v: {"base": "+3m"},
    "CertificateState.close_dialog": _none,
    "CertificateState.confirm": _none,
    "CertificateState.continue_editing": _none,
    "CertificateState.continue_replacement": _none,
    "CertificateState.keep_place": _none,
    "CertificateState.load": _none,
    "CertificateState.mark_ready": _none,
    "CertificateState.open_dialog": lambda v: {"name": "revoke"},
    "CertificateState.print_confirmed": _none,
    "CertificateState.print_pdf": _none,
    "CertificateState.retry_save": _none,
    "CertificateState.set_checked": lambda v: {"key": "avstangningSmittskydd", "checked": True},
    "CertificateState.set_icf": lambda v: {"qid": "funktionsnedsattning", "codes": ["b110"]},
    "CertificateState.set_print_minimal": lambda v: {"value": "true"},
    "CertificateState.set_revoke_message": lambda v: {"value": "angriparens motivering"},
    "CertificateState.set_revoke_reason": lambda v: {"value": "FELAKTIG_PATIENT"},
    "CertificateState.set_value": lambda v: {"key": "ovrigt", "value": "ändrat av angripare"},
    "CertificateState.show_what_is_missing": _none,
    "CertificateState.sign": _none,
    "CertificateState.toggle_help": lambda v: {"qid": "ovrigt"},
    "DiagnosisState.choose": lambda v: {"key": "diagnoser.0", "index": 0},
    "DiagnosisState.commit": lambda v: {"key": "diagnoser.0.code", "value": "J20"},
    "DiagnosisState.key_down": lambda v: {"key": "diagnoser.0.code", "pressed": "Enter"},
    "DiagnosisState.load": _none,
    "DiagnosisState.set_system": lambda v: {"qid": "diagnoser", "value": "ICD_10_SE"},
    "DiagnosisState.type_query": lambda v: {"key": "diagnoser.0.code", "value": "J20"},
    "FmbState.select": lambda v: {"code": "J20"},
    "FmbState.toggle_section": lambda v: {"key": "beskrivning"},
    "IcfState.add": _none,
    "IcfState.cancel": _none,
    "IcfState.open": lambda v: {"qid": "funktionsnedsattning"},
    "IcfState.toggle": lambda v: {"code": "b110", "checked": True},
    "IcfState.toggle_more": lambda v: {"key": "b110"},
}
WRONG_TYPES: list[Any] = [None, 7, ["x"], {"x": [1]}, True]
SCENARIOS = ["no-session", "expired", "other-session", "foreign-ids", "wrong-types", "oversized"]
BOUND = ("no-session", "expired", "other-session")  # the tab was built by the victim's owner
CASES_RUN: list[str] = []  # printed by tests/security/conftest.py at the end of the session


def _states(cls: type[rx.State] = rx.State) -> Iterator[type[rx.State]]:
    for sub in cls.get_substates():
        yield sub
        yield from _states(sub)


def enumerate_handlers() -> dict[str, tuple[type[rx.State], Any]]:
    """Every public handler of every State class of the app (``state.*``)."""
    found = {}
    for cls in _states():
        if not cls.__module__.startswith("state."):
            continue
        for name, handler in cls.event_handlers.items():
            if name not in guard.REFUSED_HANDLERS:
                found[f"{cls.__name__}.{name}"] = (cls, handler)
    return found


HANDLERS = enumerate_handlers()


def test_every_handler_has_a_case_in_the_table() -> None:
    missing = sorted(set(HANDLERS) - set(TABLE))
    lines = []
    for name in missing:
        params = list(inspect.signature(fn(HANDLERS[name][1])).parameters)[1:]
        payload = (
            "_none"
            if not params
            else ("lambda v: {" + ", ".join(f'"{p}": ...' for p in params) + "}")
        )
        lines.append(f'    "{name}": {payload},')
    assert not missing, (
        "Event handlers without a forged-event case. Add to TABLE in "
        "tests/security/test_adversarial_handlers.py (aim the payload at the victim: "
        "v.draft_id, v.signed_id, v.pnr):\n" + "\n".join(lines)
    )
    gone = sorted(set(TABLE) - set(HANDLERS))
    assert not gone, f"TABLE names handlers that no longer exist; remove: {gone}"


# --- the world: a victim on another unit, its owner, an attacker ------------------------------
def _digest() -> str:
    """What a forged event must not change (the audit log and sessions may change)."""
    rows = []
    with session_scope() as s:
        for model in (Certificate, QuestionThread, QuestionDraft, NotificationOutbox):
            for row in s.exec(select(model)).all():
                rows.append(json.dumps(row.model_dump(), default=str, sort_keys=True))
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()


def _root(cookie_token: str | None, path: str) -> Any:
    root = root_state()
    point(root, cookie_token, path)
    return root


async def _call(root: Any, name: str, payload: dict[str, Any], *, pipeline: bool) -> None:
    cls, handler = HANDLERS[name]
    if pipeline:  # what the app does before any handler: bind the state, check the text
        update = await session_binding.SessionBinding().preprocess(
            None, root, Event(name=f"{cls.get_full_name()}.{fn(handler).__name__}", payload=payload)
        )
        if update is not None:
            return
    if guard.refusal(f"{cls.get_full_name()}.{fn(handler).__name__}", payload, handler):
        return  # state.guard refuses it in the app too
    await run(handler, await root.get_state(cls), **payload)


def _leaked(root: Any, *, patient: bool = True, sent: Any = None) -> list[str]:
    """The victim's free text (and, with ``patient``, its patient) anywhere in the state,
    other than what the forged event itself sent (a form echoing its input is no leak)."""
    text = repr(root.dict()) + repr(
        {
            k: getattr(s, k, None)
            for s in _substates(root)
            for k in type(s).__fields__
            if k[0] == "_"
        }
    )
    needles = [SECRET]
    if patient:
        needles += [VICTIM_PNR, VICTIM_PNR[:8] + "-" + VICTIM_PNR[8:], "Lilltolvan"]
    return [n for n in needles if n in text and n not in repr(sent)]


def _substates(root: Any) -> Iterator[Any]:
    stack = [root]
    while stack:
        st = stack.pop()
        yield st
        stack.extend(st.substates.values())


@pytest.fixture
async def world(migrated_db, sim) -> dict[str, Any]:
    owner_user = await identity.acting_user(DOCTOR, OTHER_UNIT)
    draft = await lifecycle.create_draft(owner_user, cert_type="fk7804", personnummer=VICTIM_PNR)
    lifecycle.save_draft(
        owner_user, draft.id, content={**complete_fk7804(), "ovrigt": SECRET}, expected_version=1
    )
    signed = await lifecycle.create_draft(owner_user, cert_type="fk7804", personnummer=VICTIM_PNR)
    lifecycle.save_draft(owner_user, signed.id, content=complete_fk7804(), expected_version=1)
    await lifecycle.sign(owner_user, signed.id)
    return {
        "victim": Victim(draft.id, signed.id),
        "owner": await identity.login(DOCTOR, OTHER_UNIT, origin="TEST"),
        "attacker": await identity.login(ADMIN, UNIT, origin="TEST"),
        "attacker_doctor": await identity.login(DOCTOR, UNIT, origin="TEST"),
    }


async def _owners_tab(world: dict[str, Any]) -> Any:
    """A tab whose state was built by the owner: the victim's draft is open in it."""
    victim = world["victim"]
    root = _root(world["owner"], f"/intyg/{victim.draft_id}")
    await session_binding.bind(root)
    cs = await root.get_state(CertificateState)
    await fn(CertificateState.load)(cs)
    assert cs.cert_id == victim.draft_id and cs.page_error == "", cs.page_error
    qs = await root.get_state(QuestionState)
    await fn(QuestionState.load)(qs)
    assert _leaked(root), "the probe must see the owner's data in the owner's tab"
    return root


def _forge_pointing_at(root: Any, victim: Victim) -> None:
    for st in _substates(root):
        for attr in ("cert_id", "_q_cert_id", "_cert_id"):
            if hasattr(st, attr) and isinstance(getattr(st, attr), str):
                setattr(st, attr, victim.draft_id)
    cs = root.get_substate(CertificateState.get_full_name().split("."))
    cs.cert_type, cs.editable, cs._can_edit, cs._version = "fk7804", True, True, 2
    cs.dialog, cs.revoke_reason = "revoke", "FELAKTIG_PATIENT"
    cs._content = complete_fk7804()


def _payloads(name: str, victim: Victim, scenario: str) -> list[dict[str, Any]]:
    base = TABLE[name](victim)
    if scenario == "wrong-types":
        return [{k: bad for k in base} for bad in WRONG_TYPES] if base else [{}]
    if scenario == "oversized":
        if not base:
            return []
        return [{k: "x" * size for k in base} for size in (200_000, 20_000)]
    return [base]


@pytest.mark.parametrize("migrated_db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_forged_events_are_refused(world, scenario, monkeypatch) -> None:
    victim = world["victim"]
    if scenario == "expired":  # the clock moves only with the testability switch on
        monkeypatch.setattr(get_settings(), "testability_enabled", True)
    failures: list[str] = []
    before = _digest()
    for name in sorted(TABLE):
        if name not in HANDLERS:
            continue
        for payload in _payloads(name, victim, scenario):
            if scenario in BOUND:
                root = await _owners_tab(world)
                before = _digest()
                cookie = {"no-session": None, "expired": world["owner"]}.get(
                    scenario, world["attacker_doctor"]
                )
                point(root, cookie, f"/intyg/{victim.draft_id}")
                if scenario == "expired":
                    clock.advance(31 * 60)
            else:
                root = _root(world["attacker_doctor"], f"/intyg/{victim.draft_id}")
                await session_binding.bind(root)
                _forge_pointing_at(root, victim)
            pipeline = scenario != "foreign-ids"  # that one goes straight to the handler
            try:
                await _call(root, name, payload, pipeline=pipeline)
            except Exception as exc:  # noqa: BLE001 - collected and reported together
                failures.append(f"{scenario} {name}({payload!r:.80}): raised {exc!r:.200}")
            finally:
                if scenario == "expired":
                    clock.set_offset(0)
            CASES_RUN.append(f"{scenario}:{name}")
            if (after := _digest()) != before:
                failures.append(f"{scenario} {name}({payload!r:.80}): changed the database")
                before = after
            # Without a valid session a tab holds no patient at all; another valid session may
            # list patients it may see (unit lists), never the other unit's draft.
            patient = scenario in ("no-session", "expired")
            if leaked := _leaked(root, patient=patient, sent=payload):
                failures.append(f"{scenario} {name}({payload!r:.80}): state holds {leaked}")
            if scenario == "expired":  # a fresh owner session for the next case
                world["owner"] = await identity.login(DOCTOR, OTHER_UNIT, origin="TEST")
    assert failures == [], "\n".join(failures)
