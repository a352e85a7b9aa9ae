"""The läkarutlåtanden (LU) FK7800, FK7801 and FK7802: their shared sections and rules.

FK7800 (LUSE) and FK7801 (LUAE_NA) are the same form with their own text files; both are built
by :func:`build_lu_definition`, FK7801 adding question 24. FK7802 (LUAE_FS) shares grund för MU,
diagnoses, övrigt and kontakt. Help texts are our own; labels come from each type's ``_T``.

Mandatory and validation rules (FK's rules for the forms):

* grund för MU (1) at least one, with a date; "annat" needs its text; kännedom om patienten (2);
  the kännedom date may not be later than the date of the examination or of the relative's
  account;
* "Finns andra utredningar eller underlag?" (3); if yes at least one underlag (4), each with
  type, date and where FK can get it (at most three);
* diagnoses (6, 1–3, FK's code rules);
* FK7800/FK7801: bakgrund (5), diagnosgrund (7), ny bedömning (45) and, when yes, which
  diagnoses (45.2); at least one of the seven funktionsnedsättningar (8–14);
  aktivitetsbegränsningar (17); medicinska förutsättningar för arbete (22). Everything else is
  optional.
"""

from __future__ import annotations

from services.certificates.base import (
    ALWAYS,
    CertificateDefinition,
    Content,
    FieldKind,
    Question,
    Recipient,
    Rule,
    Section,
    Severity,
    ValidationContext,
    ValidationMessage,
    Validator,
    equals,
    is_filled,
)
from services.certificates.common import (
    FK_TEXTAREA_MAX,
    TEXT_MAX,
    Texts,
    code_options,
    fk_diagnoses_question,
    fk_grund_annat_question,
    fk_kontakt_section,
    fk_text_question,
    form_question,
)
from services.certificates.periods import parse_date
from services.certificates.validation import diagnosis_validator
from services.roles import Role

UNDERLAG_ROWS = 3

GRUND = "grund_for_mu"
KANNEDOM = "kannedom_om_patienten"
UNDERLAG_FINNS = "underlag_finns"
DIAGNOSER = "diagnoser"
FUNKTION_IDS = (
    ("funktion_intellektuell", "8"),
    ("funktion_psykosocial", "9"),
    ("funktion_koncentration", "10"),
    ("funktion_annan_psykisk", "11"),
    ("funktion_sinnen_smarta", "12"),
    ("funktion_balans_motorik", "13"),
    ("funktion_annan_kroppslig", "14"),
)

# One list for all three forms; each text file names only the codes its form offers.
UNDERLAG_CODES = (
    "NEUROPSYKIATRISKT",
    "HABILITERING",
    "ARBETSTERAPEUT",
    "FYSIOTERAPEUT",
    "LOGOPED",
    "PSYKOLOG",
    "SKOLHALSOVARD",
    "FORETAGSHALSOVARD",
    "SPECIALISTKLINIK",
    "VARD_UTOMLANDS",
    "OVRIGT_UTLATANDE",
)


def underlag_ids(row: int) -> tuple[str, str, str]:
    return (f"underlag_{row}_typ", f"underlag_{row}_datum", f"underlag_{row}_hamtas_fran")


def _row_started(row: int) -> Rule:
    ids = underlag_ids(row)
    return lambda c: any(is_filled(c.get(q)) for q in ids)


def _underlag_row(texts: Texts, row: int, visible: Rule) -> list[Question]:
    """One underlag (4): the first is required when there are underlag, the others once begun."""
    typ, datum, kalla = underlag_ids(row)
    required = visible if row == 1 else _row_started(row)
    return [
        Question(
            id=typ,
            ref="4.1",
            label=texts["FRG_4.RBK"],
            kind=FieldKind.RADIO,
            options=code_options(texts, "KV_FKMU_0005", UNDERLAG_CODES, skip_missing=True),
            visible=visible,
            mandatory=required,
            missing_text="Välj ett alternativ.",
        ),
        Question(
            id=datum,
            ref="4.2",
            label="Datum",
            kind=FieldKind.DATE,
            visible=visible,
            mandatory=required,
            no_future_date=True,
        ),
        form_question(
            texts,
            kalla,
            "4.3",
            FieldKind.TEXT,
            help="T.ex. vilken klinik på vilket sjukhus, eller annan vårdgivare.",
            visible=visible,
            mandatory=required,
            max_length=TEXT_MAX,
        ),
    ]


