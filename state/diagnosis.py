"""Diagnosis autocomplete (manual §5.2): suggestions per input, keyboard navigation, selection.

The inputs of a diagnosis row show the draft's values ``"{qid}.{i}.code"|".text"`` (kept in
``CertificateState._values``, shown through state.editor_parts). A
keystroke goes to :meth:`DiagnosisState.type_query` (no debounce), which searches in a worker
thread (``services.diagnoses.search``) and shows the suggestions of that one input. Typed text
is not echoed into the draft's values on every keystroke (a stale echo would overwrite
what the user typed meanwhile); it is written through ``CertificateState.set_value`` when the
input loses focus, and a chosen suggestion writes code AND text of its row at once. Every
change of the chosen diagnoses refreshes the FMB panel and the ICF buttons.

Handlers are public endpoints: every key, index and value is validated here.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from services.blocking import Overloaded
from services.certificates import get_definition, uses_fk_diagnosis_rules
from services.certificates.base import FieldKind, Question
from services.certificates.form_model import diagnosis_rows
from services.diagnoses import CodeSystem, SearchMode, lookup, order_for_fk, search
from state.certificate import CertificateState, publish_values

log = logging.getLogger(__name__)

MAX_SUGGESTIONS = 10
MAX_QUERY = 200
PARTS = ("code", "text")
SYSTEMS = tuple(system.value for system in CodeSystem)


def diagnosis_questions(cs: CertificateState) -> list[Question]:
    """The DIAGNOSES questions of the open certificate's definition ([] when none is open)."""
    if not cs.cert_type:
        return []
    try:
        definition = get_definition(cs.cert_type)
    except Exception:  # noqa: BLE001 - an unknown type simply has no diagnosis questions
        return []
    return [q for q in definition.questions() if q.kind == FieldKind.DIAGNOSES]


def chosen_codes(cs: CertificateState) -> list[str]:
    """The diagnosis codes in the draft, in row order (the first diagnosis first)."""
    codes: list[str] = []
    for q in diagnosis_questions(cs):
        for i in range(diagnosis_rows(q)):
            code = cs._values.get(f"{q.id}.{i}.code", "").strip()
            if code:
                codes.append(code)
    return codes


async def refresh_dependents(state: rx.State, cs: CertificateState) -> None:
    """Recompute the FMB panel and ICF availability from the draft's current diagnoses."""
    from state import fmb, icf

    codes = chosen_codes(cs)
    await fmb.follow_diagnoses(state, codes)
    await icf.follow_diagnoses(state, cs, codes)


def _system(cs: CertificateState, qid: str) -> CodeSystem:
    raw = cs._values.get(f"{qid}.system", "")
    return CodeSystem(raw) if raw in SYSTEMS else CodeSystem.ICD_10_SE


