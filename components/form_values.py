"""Which var an input of the generated form shows (state.editor_parts: one substate per section).

The form of each certificate type is built inside :func:`building` (components.editor), so an
input only names its key; :func:`form_value` finds the section substate of that key's
question in the definition being built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import reflex as rx

from state.editor_parts import values_var

_building: ContextVar[str] = ContextVar("webcert_form_being_built")


@contextmanager
def building(cert_type: str) -> Iterator[None]:
    """Build the form of ``cert_type`` (compile time)."""
    reset = _building.set(cert_type)
    try:
        yield
    finally:
        _building.reset(reset)


def form_value(key: str) -> rx.Var:
    """The value of input ``key`` (e.g. "ovrigt", "diagnoser.0.code") of the form being built."""
    return values_var(_building.get(), key.split(".", 1)[0])[key]