def grund_section(texts: Texts) -> Section:
    """Grund för medicinskt underlag: 1, 1.3, 2, 3 and up to three underlag (4)."""
    has_underlag = equals(UNDERLAG_FINNS, True)
    questions = [
        form_question(
            texts,
            GRUND,
            "1",
            FieldKind.DATE_CHECKBOXES,
            options=code_options(
                texts, "KV_FKMU_0001", ("UNDERSOKNING", "JOURNALUPPGIFTER", "ANHORIG", "ANNAT")
            ),
            help="Ange vad utlåtandet bygger på och datum för varje underlag.",
            mandatory=ALWAYS,
            no_future_date=True,
        ),
        fk_grund_annat_question(texts),
        form_question(
            texts,
            KANNEDOM,
            "2",
            FieldKind.DATE,
            help="Datum då du först fick kännedom om patienten, t.ex. första besöket.",
            mandatory=ALWAYS,
            no_future_date=True,
        ),
        form_question(
            texts,
            UNDERLAG_FINNS,
            "3",
            FieldKind.BOOLEAN,
            help="Svara ja om det finns utredningar eller underlag som FK bör känna till.",
            mandatory=ALWAYS,
        ),
    ]
    for row in range(1, UNDERLAG_ROWS + 1):
        questions += _underlag_row(texts, row, has_underlag)
    return Section(id="grund_for_mu", title=texts["KAT_1.RBK"], questions=tuple(questions))


def diagnos_question(texts: Texts) -> Question:
    return fk_diagnoses_question(
        texts,
        help=(
            "Ange upp till tre diagnoser, den viktigaste först, med så många positioner som "
            "möjligt (ICD-10-SE eller KSH97-P)."
        ),
    )


def ovrigt_section(texts: Texts, kat: str) -> Section:
    return Section(
        id="ovrigt",
        title=texts[f"{kat}.RBK"],
        questions=(fk_text_question(texts, "ovrigt", "25", help="Annat av betydelse för FK."),),
    )


def funktion_section(texts: Texts) -> Section:
    """The seven funktionsnedsättningar (8–14): at least one must be described."""
    return Section(
        id="funktionsnedsattning",
        title=texts["KAT_5.RBK"],
        help="Beskriv minst en funktionsnedsättning. Ange grad: lätt, måttlig, stor eller total.",
        questions=tuple(
            fk_text_question(
                texts, qid, ref, help="Beskriv undersökningsfynd och hur svår nedsättningen är."
            )
            for qid, ref in FUNKTION_IDS
        ),
    )


