"""Why the CSP keeps 'unsafe-eval' (docs/security.md): Reflex 0.10.1's event loop evals the
JavaScript of every ``_call_function`` event a backend handler returns (toasts, scroll_to),
and Webcert's handlers return such events. This test fails when that stops being true — then
drop 'unsafe-eval' and prove the build in Chromium (tests/security/e2e/test_headers_csp.py)."""

from __future__ import annotations

from pathlib import Path

import reflex as rx
import reflex_base
from reflex.event import Event

from services.settings import PROJECT_ROOT as ROOT
from webcert_ui import security

STATE_JS = Path(reflex_base.__file__).parent / ".templates" / "web" / "utils" / "state.js"


def test_server_sent_toasts_and_scrolls_are_javascript_source() -> None:
    for spec in (rx.toast.error("x"), rx.toast.success("x"), rx.scroll_to("q-1")):
        [event] = Event.from_event_type([spec])
        assert event.name == "_call_function"
        assert isinstance(event.payload["function"], str)  # what crosses the websocket


def test_reflexs_event_loop_evals_them() -> None:
    source = STATE_JS.read_text(encoding="utf-8")
    assert "eval(event.payload.function)" in source


def test_webcerts_handlers_return_them() -> None:
    handlers = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "state").glob("*.py"))
    assert "rx.toast." in handlers and "rx.scroll_to(" in handlers


def test_the_csp_allows_eval_and_no_inline_script() -> None:
    csp = security.content_security_policy(["'sha256-x'"], [])
    script_src = csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "'unsafe-eval'" in script_src and "'unsafe-inline'" not in script_src
