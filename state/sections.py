"""One small substate per section of the open certificate, so that a change re-renders little.

Reflex re-renders every component that reads a substate whenever any var of that substate
changes. A form or a read-only certificate that reads one big state re-renders as a whole on
every keystroke — tens of milliseconds of browser work per change on a small machine, which
also delays what the other open views are shown (§4.2.2). So the editor's inputs
(state.editor_parts) and the read-only certificate (state.certificate_view) read per-section
substates: section *i* of whichever form is open reads substate *i* (there are as many as the
longest definition has sections). They sit directly under the root state, so a change loads
and sends only the small states of the sections it touched.
"""

from __future__ import annotations

import sys
from functools import cache
from typing import Any

import reflex as rx

from services.certificates import all_definitions, get_definition

SECTION_COUNT = max(len(d.sections) for d in all_definitions())


def section_states(
    prefix: str, module: str, fields: dict[str, Any], doc: str
) -> list[type[rx.State]]:
    """``SECTION_COUNT`` substate classes named ``{prefix}{i}`` with the dict ``fields``
    (name -> type, each starting empty), registered in ``module`` (the Redis state manager
    pickles states, so their classes must be importable by name)."""
    classes = []
    for index in range(SECTION_COUNT):
        name = f"{prefix}{index}"
        cls = type(
            name,
            (rx.State,),
            {
                "__module__": module,
                "__qualname__": name,
                "__doc__": doc.format(index=index),
                "__annotations__": dict(fields),
                **{field: {} for field in fields},
            },
        )
        setattr(sys.modules[module], name, cls)
        classes.append(cls)
    return classes


@cache
def section_index(cert_type: str) -> dict[str, int]:
    """Question id -> index of its section, for one certificate type."""
    definition = get_definition(cert_type)
    return {q.id: i for i, s in enumerate(definition.sections) for q in s.questions}


def split(cert_type: str, mapping: dict[str, Any]) -> list[dict[str, Any]]:
    """A dict keyed by question id, or by flat form key (starting with the question id), per
    section index."""
    index = section_index(cert_type) if cert_type else {}
    parts: list[dict[str, Any]] = [{} for _ in range(SECTION_COUNT)]
    for key, value in mapping.items():
        section = index.get(key.split(".", 1)[0])
        if section is not None:
            parts[section][key] = value
    return parts


def changed(previous: list[Any], parts: list[Any]) -> list[int]:
    """Indexes of the sections whose part differs from what was published before."""
    if len(previous) != len(parts):
        return list(range(len(parts)))
    return [i for i, (old, new) in enumerate(zip(previous, parts, strict=True)) if old != new]


Parts = list[dict[str, Any]]  # per section index: var name -> value


async def publish(
    state: rx.State, classes: list[type[rx.State]], previous: Parts, parts: Parts
) -> Parts:
    """Show ``parts`` in the section substates ``classes``: only the sections that differ from
    ``previous`` (what the last call returned; [] for all) are loaded, and only the vars that
    differ are assigned (and so sent). Returns ``parts``, the new ``previous``."""
    for i in changed(previous, parts):
        section: Any = await state.get_state(classes[i])
        for name, value in parts[i].items():
            if getattr(section, name) != value:
                setattr(section, name, value)
    return parts
