"""ICF support for funktionsnedsättning and aktivitetsbegränsning (manual §5.4, figures 16-18).

"Ta hjälp av ICF" is enabled for a field when a chosen diagnosis has an ICF selection for it
(``services.icf.has_icf``). The dialog lists the categories in groups (common to all diagnoses
first, then one group per diagnosis), with checkboxes and "visa mer"; "Lägg till" stores the
ticked categories through ``CertificateState.set_icf`` (autosave, compare-and-set) and they are
shown as chips above the free-text field.
"""

from __future__ import annotations

import reflex as rx

from services.certificates import get_definition
from services.certificates.base import ICF_SUFFIX
from services.icf import IcfField, has_icf, icf_for_codes
from state.certificate import CertificateState

MAX_CATEGORIES = 100


def icf_field(qid: str) -> IcfField | None:
    """The ICF field of a question id ("funktionsnedsattning" → FUNKTIONSNEDSATTNING)."""
    try:
        return IcfField(qid.upper())
    except ValueError:
        return None


def icf_question_ids(cs: CertificateState) -> list[str]:
    """Ids of the open certificate's questions with ICF support that map to an ICF field."""
    if not cs.cert_type:
        return []
    try:
        definition = get_definition(cs.cert_type)
    except Exception:  # noqa: BLE001 - an unknown type has no ICF questions
        return []
    return [q.id for q in definition.questions() if q.icf and icf_field(q.id) is not None]


def _chips(cs: CertificateState, qid: str) -> list[dict[str, str]]:
    raw = cs._content.get(qid + ICF_SUFFIX)
    if not isinstance(raw, list):
        return []
    return [
        {"code": str(c.get("code", "")), "name": str(c.get("name") or c.get("code") or "")}
        for c in raw
        if isinstance(c, dict)
    ]


async def follow_diagnoses(state: rx.State, cs: CertificateState, codes: list[str]) -> None:
    """The draft's diagnoses changed (state.diagnosis): "Ta hjälp av ICF" follows."""
    (await state.get_state(IcfState))._refresh(cs, codes)


class IcfState(rx.State):
    """ICF availability per field, the chosen categories (chips) and the open dialog."""

    available: dict[str, bool] = {}  # question id -> "Ta hjälp av ICF" enabled
    chosen: dict[str, list[dict[str, str]]] = {}  # question id -> [{"code","name"}]
    open_qid: str = ""  # the field whose dialog is open ("" = closed)
    rows: list[dict[str, str]] = []  # the dialog: group headings and categories, in order
    ticked: list[str] = []  # category codes ticked in the open dialog
    more: list[str] = []  # category codes with "visa mer" open
    _codes: list[str] = []

    def _refresh(self, cs: CertificateState, codes: list[str]) -> None:
        """Recompute from the chosen diagnoses (called by the diagnosis state, not a browser)."""
        self._codes = list(codes)
        qids = icf_question_ids(cs)
        self.available = {qid: has_icf(self._codes, qid) for qid in qids}
        self.chosen = {qid: _chips(cs, qid) for qid in qids}
        if self.open_qid and not self.available.get(self.open_qid):
            self._close()
        elif self.open_qid:
            self._fill(self.open_qid)

    def _fill(self, qid: str) -> None:
        field = icf_field(qid)
        groups = icf_for_codes(self._codes, field) if field else None
        rows: list[dict[str, str]] = []
        offered: set[str] = set()
        for index, group in enumerate(groups.groups if groups else ()):
            rows.append({"kind": "group", "title": group.title, "key": f"g{index}"})
            for category in group.categories:
                offered.add(category.code)
                rows.append(
                    {
                        "kind": "category",
                        "key": f"g{index}-{category.code}",
                        "code": category.code,
                        "name": category.name,
                        "title": category.title,
                        "description": category.description,
                        "includes": category.includes,
                    }
                )
        self.rows = rows
        self.ticked = [code for code in self.ticked if code in offered]

    def _close(self) -> None:
        self.open_qid = ""
        self.rows = []
        self.ticked = []
        self.more = []

    @rx.event
    async def open(self, qid: str):
        """ "Ta hjälp av ICF": open the dialog of a field (toggles when already open)."""
        if not isinstance(qid, str) or not self.available.get(qid):
            return
        if self.open_qid == qid:
            self._close()
            return
        cs = await self.get_state(CertificateState)
        if not cs.editable:
            return
        self.open_qid = qid
        self.more = []
        self.ticked = [c["code"] for c in _chips(cs, qid)]
        self._fill(qid)

    @rx.event
    def toggle(self, code: str, checked: bool):
        """A category's checkbox."""
        if not isinstance(code, str) or not self.open_qid:
            return
        if code not in {r.get("code") for r in self.rows if r["kind"] == "category"}:
            return
        if checked is True and code not in self.ticked:
            self.ticked = [*self.ticked, code][:MAX_CATEGORIES]
        elif checked is not True:
            self.ticked = [c for c in self.ticked if c != code]

    @rx.event
    def toggle_more(self, key: str):
        """ "visa mer" of one category row."""
        if not isinstance(key, str) or key not in {r["key"] for r in self.rows}:
            return
        self.more = [k for k in self.more if k != key] if key in self.more else [*self.more, key]

    @rx.event
    async def add(self):
        """ "Lägg till": store the ticked categories in the draft (autosave) and show chips."""
        qid = self.open_qid
        if not qid:
            return
        cs = await self.get_state(CertificateState)
        if not cs.editable:
            return
        # Keep the dialog's order (as the manual's figure 17 shows them in the field).
        order = [r["code"] for r in self.rows if r["kind"] == "category"]
        codes = [code for code in dict.fromkeys(order) if code in self.ticked]
        await cs.set_icf(qid, codes)
        self.chosen = {**self.chosen, qid: _chips(cs, qid)}
        self._close()

    @rx.event
    def cancel(self):
        """ "Avbryt": close without changing the draft."""
        self._close()
