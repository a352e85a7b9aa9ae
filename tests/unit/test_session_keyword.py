"""A public service function that touches the database takes its ``session`` keyword-only.

So that a caller can compose services in one transaction (``enqueue(cert, event, session=s)``)
without the session's place in the argument list being one more thing to get right (issue 16).
Leading-underscore helpers may keep it positional.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterator
from typing import Any

import services

_SESSION_TYPE = re.compile(r"\bSession\b")


def _public_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for info in pkgutil.walk_packages(services.__path__, "services."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):  # __main__ and private modules
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for attr, fn in vars(obj).items():
                    if not attr.startswith("_") and inspect.isfunction(fn):
                        yield f"{module.__name__}.{name}.{attr}", fn


def _offences(qualname: str, fn: Callable[..., Any]) -> Iterator[str]:
    for p in inspect.signature(fn).parameters.values():
        annotation = p.annotation if p.annotation is not p.empty else ""
        is_session = p.name == "session" or _SESSION_TYPE.search(str(annotation))
        if not is_session:
            continue
        if p.name != "session":
            yield f"{qualname}({p.name}): a database session is named `session`"
        elif p.kind is not p.KEYWORD_ONLY:
            yield f"{qualname}(session): `session` is keyword-only (`*, session: Session`)"


def test_the_walk_sees_the_services_that_take_a_session() -> None:
    names = {name for name, _ in _public_functions()}
    assert {"services.audit.record_for", "services.notifications.enqueue"} <= names


def test_public_services_take_session_keyword_only() -> None:
    offences = [o for name, fn in _public_functions() for o in _offences(name, fn)]
    assert offences == []


def test_a_positional_session_is_caught() -> None:
    def bad(session: Any, cert: Any) -> None: ...

    def good(cert: Any, *, session: Any) -> None: ...

    assert list(_offences("bad", bad))
    assert list(_offences("good", good)) == []