class DiagnosisState(rx.State):
    """Suggestions of the one diagnosis input that has them open."""

    active: str = ""  # the input key whose list is open, e.g. "diagnoser.0.text"; "" = closed
    suggestions: list[dict[str, str]] = []  # {"code", "text", "matched", "note"}
    highlighted: int = -1  # index in suggestions chosen with the arrow keys; -1 = none
    query: str = ""  # the text the shown suggestions answer (data-query, for tests and bench)
    _typed: dict[str, str] = {}  # input key -> text typed and not yet written to the draft

    @rx.var
    def active_row(self) -> str:
        """The row whose list is open ("diagnoser.0"), "" when closed."""
        return self.active.rsplit(".", 1)[0] if self.active else ""

    @rx.var
    def list_id(self) -> str:
        """DOM id of the open list (the options' ids start with it)."""
        return "f-" + self.active_row.replace(".", "-").replace("_", "-") + "-list"

    # --- helpers -------------------------------------------------------------------------
    async def _editable_cs(self) -> CertificateState | None:
        cs = await self.get_state(CertificateState)
        return cs if cs.editable else None

    @staticmethod
    def _parse(cs: CertificateState, key: Any) -> tuple[str, int, str] | None:
        """(question id, row, part) for a valid input key of the open draft, else None."""
        if not isinstance(key, str) or len(key) > 120 or key not in cs._values:
            return None
        qid, _, rest = key.partition(".")
        row, _, part = rest.partition(".")
        if part not in PARTS or not row.isdigit():
            return None
        question = next((q for q in diagnosis_questions(cs) if q.id == qid), None)
        if question is None or int(row) >= diagnosis_rows(question):
            return None
        return qid, int(row), part

    def _close(self) -> None:
        self.active = ""
        self.query = ""
        self.suggestions = []
        self.highlighted = -1

    # --- events --------------------------------------------------------------------------
    @rx.event
    async def load(self):
        """on_load of the certificate page (after CertificateState.load)."""
        self._close()
        self._typed = {}
        cs = await self.get_state(CertificateState)
        await refresh_dependents(self, cs)

    @rx.event
    async def type_query(self, key: str, value: str):
        """A keystroke in a code or text input: search and show its suggestions."""
        cs = await self._editable_cs()
        parsed = self._parse(cs, key) if cs else None
        if cs is None or parsed is None or not isinstance(value, str):
            return
        value = value[:MAX_QUERY]
        if self.active == key and self._typed.get(key) == value:
            return  # nothing new (e.g. a repeated notification): keep the highlighted row
        self._typed[key] = value
        qid, _, part = parsed
        if not value.strip():
            self._close()
            return
        mode = SearchMode.CODE if part == "code" else SearchMode.TEXT
        try:
            found = await search(value, _system(cs, qid), mode, MAX_SUGGESTIONS)
        except Overloaded:  # too many searches waiting: no list for this keystroke
            found = []
        except Exception:  # no suggestions is better than a broken field
            log.exception("diagnosis search failed")
            found = []
        if self._typed.get(key) != value:
            return  # a newer keystroke has been handled meanwhile
        if not found:
            self._close()
            return
        self.active = key
        self.query = value
        # An everyday term that found an ICD-10-SE code is shown beside its official text;
        # choosing the suggestion writes the official text.
        if uses_fk_diagnosis_rules(cs.cert_type):  # F/Z73 with three positions: marked, last
            noted = order_for_fk(found)
        else:
            noted = [(d, "") for d in found]
        self.suggestions = [
            {"code": d.code, "text": d.text, "matched": d.matched, "note": note}
            for d, note in noted
        ]
        self.highlighted = -1

    @rx.event
    async def key_down(self, key: str, pressed: str):
        """Arrow keys move in the open list, Enter chooses, Escape closes (§5.2)."""
        if not isinstance(key, str) or not isinstance(pressed, str) or key != self.active:
            return
        count = len(self.suggestions)
        if pressed == "ArrowDown" and count:
            self.highlighted = (self.highlighted + 1) % count
        elif pressed == "ArrowUp" and count:
            self.highlighted = count - 1 if self.highlighted <= 0 else self.highlighted - 1
        elif pressed == "Enter" and 0 <= self.highlighted < count:
            async for update in self._choose(key, self.highlighted):
                yield update
        elif pressed in ("Escape", "Tab"):
            self._close()

    @rx.event
    async def choose(self, key: str, index: int):
        """A suggestion clicked (on mouse down, before the input's blur)."""
        if not isinstance(key, str) or key != self.active or not isinstance(index, int):
            return
        if not 0 <= index < len(self.suggestions):
            return
        async for update in self._choose(key, index):
            yield update

    async def _choose(self, key: str, index: int):
        cs = await self._editable_cs()
        parsed = self._parse(cs, key) if cs else None
        if cs is None or parsed is None:
            self._close()
            return
        qid, row, _ = parsed
        picked = self.suggestions[index]
        found = lookup(picked["code"], _system(cs, qid))
        self._close()
        if found is None:
            return
        # Suggestions show the matched term (a KSH97-P synonym may differ from the main text).
        wanted = {f"{qid}.{row}.code": found.code, f"{qid}.{row}.text": picked["text"]}
        # An input only takes a value from the server when the bound value changes. If the
        # draft already holds the chosen value while the user typed something else there,
        # first show the typed text as the draft value, then the chosen one.
        stale = {
            k: self._typed[k]
            for k, new in wanted.items()
            if k in self._typed and self._typed[k] != new and cs._values.get(k) == new
        }
        for k in wanted:
            self._typed.pop(k, None)
        if stale:
            for k, typed in stale.items():
                cs._values[k] = typed
            await publish_values(cs)
            yield
        code_key, text_key = wanted
        cs._values[code_key] = wanted[code_key]
        await cs.set_value(text_key, wanted[text_key])  # one autosave (compare-and-set) for both
        await refresh_dependents(self, cs)

    @rx.event
    async def commit(self, key: str, value: str):
        """The input lost focus: write what was typed to the draft (autosave)."""
        if isinstance(key, str) and key == self.active:
            self._close()
        if not isinstance(key, str) or key not in self._typed or not isinstance(value, str):
            return
        self._typed.pop(key, None)
        cs = await self._editable_cs()
        parsed = self._parse(cs, key) if cs else None
        if cs is None or parsed is None:
            return
        qid, row, part = parsed
        value = value[:MAX_QUERY]
        if part == "code":
            self._keep_text_in_step(cs, qid, row, value)
        if cs._values.get(key) != value:
            await cs.set_value(key, value)
        else:
            await publish_values(cs)  # the text may have been kept in step with the code
        await refresh_dependents(self, cs)

    def _keep_text_in_step(self, cs: CertificateState, qid: str, row: int, code: str) -> None:
        """A typed code: fill in its text; a changed code clears the text of the old one."""
        text_key = f"{qid}.{row}.text"
        system = _system(cs, qid)
        found = lookup(code, system) if code.strip() else None
        old = lookup(cs._values.get(f"{qid}.{row}.code", ""), system)
        old_text = cs._values.get(text_key, "")
        if found is not None:
            if not old_text or (old is not None and old_text == old.text):
                cs._values[text_key] = found.text
        elif old is not None and old_text == old.text:
            cs._values[text_key] = ""

    @rx.event
    async def set_system(self, qid: str, value: str):
        """The code system radio (ICD-10-SE or KSH97-P), one for all rows of the question."""
        cs = await self._editable_cs()
        if cs is None or not isinstance(value, str) or value not in SYSTEMS:
            return
        if not isinstance(qid, str) or qid not in {q.id for q in diagnosis_questions(cs)}:
            return
        self._close()
        await cs.set_value(f"{qid}.system", value)
        await refresh_dependents(self, cs)
