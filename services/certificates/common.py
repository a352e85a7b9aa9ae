"""Building blocks shared by the type modules.

Each helper returns plain :mod:`services.certificates.base` objects, so a type module stays a
declarative list of sections and questions. Labels always come from the type's own text table
(``texts``, the ``_T`` dictionary copied from FK's or TS's text file), never from here.

* all types: :func:`code_options`, :func:`form_label`, :func:`form_question`, ``TEXT_MAX``;
* Försäkringskassan's forms: :func:`fk_text_question`, :func:`fk_grund_annat_question`,
  :func:`fk_diagnoses_question`, :func:`fk_kontakt_section`;
* Transportstyrelsen's forms: :func:`ts_yes_no`, :func:`ts_details`,
  :func:`ts_identity_section`, :func:`ts_specialist_question`, :func:`ts_section`, and the rule
  :func:`ts_bedomning_within_avser`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from services.certificates.base import (
    ALWAYS,
    NEVER,
    Content,
    FieldKind,
    Option,
    Question,
    Rule,
    Section,
    Severity,
    ValidationContext,
    ValidationMessage,
    Validator,
    contains,
    equals,
)

Texts = Mapping[str, str]

TEXT_MAX = 250  # a one-line TEXT answer
FK_TEXTAREA_MAX = 4000
TS_TEXTAREA_MAX = 2000


def code_options(
    texts: Texts, codesystem: str, codes: Iterable[str], *, skip_missing: bool = False
) -> tuple[Option, ...]:
    """Options labelled ``texts["{codesystem}.{code}.RBK"]``, in the order of ``codes``.

    With ``skip_missing`` a code the text file does not name is left out (the LU forms share
    one code list but each text file names only its own codes).
    """
    return tuple(
        Option(code, texts[f"{codesystem}.{code}.RBK"])
        for code in codes
        if not skip_missing or f"{codesystem}.{code}.RBK" in texts
    )


def form_label(texts: Texts, ref: str) -> str:
    """The form's text for question ``ref``: FRG_n for a question, DFR_n.m for a part of one."""
    return texts[f"DFR_{ref}.RBK" if "." in ref else f"FRG_{ref}.RBK"]


def form_question(texts: Texts, qid: str, ref: str, kind: FieldKind, **extra: Any) -> Question:
    """Question ``ref`` of the form, labelled with the form's text for it (:func:`form_label`)."""
    return Question(id=qid, ref=ref, label=form_label(texts, ref), kind=kind, **extra)


# --- Försäkringskassan -------------------------------------------------------------------------
def fk_text_question(
    texts: Texts,
    qid: str,
    ref: str,
    *,
    help: str = "",
    mandatory: Rule = NEVER,
    **extra: object,
) -> Question:
    """A TEXTAREA labelled with FK's FRG text (and its DFR text as sub label when there is one)."""
    return Question(
        id=qid,
        ref=ref,
        label=texts[f"FRG_{ref}.RBK"],
        sub_label=texts.get(f"DFR_{ref}.1.RBK", ""),
        kind=FieldKind.TEXTAREA,
        help=help,
        mandatory=mandatory,
        max_length=FK_TEXTAREA_MAX,
        **extra,  # type: ignore[arg-type]
    )


def fk_grund_annat_question(texts: Texts, **extra: object) -> Question:
    """1.3: what "annat" is, asked and required when grund för MU (1) has ANNAT ticked."""
    return Question(
        id="grund_for_mu_annat",
        ref="1.3",
        label=texts["DFR_1.3.RBK"],
        kind=FieldKind.TEXT,
        visible=contains("grund_for_mu", "ANNAT"),
        mandatory=ALWAYS,
        max_length=TEXT_MAX,
        **extra,  # type: ignore[arg-type]
    )


def fk_diagnoses_question(texts: Texts, *, help: str, **extra: object) -> Question:
    """6: one to three diagnoses, mandatory."""
    return Question(
        id="diagnoser",
        ref="6",
        label=texts["FRG_6.RBK"],
        sub_label=texts["DFR_6.2.RBK"],
        kind=FieldKind.DIAGNOSES,
        help=help,
        mandatory=ALWAYS,
        max_items=3,
        **extra,  # type: ignore[arg-type]
    )


