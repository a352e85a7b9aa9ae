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
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from reflex.middleware import Middleware
from reflex.state import StateUpdate

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


class EventGuard(Middleware):
    """Refuses (with a logged warning) an event that does not fit its handler."""

    async def preprocess(self, app: Any, state: Any, event: Any) -> StateUpdate | None:
        reason = refusal(getattr(event, "name", None), getattr(event, "payload", None))
        if not reason:
            return None
        log.warning("refused event %r: %s", getattr(event, "name", None), reason)
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
