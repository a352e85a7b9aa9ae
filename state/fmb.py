"""The FMB tab (manual §5.3): försäkringsmedicinskt beslutsstöd for the chosen diagnoses.

Recomputed from the draft's diagnosis codes by ``state.diagnosis.refresh_dependents`` (on page
load and whenever a diagnosis changes). With several diagnoses a radio button picks the one
shown; each section shows a preview with "Visa mer" for the full text.
"""

from __future__ import annotations

import reflex as rx

from services.fmb import fmb_for_codes

MAX_CODES = 10


class FmbState(rx.State):
    """FMB information of the chosen diagnoses; the data is small and rendered as text."""

    has_diagnoses: bool = False
    options: list[dict[str, str]] = []  # radio buttons: {"code", "title", "label"}
    selected: str = ""  # code of the diagnosis whose FMB is shown
    title: str = ""
    diagnosis: str = ""  # "J209 – Akut bronkit, ospecificerad"
    sections: list[dict[str, str]] = []  # {"key","preview","full","has_more"}
    references: list[dict[str, str]] = []  # {"text","url"}
    expanded: list[str] = []  # section keys shown in full
    _codes: list[str] = []

    def _refresh(self, codes: list[str]) -> None:
        """Recompute from the chosen codes (called by the diagnosis state, not a browser)."""
        codes = [str(c)[:12] for c in codes][:MAX_CODES]
        if codes == self._codes and self.options:
            return
        self._codes = codes
        self.has_diagnoses = bool(codes)
        infos = fmb_for_codes(codes)
        self.options = [
            {
                "code": info.code,
                "title": info.title,
                "label": f"{info.title} ({info.code})",
            }
            for info in infos
        ]
        if self.selected not in {o["code"] for o in self.options}:
            self.selected = self.options[0]["code"] if self.options else ""
            self.expanded = []
        self._show()

    def _show(self) -> None:
        info = next((i for i in fmb_for_codes(self._codes) if i.code == self.selected), None)
        if info is None:
            self.title = self.diagnosis = ""
            self.sections = []
            self.references = []
            return
        self.title = info.title
        self.diagnosis = (
            f"{info.code} – {info.diagnosis_text}" if info.diagnosis_text else info.code
        )
        self.sections = [
            {
                "key": section.key,
                "preview": section.preview,
                "full": "\n".join(
                    ("• " if block.kind == "bullet" else "") + block.text
                    for block in section.blocks
                ),
                "has_more": "true" if section.has_more else "",
            }
            for section in info.sections
        ]
        self.references = [{"text": r.text, "url": r.url} for r in info.references]

    @rx.event
    def select(self, code: str):
        """A radio button: show FMB for this one of the chosen diagnoses."""
        if isinstance(code, str) and code in {o["code"] for o in self.options}:
            if code != self.selected:
                self.selected = code
                self.expanded = []
                self._show()

    @rx.event
    def toggle_section(self, key: str):
        """ "Visa mer" / "Visa mindre" of one section."""
        if not isinstance(key, str) or key not in {s["key"] for s in self.sections}:
            return
        if key in self.expanded:
            self.expanded = [k for k in self.expanded if k != key]
        else:
            self.expanded = [*self.expanded, key]


async def follow_diagnoses(state: rx.State, codes: list[str]) -> None:
    """The draft's diagnoses changed (state.diagnosis): ``state``'s tab's FMB tab follows."""
    (await state.get_state(FmbState))._refresh(codes)
