"""Item 7 of issue 15: no event handler raises on bad or missing input.

Every public handler of every state is called the way a forged browser event would call it:
without its arguments (refused by state.guard before it runs, with a logged warning), and with
arguments of every wrong kind, with and without a certificate open. None may raise.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import reflex as rx

from services import identity, lifecycle, routes
from state import (  # noqa: F401  (every state module, so that every handler is found)
    certificate,
    certificate_view,
    diagnosis,
    editor_parts,
    fmb,
    guard,
    icf,
    lists,
    questions,
    session,
)
from tests.factories import DOCTOR, TOLVAN, UNIT, complete_fk7804
from tests.reflex_harness import fn, run, state_for

BAD_VALUES: list[Any] = [None, 7, True, "", "ö" * 5000, [None], {"x": [1]}, -1.5]


def _states(cls: type[rx.State] = rx.State) -> Iterator[type[rx.State]]:
    for sub in cls.get_substates():
        yield sub
        yield from _states(sub)


def _handlers() -> list[tuple[type[rx.State], str, Any]]:
    found = []
    for cls in _states():
        if not cls.__module__.startswith("state."):
            continue
        for name, handler in cls.event_handlers.items():
            if name not in guard.REFUSED_HANDLERS and not handler.is_background:
                found.append((cls, name, handler))
    return sorted(found, key=lambda h: (h[0].__name__, h[1]))


HANDLERS = _handlers()


def _params(handler: Any) -> list[inspect.Parameter]:
    return list(inspect.signature(handler.fn).parameters.values())[1:]


def test_every_handler_is_found() -> None:
    names = {f"{cls.__name__}.{name}" for cls, name, _ in HANDLERS}
    assert {"CertificateState.sign", "CertificateState.set_value", "QuestionState.load"} <= names
    assert len(HANDLERS) > 40


@pytest.mark.parametrize(
    ("cls", "name", "handler"), HANDLERS, ids=[f"{c.__name__}.{n}" for c, n, _ in HANDLERS]
)
def test_missing_or_unknown_arguments_are_refused_before_the_handler(
    cls: type[rx.State], name: str, handler: Any
) -> None:
    full = f"{cls.get_full_name()}.{name}"
    required = [p.name for p in _params(handler) if p.default is inspect.Parameter.empty]
    if required:
        assert guard.refusal(full, {}, handler) != ""
    assert guard.refusal(full, {"not_an_argument": 1}, handler) != ""
    assert guard.refusal(full, {p.name: "x" for p in _params(handler)}, handler) == ""
    assert guard.refusal(full, ["x"], handler) != ""


async def test_the_middleware_refuses_with_a_warning_and_no_change(caplog) -> None:
    cls, name, _ = next(h for h in HANDLERS if h[1] == "set_value")

    class Event:
        def __init__(self, name: str, payload: Any) -> None:
            self.name, self.payload = name, payload

    middleware = guard.EventGuard()
    with caplog.at_level(logging.WARNING, logger="state.guard"):
        update = await middleware.preprocess(None, None, Event(f"{cls.get_full_name()}.{name}", {}))
    assert update is not None and not update.delta and not update.events
    assert "refused event" in caplog.text and "set_value" in caplog.text
    refused = await middleware.preprocess(None, None, Event(f"{cls.get_full_name()}.setvar", {}))
    assert refused is not None
    unknown = await middleware.preprocess(None, None, Event("state.nope.set_cert_id", {}))
    assert unknown is not None


def test_an_unknown_event_name_is_a_warning_not_a_traceback(caplog) -> None:
    """Reflex drops an event naming no handler before any middleware and logs the KeyError
    with a traceback; the filter makes it a one-line warning."""
    guard.install_log_filter()
    reflex_log = logging.getLogger(guard.REFLEX_QUEUE_LOGGER)
    with caplog.at_level(logging.INFO, logger=guard.REFLEX_QUEUE_LOGGER):
        try:  # what Reflex's event queue does with an unknown name
            raise KeyError("No registered handler found for event: state.x.set_cert_id")
        except KeyError:
            reflex_log.exception("Error processing event queue entry for an event")
        try:  # any other error keeps its traceback
            raise KeyError("something else")
        except KeyError:
            reflex_log.exception("Error processing event queue entry for another event")
    first, second = caplog.records[-2:]
    assert first.levelno == logging.WARNING and first.exc_info is None
    assert "set_cert_id" in first.getMessage()
    assert second.levelno == logging.ERROR and second.exc_info is not None


@pytest.fixture
async def doctor_token(migrated_db, sim) -> str:
    return await identity.login(DOCTOR, UNIT, origin="TEST")


@pytest.mark.parametrize("opened", [False, True], ids=["nothing-open", "draft-open"])
async def test_no_handler_raises_on_bad_arguments(doctor_token: str, opened: bool) -> None:
    path = "/intyg/finns-inte"
    cert: Any = None
    if opened:
        user = identity.get_session(doctor_token)
        cert = await lifecycle.create_draft(user, cert_type="fk7804", personnummer=TOLVAN)
        lifecycle.save_draft(user, cert.id, content=complete_fk7804(), expected_version=1)
        path = routes.certificate(cert.id)
    failures = []
    cs: Any = None
    for cls, name, handler in HANDLERS:
        payloads = [{p.name: bad for p in _params(handler)} for bad in BAD_VALUES]
        if not _params(handler):
            payloads = [{}]
        if opened:  # one page with the draft open (opened again if a handler left it)
            if cs is None or cs.cert_id != cert.id or cs.page_error:
                cs = state_for(certificate.CertificateState, doctor_token, path)
                await fn(certificate.CertificateState.load)(cs)
                assert cs.page_error == "", cs.page_error
            st = await cs.get_state(cls)
        else:
            st = state_for(cls, doctor_token, path)
        for payload in payloads:
            try:
                await run(handler, st, **payload)
            except Exception as exc:  # noqa: BLE001 - collected and reported together
                failures.append(f"{cls.__name__}.{name}({payload!r:.60}): {exc!r:.200}")
                break
    assert failures == [], "\n".join(failures)