def fk_kontakt_section(texts: Texts, kat: str, *, follows_on_renew: bool = True) -> Section:
    """26 and 26.2: whether FK should contact the doctor, and why."""
    return Section(
        id="kontakt",
        title=texts[f"{kat}.RBK"],
        questions=(
            Question(
                id="kontakt_fk",
                ref="26",
                label=texts["FRG_26.RBK"],
                sub_label=texts["DFR_26.1.RBK"],
                kind=FieldKind.CHECKBOX,
                help="Handläggaren kontaktar dig när underlaget har kommit in.",
                follows_on_renew=follows_on_renew,
            ),
            form_question(
                texts,
                "kontakt_fk_anledning",
                "26.2",
                FieldKind.TEXTAREA,
                visible=equals("kontakt_fk", True),
                max_length=FK_TEXTAREA_MAX,
                follows_on_renew=follows_on_renew,
            ),
        ),
    )


# --- Transportstyrelsen ------------------------------------------------------------------------
def ts_yes_no(
    texts: Texts, qid: str, ref: str, *, mandatory: Rule = ALWAYS, **extra: object
) -> Question:
    """A Ja/Nej question; TS asks every one of them unless the form says otherwise."""
    return form_question(texts, qid, ref, FieldKind.BOOLEAN, mandatory=mandatory, **extra)


def ts_details(
    texts: Texts,
    qid: str,
    ref: str,
    *,
    visible: Rule,
    mandatory: Rule = ALWAYS,
    max_length: int = TEXT_MAX,
) -> Question:
    """A one-line text that details an answer: asked (and by default required) when visible."""
    return form_question(
        texts, qid, ref, FieldKind.TEXT, visible=visible, mandatory=mandatory, max_length=max_length
    )


def ts_identity_section(texts: Texts, kat: str) -> Section:
    """2: how the patient's identity was checked (KV_ID_KONTROLL, IDK1–IDK6)."""
    return Section(
        id="identitet",
        title=texts[f"{kat}.RBK"],
        questions=(
            form_question(
                texts,
                "identitet",
                "2",
                FieldKind.RADIO,
                options=code_options(texts, "KV_ID_KONTROLL", (f"IDK{n}" for n in range(1, 7))),
                help="Hur du har kontrollerat patientens identitet.",
                mandatory=ALWAYS,
            ),
        ),
    )


def ts_specialist_question(texts: Texts, *, help: str = "", max_length: int = TEXT_MAX) -> Question:
    """34: the specialist the patient should see before the case is decided (optional)."""
    return Question(
        id="specialist",
        ref="34",
        label=texts["FRG_34.RBK"],
        kind=FieldKind.TEXT,
        help=help,
        max_length=max_length,
    )


def ts_section(texts: Texts, sid: str, kat: str, *questions: Question) -> Section:
    """A section titled with TS's category text ``kat`` ("KAT_6")."""
    return Section(id=sid, title=texts[f"{kat}.RBK"], questions=questions)


def ts_bedomning_within_avser(
    bedomning: str, avser: str, avser_for: Callable[[str], str | None]
) -> Validator:
    """The assessment (``bedomning``) may only grant a behörighet the certificate concerns
    (``avser``): ``avser_for(code)`` is the code the chosen one needs there (None: none)."""

    def validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
        chosen = content.get(bedomning)
        if not isinstance(chosen, list):
            return []
        concerned = content.get(avser)
        concerned = concerned if isinstance(concerned, list) else []
        return [
            ctx.message(
                bedomning,
                Severity.ERROR,
                "Vald behörighet överensstämmer inte med vilken behörighet intyget avser.",
                code,
            )
            for code in chosen
            if isinstance(code, str)
            and (needed := avser_for(code)) is not None
            and needed not in concerned
        ]

    return validator
