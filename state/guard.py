"""Event handlers are public endpoints: an event that does not fit its handler is refused.

Any browser can send any event name with any payload. Reflex would call the handler anyway and
a missing or unexpected argument would raise TypeError, logged with a traceback. This
middleware refuses such an event before it runs, with a logged warning and no change:

- an event with arguments the handler does not take, or without the ones it needs;
- ``setvar``, Reflex's generic "set any var" handler: our states write their setters by hand
  (DESIGN.md, convention 5), and no component uses it.

An event naming no handler at all (e.g. ``...set_cert_id``) never reaches a middleware: Reflex
drops it when it looks the handler up and logs the KeyError with a traceback.
:func:`install_log_filter` turns that record into the same one-line warning.

What the arguments contain is for the handler to check (they trust no argument); that they
never raise on bad values is tested for every handler in tests/integration/test_handler_input.py.

A refused event while the tab shows a certificate is an attempt on patient data: it is written
to the PDL log as a refusal (:func:`audit_refused_event`, services.audit.refused_event) — this
middleware's refusals and those of state.session_binding (control characters, a state built
for another or an ended session).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from typing import Any

from reflex.middleware import Middleware
from reflex.state import StateUpdate

from services import audit, identity
from services.errors import WebcertError

log = logging.getLogger(__name__)
REFUSED_HANDLERS = frozenset({"setvar"})


def _handler(name: str) -> Any:
    from reflex_base.registry import RegistrationContext

    try:
        return RegistrationContext.get().event_handlers[name].handler
    except (KeyError, LookupError, AttributeError):
        return None


def refusal(name: Any, payload: Any, handler: Any = None) -> str:
    """Why an event named ``name`` with ``payload`` must not run ("" when it may)."""
    if not isinstance(name, str) or not name:
        return "no event name"
    if name.rsplit(".", 1)[-1] in REFUSED_HANDLERS:
        return "generic setter is not allowed"
    handler = handler if handler is not None else _handler(name)
    if handler is None:
        return "no such event handler"
    if not isinstance(payload, dict):
        return "the payload is not an object"
    try:
        inspect.signature(handler.fn).bind(None, **payload)
    except TypeError as exc:
        return f"arguments do not fit: {exc}"
    return ""


# Where a tab's state keeps the certificate it shows (CertificateState, QuestionState,
# CertificateViewState), in this order.
_SHOWN_CERTIFICATE_VARS = ("cert_id", "q_cert_id", "_cert_id")
_HANDLER_NAME = re.compile(r"[^A-Za-z0-9_]")


def shown_certificate(root: Any) -> str:
    """The certificate the tab's (loaded) state shows, or ""."""
    found: dict[str, str] = {}
    stack = [root]
    while stack:
        st = stack.pop()
        for attr in _SHOWN_CERTIFICATE_VARS:
            try:
                value = getattr(st, attr)
            except AttributeError:
                continue
            if isinstance(value, str) and value and attr not in found:
                found[attr] = value
        stack.extend(getattr(st, "substates", {}).values())
    return next((found[a] for a in _SHOWN_CERTIFICATE_VARS if a in found), "")


def handler_label(name: Any) -> str:
    """The handler part of an event name, for the log (letters, digits, _ only; bounded)."""
    return _HANDLER_NAME.sub("", str(name).rsplit(".", 1)[-1])[:60] if name else ""


async def audit_refused_event(
    root: Any,
    *,
    code: str,
    detail: str,
    action: audit.AuditAction = audit.AuditAction.READ,
    certificate_id: str = "",
) -> None:
    """Write a refused event to the PDL log when it concerns a certificate (the one given, or
    the one the tab shows), by the event's session user (None: nobody). Never raises: the
    refusal stands even if it cannot be logged."""
    cert_id = certificate_id or shown_certificate(root)
    if not cert_id:
        return
    try:
        headers = (getattr(root, "router_data", None) or {}).get("headers") or {}
        token = identity.token_from_cookie_header(headers.get("cookie"))
        try:
            user = identity.get_session(token, touch=False) if token else None
        except WebcertError:
            user = None
        await asyncio.to_thread(
            audit.refused_event, user, cert_id, action=action, code=code, detail=detail
        )
    except Exception:  # logged; the event stays refused
        log.exception("could not write a refused event to the PDL log")


class EventGuard(Middleware):
    """Refuses (with a logged warning) an event that does not fit its handler; when the tab
    shows a certificate, the refusal goes to the PDL log."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> StateUpdate | None:
        name = getattr(event, "name", None)
        reason = refusal(name, getattr(event, "payload", None))
        if not reason:
            return None
        log.warning("refused event %r: %s", name, reason)
        if state is None:  # no tab state (tests): nothing it shows to log
            return StateUpdate()
        await audit_refused_event(
            state._get_root_state(),
            code="EVENT_REFUSED",
            detail=f"Nekad händelse ({handler_label(name)}): felaktiga argument",
        )
        return StateUpdate()


REFLEX_QUEUE_LOGGER = "reflex_base.event.processor.event_processor"


class _UnknownEventFilter(logging.Filter):
    """Reflex's "No registered handler found for event" error (a forged or stale event name)
    becomes a one-line warning without a traceback: it is bad input, not a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, KeyError) and "No registered handler found for event" in str(exc):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "refused event: %s", (exc.args[0] if exc.args else exc,)
            record.exc_info, record.exc_text = None, None
        return True


def install_log_filter() -> None:
    """Install the filter on Reflex's event queue logger (once)."""
    target = logging.getLogger(REFLEX_QUEUE_LOGGER)
    if not any(isinstance(f, _UnknownEventFilter) for f in target.filters):
        target.addFilter(_UnknownEventFilter())
