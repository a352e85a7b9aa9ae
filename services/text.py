"""Text that crosses the trust boundary: control characters are refused, never stored.

One rule for the API (JSON bodies and query values) and for every Reflex event handler
(state.session_binding checks each event's payload before the handler runs): NUL and the
other C0/C1 control characters, DEL and lone surrogates are refused with a clear Swedish
message. Free text may hold newlines (LF, CR) and tab; single-line values may not.
"""

from __future__ import annotations

import re
from typing import Any

from services.errors import InvalidInput

_FREE_TEXT_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
MAX_TEXT = 100_000  # no field of any form is longer; a longer string is an attack

MESSAGE = (
    "Texten innehåller otillåtna tecken (styrtecken). Ta bort dem och försök igen; "
    "radbrytning och tabb går bra i fritext."
)
TOO_LONG = "Texten är för lång."


def bad_text(value: str, *, free_text: bool = True) -> bool:
    """True if ``value`` holds a character that must never be stored."""
    pattern = _FREE_TEXT_BAD if free_text else _LINE_BAD
    return pattern.search(value) is not None


def check_text(value: str, *, field: str | None = None, free_text: bool = True) -> str:
    """Return ``value`` or raise InvalidInput naming the field."""
    if bad_text(value, free_text=free_text):
        raise InvalidInput(MESSAGE, field=field)
    return value


def find_bad_text(value: Any, path: str = "$") -> tuple[str, str] | None:
    """The first string inside a JSON-like value (keys included) that is refused:
    (path, message), or None. Every string may be free text here; single-line fields are
    checked again where they are read."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if len(item) > MAX_TEXT:
                return where, TOO_LONG
            if bad_text(item):
                return where, MESSAGE
        elif isinstance(item, dict):
            for key, sub in item.items():
                if isinstance(key, str) and bad_text(key, free_text=False):
                    return where, MESSAGE
                stack.append((f"{where}.{key}", sub))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", sub) for i, sub in enumerate(item))
    return None
