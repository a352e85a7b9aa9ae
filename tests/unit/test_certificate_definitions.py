"""Every certificate type loads and is well formed; the registry finds them."""

import pytest

from services.certificates import all_definitions, creatable_types, get_definition
from services.certificates.base import FieldKind, Recipient

TYPES = ["fk7804", "fk7800", "fk7801", "fk7802", "tstrk1007", "tstrk1031", "fk7263"]
CHOICE_KINDS = {
    FieldKind.RADIO,
    FieldKind.CHECKBOXES,
    FieldKind.DATE_CHECKBOXES,
    FieldKind.SICK_LEAVE,
}


def test_registry_knows_all_types() -> None:
    assert sorted(d.type for d in all_definitions()) == sorted(TYPES)


@pytest.mark.parametrize("name", ["fk7804", "FK7804", " Fk7804 "])
def test_get_definition_is_case_insensitive(name: str) -> None:
    assert get_definition(name).form_id == "FK7804"


def test_unknown_type_raises_key_error() -> None:
    with pytest.raises(KeyError):
        get_definition("fk9999")


def test_creatable_types_leave_out_fk7263() -> None:
    # §2.4: FK7263 is "Endast visning och utskrift"
    assert sorted(creatable_types()) == sorted(t for t in TYPES if t != "fk7263")
    assert get_definition("fk7263").read_only


@pytest.mark.parametrize(
    ("type_", "form_id", "version", "recipient"),
    [
        ("fk7804", "FK7804", "1.3", Recipient.FK),
        ("fk7800", "FK7800", "1.3", Recipient.FK),
        ("fk7801", "FK7801", "1.2", Recipient.FK),
        ("fk7802", "FK7802", "1.1", Recipient.FK),
        ("tstrk1007", "TSTRK1007", "7.0", Recipient.TS),
        ("tstrk1031", "TSTRK1031", "4.2", Recipient.TS),
        ("fk7263", "FK7263", "1.0", Recipient.FK),
    ],
)
def test_identity_and_text_version(type_, form_id, version, recipient) -> None:
    definition = get_definition(type_)
    assert (definition.form_id, definition.version, definition.recipient) == (
        form_id,
        version,
        recipient,
    )
    assert definition.name and definition.description


@pytest.mark.parametrize("type_", TYPES)
def test_ids_are_unique(type_: str) -> None:
    definition = get_definition(type_)
    qids = [q.id for q in definition.questions()]
    assert len(qids) == len(set(qids))
    sids = [s.id for s in definition.sections]
    assert len(sids) == len(set(sids))


@pytest.mark.parametrize("type_", TYPES)
def test_every_question_is_complete(type_: str) -> None:
    for question in get_definition(type_).questions():
        assert question.label.strip(), question.id
        if question.kind in CHOICE_KINDS:
            codes = [o.code for o in question.options]
            assert codes, question.id
            assert len(codes) == len(set(codes)), question.id
            assert all(o.label.strip() for o in question.options), question.id
        else:
            assert not question.options, question.id
        # rules run on an empty draft without raising
        question.visible({})
        question.mandatory({})


@pytest.mark.parametrize("type_", TYPES)
def test_sections_have_titles_and_questions(type_: str) -> None:
    for section in get_definition(type_).sections:
        assert section.title.strip() and section.questions


def test_fk7804_renewal_flags() -> None:
    # §4.6: grund för MU, the periods and kontakt do not follow a renewal
    definition = get_definition("fk7804")
    not_following = {q.id for q in definition.questions() if not q.follows_on_renew}
    assert {"grund_for_mu", "sjukskrivningar", "kontakt_fk"} <= not_following
    assert "diagnoser" not in not_following and "prognos" not in not_following


def test_fk7804_minimal_print_per_table_4() -> None:
    definition = get_definition("fk7804")
    assert definition.minimal_print
    printed = {q.id for q in definition.questions() if q.minimal_print}
    expected = {
        "grund_for_mu",  # Intyget är baserat på
        "sysselsattning",  # only if Nuvarande arbete
        "sjukskrivningar",  # Min bedömning av patientens nedsättning av arbetsförmåga
        "arbetsresor",  # Resor till och från arbetet
        "arbetstidsforlaggning",  # förlägga arbetstiden
        "prognos",
        "atgarder",  # FRG 40
        "atgarder_beskrivning",  # FRG 44
    }
    assert expected <= printed
    for medical in ("diagnoser", "funktionsnedsattning", "aktivitetsbegransning", "ovrigt"):
        assert medical not in printed
    sysselsattning = definition.question("sysselsattning")
    assert sysselsattning.minimal_print_when({"sysselsattning": ["NUVARANDE_ARBETE"]})
    assert not sysselsattning.minimal_print_when({"sysselsattning": ["STUDIER"]})


def test_fk7263_minimal_print_per_table_4() -> None:
    definition = get_definition("fk7263")
    assert definition.minimal_print and definition.read_only
    printed = {q.ref for q in definition.questions() if q.minimal_print}
    assert {"Fält 4b", "Fält 6a", "Fält 8a", "Fält 8b", "Fält 11", "Fält 14", "Fält 15"} <= printed
    assert "Fält 17" in printed
    assert "Fält 2" not in printed


def test_only_fk7804_and_fk7263_offer_minimal_print() -> None:
    assert {d.type for d in all_definitions() if d.minimal_print} == {"fk7804", "fk7263"}


def test_fk7804_uses_fk_texts() -> None:
    definition = get_definition("fk7804")
    assert definition.question("grund_for_mu").label == "Intyget är baserat på"
    periods = definition.question("sjukskrivningar")
    assert [o.label for o in periods.options] == [
        "25 procent",
        "50 procent",
        "75 procent",
        "100 procent",
    ]
    assert periods.max_items == 4
    assert definition.question("diagnoser").max_items == 3
    hours = definition.question("arbetstid_timmar_per_vecka")
    assert hours.kind == FieldKind.NUMBER and not hours.mandatory({})
