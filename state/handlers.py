"""The shape every action handler shares: one at a time, the last error cleared, a failure
shown in Swedish.

A leaf module. :func:`guarded` wraps an async event handler (put ``@rx.event`` above it):
while the state's ``busy`` var is set the event does nothing (a double click acts once);
otherwise ``busy`` is set and the error var cleared, the handler runs, and an exception
becomes the error var's Swedish text (:func:`error_message`); ``busy`` is cleared however it
ends. The handler's return value (a redirect, a download, toasts) is passed on.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from services.errors import WebcertError

log = logging.getLogger(__name__)
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


def error_message(exc: Exception, generic: str, what: str) -> str:
    """What the user is shown for ``exc``: a typed error's own Swedish message; anything else
    is logged (as "``what`` failed") and shown as ``generic``."""
    if isinstance(exc, WebcertError):
        return exc.message
    log.error("%s failed", what, exc_info=exc)
    return generic


def guarded(*, error: str, generic: str, busy: str = "busy") -> Callable[[H], H]:
    """Wrap an async handler in busy → clear ``error`` → run → show a failure → not busy.
    ``error`` and ``busy`` name the state's vars; ``generic`` is the text for an unexpected
    failure."""

    def wrap(handler: H) -> H:
        @functools.wraps(handler)
        async def guarded_handler(self: Any, *args: Any, **kwargs: Any) -> Any:
            if getattr(self, busy):
                return None
            setattr(self, busy, True)
            setattr(self, error, "")
            try:
                return await handler(self, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shown as a Swedish message
                setattr(self, error, error_message(exc, generic, handler.__qualname__))
                return None
            finally:
                setattr(self, busy, False)

        return guarded_handler  # type: ignore[return-value]

    return wrap