def at_least_one_funktion(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    if any(is_filled(content.get(qid)) for qid, _ in FUNKTION_IDS):
        return []
    return [
        ctx.message(
            FUNKTION_IDS[0][0],
            Severity.MISSING,
            "Beskriv minst en funktionsnedsättning.",
        )
    ]


def kannedom_validator(content: Content, ctx: ValidationContext) -> list[ValidationMessage]:
    """Kännedom om patienten may not be later than the examination or the relative's account."""
    known = parse_date(content.get(KANNEDOM))
    basis = content.get(GRUND)
    if known is None or not isinstance(basis, dict):
        return []
    for code in ("UNDERSOKNING", "ANHORIG"):
        when = parse_date(basis.get(code))
        if when is not None and known > when:
            return [
                ctx.message(
                    KANNEDOM,
                    Severity.ERROR,
                    "Datum för kännedom om patienten får inte vara senare än datum för "
                    "undersökningen eller anhörigs beskrivning.",
                )
            ]
    return []


def lu_validators(*extra: Validator) -> tuple[Validator, ...]:
    return (diagnosis_validator(DIAGNOSER), kannedom_validator, *extra)


def build_lu_definition(
    *,
    form_id: str,
    name: str,
    version: str,
    text_source: str,
    texts: Texts,
    description: str,
    formaga_help: str,
    asks_underlatta_arbete: bool = False,
) -> CertificateDefinition:
    """FK7800 and FK7801: the same form, with its own texts, a help for 23 and, for FK7801,
    question 24 (what could make it easier for the patient to start working)."""
    t = texts
    return CertificateDefinition(
        type=form_id.lower(),
        form_id=form_id,
        name=name,
        version=version,
        text_source=text_source,
        recipient=Recipient.FK,
        roles=frozenset({Role.LAKARE, Role.VARDADMINISTRATOR}),
        description=description,
        sections=(
            grund_section(t),
            Section(
                id="bakgrund",
                title=t["KAT_3.RBK"],
                questions=(
                    fk_text_question(
                        t,
                        "sjukdomsforlopp",
                        "5",
                        help="Kort om hur de aktuella sjukdomarna har utvecklats.",
                        mandatory=ALWAYS,
                    ),
                ),
            ),
            Section(
                id="diagnos",
                title=t["KAT_4.RBK"],
                questions=(
                    diagnos_question(t),
                    fk_text_question(
                        t,
                        "diagnosgrund",
                        "7",
                        help="När och var diagnoserna ställdes, och på vilket underlag.",
                        mandatory=ALWAYS,
                    ),
                    form_question(
                        t,
                        "ny_bedomning_diagnos",
                        "45",
                        FieldKind.BOOLEAN,
                        help="T.ex. om utredningen är gammal eller symtombilden har ändrats.",
                        mandatory=ALWAYS,
                    ),
                    form_question(
                        t,
                        "ny_bedomning_diagnos_beskrivning",
                        "45.2",
                        FieldKind.TEXTAREA,
                        visible=equals("ny_bedomning_diagnos", True),
                        mandatory=ALWAYS,
                        max_length=FK_TEXTAREA_MAX,
                    ),
                ),
            ),
            funktion_section(t),
            Section(
                id="aktivitetsbegransning",
                title=t["KAT_6.RBK"],
                questions=(
                    fk_text_question(
                        t,
                        "aktivitetsbegransning",
                        "17",
                        help="Konkreta exempel på vad patienten har svårt att göra.",
                        mandatory=ALWAYS,
                    ),
                ),
            ),
            Section(
                id="medicinsk_behandling",
                title=t["KAT_7.RBK"],
                questions=(
                    fk_text_question(t, "avslutad_behandling", "18", help="Med tid och resultat."),
                    fk_text_question(t, "pagaende_behandling", "19", help="Syfte och tidplan."),
                    fk_text_question(t, "planerad_behandling", "20", help="Syfte och tidplan."),
                    fk_text_question(
                        t, "substansintag", "21", help="Läkemedel och andra substanser."
                    ),
                ),
            ),
            Section(
                id="medicinska_forutsattningar",
                title=t["KAT_8.RBK"],
                questions=(
                    fk_text_question(
                        t,
                        "medicinska_forutsattningar",
                        "22",
                        help="Hur förutsättningarna för arbete kan utvecklas över tid.",
                        mandatory=ALWAYS,
                    ),
                    fk_text_question(t, "formaga_trots_begransning", "23", help=formaga_help),
                    *(
                        (
                            fk_text_question(
                                t,
                                "underlatta_arbete",
                                "24",
                                help="T.ex. arbetsförberedande insatser, anpassning eller "
                                "hjälpmedel.",
                            ),
                        )
                        if asks_underlatta_arbete
                        else ()
                    ),
                ),
            ),
            ovrigt_section(t, "KAT_9"),
            fk_kontakt_section(t, "KAT_10"),
        ),
        validators=lu_validators(at_least_one_funktion),
    )
