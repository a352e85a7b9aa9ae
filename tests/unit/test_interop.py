"""RegisterCertificate v3: export, import, XSD + schematron + own rules, the command line.

The expected refusals are FK's and TS's own rule texts, copied from the schematron files; each
scenario breaks one rule of a valid message and must be refused by that rule.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from lxml import etree

from services import interop
from services.certificates import get_definition
from services.interop import register
from services.interop.__main__ import main
from services.interop.transport import GN, TP
from tests.factories import register_certificate as certificate

EXAMPLES = Path(__file__).parents[1] / "data" / "interop"
TYPES = ("fk7804", "fk7800", "fk7801", "fk7802", "tstrk1007", "tstrk1031")
TODAY = date.today()
G, T = f"{{{GN}}}", f"{{{TP}}}"


# --- every type ---------------------------------------------------------------------------------
@pytest.mark.parametrize("cert_type", TYPES)
def test_complete_certificate_exports_valid_xml_that_imports_to_the_same_answers(
    cert_type: str,
) -> None:
    data = certificate(cert_type)
    xml = register.export(data)
    assert interop.validate(xml) == []
    back = interop.import_xml(xml)
    assert back.type == cert_type
    assert back.id == data.id
    assert back.patient["personnummer"] == "191212121212"
    assert back.issuer["hsa_id"] == "TSTNMT2321000156-DRAA"
    assert back.issuer["care_provider_id"] == "TSTNMT2321000156-ALFA"
    assert interop.answer_differences(data.content, back.content) == []


def test_export_carries_question_ids_code_systems_and_schema_types() -> None:
    root = etree.fromstring(register.export(certificate("fk7804")))
    ns = {"g": GN, "t": TP}
    intyg = root.find("{*}intyg")
    assert intyg.findtext("g:typ/t:code", namespaces=ns) == "LISJP"
    assert intyg.findtext("g:intygs-id/t:root", namespaces=ns) == "TSTNMT2321000156-ALVC"
    periods = intyg.findall("g:svar[@id='32']", namespaces=ns)
    assert [p.findtext("g:instans", namespaces=ns) for p in periods] == ["1", "2"]
    first = periods[0]
    assert first.findtext("g:delsvar[@id='32.1']/t:cv/t:codeSystem", namespaces=ns) == (
        "KV_FKMU_0003"
    )
    assert first.findtext("g:delsvar[@id='32.2']/t:datePeriod/t:start", namespaces=ns) == (
        TODAY.isoformat()
    )
    diagnosis = intyg.find("g:svar[@id='6']", namespaces=ns)
    assert diagnosis.findtext("g:delsvar[@id='6.2']/t:cv/t:code", namespaces=ns) == "M54"
    assert diagnosis.findtext("g:delsvar[@id='6.2']/t:cv/t:codeSystem", namespaces=ns) == (
        "1.2.752.116.1.1.1.1.3"
    )
    assert diagnosis.findtext("g:delsvar[@id='6.3']", namespaces=ns) == "Medelsvår depressiv episod"
    annat = [
        s
        for s in intyg.findall("g:svar[@id='1']", namespaces=ns)
        if s.findtext("g:delsvar[@id='1.1']/t:cv/t:code", namespaces=ns) == "ANNAT"
    ]
    assert annat[0].findtext("g:delsvar[@id='1.3']", namespaces=ns) == (
        "Uppgifter från fysioterapeut"
    )
    # not transported: the hours per week only help the doctor
    assert intyg.find("g:svar[@id='32']/g:delsvar[@id='32.3']", namespaces=ns) is None


def test_ts_values_travel_in_the_contracts_forms() -> None:
    ns = {"g": GN, "t": TP}
    bas = etree.fromstring(register.export(certificate("tstrk1007")))
    assert bas.findtext(".//g:delsvar[@id='8.2']", namespaces=ns) == "0.9"  # decimal, not "0,9"
    assert bas.findtext(".//g:delsvar[@id='18.1']/t:cv/t:code", namespaces=ns) == "E11"
    assert bas.findtext(".//g:delsvar[@id='19.1']", namespaces=ns) == "true"  # kost
    diabetes = etree.fromstring(register.export(certificate("tstrk1031")))
    year = diabetes.find(".//g:delsvar[@id='35.1']/t:partialDate", namespaces=ns)
    assert year.findtext("t:format", namespaces=ns) == "YYYY"
    assert year.findtext("t:value", namespaces=ns) == str(TODAY.year - 12)


def test_relation_travels_and_returns() -> None:
    data = certificate("fk7804")
    data.relation = ("REPLACE", "1b9d3bd4-0000-4000-8000-000000000001")
    xml = register.export(data)
    assert interop.validate(xml) == []
    root = etree.fromstring(xml)
    assert root.findtext(f".//{G}relation/{G}typ/{T}code") == "ERSATT"
    assert interop.import_xml(xml).relation == data.relation


def test_hidden_answers_are_not_sent() -> None:
    # "Nuvarande arbete" without that sysselsättning ticked is hidden in the editor: not sent
    data = certificate("fk7804", sysselsattning=["STUDIER"])
    xml = register.export(data)
    assert interop.validate(xml) == []
    assert "nuvarande_arbete" not in interop.import_xml(xml).content


# --- the two official examples --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["FK7804-lisjp-v1.xml", "TSTRK1031-v4.xml"])
def test_official_examples_validate_and_round_trip(name: str) -> None:
    data = (EXAMPLES / name).read_bytes()
    assert interop.validate(data) == []
    assert interop.roundtrip(data) == []


def test_official_fk7804_example_imports_its_answers() -> None:
    data = interop.import_xml((EXAMPLES / "FK7804-lisjp-v1.xml").read_bytes())
    assert data.type == "fk7804"
    assert data.content["sysselsattning"] == ["NUVARANDE_ARBETE", "STUDIER"]
    assert data.content["grund_for_mu"] == {"TELEFONKONTAKT": "2015-12-08", "ANNAT": "2015-12-07"}
    assert data.content["grund_for_mu_annat"] == "Barndomsvän"
    assert data.content["sjukskrivningar"]["HALFTEN"] == {"from": "2015-12-12", "to": "2015-12-14"}
    assert data.content["diagnoser"] == [
        {"code": "S47", "text": "Klämskada skuldra", "system": "ICD_10_SE"}
    ]
    assert data.issuer["name"] == "Karl Karlsson"


# --- refusals from FK's and TS's rules ------------------------------------------------------------
class Message:
    """A valid exported message to break in one place."""

    def __init__(self, cert_type: str, **content: object) -> None:
        self.root = etree.fromstring(register.export(certificate(cert_type, **content)))
        self.intyg = self.root.find("{*}intyg")

    def svar(self, sid: str, instans: int = 1) -> etree._Element:
        found = [s for s in self.intyg.iterfind(f"{G}svar") if s.get("id") == sid]
        return found[instans - 1]

    def delsvar(self, did: str, instans: int = 1) -> etree._Element:
        sid = did.split(".")[0]
        return next(
            d for d in self.svar(sid, instans).iterfind(f"{G}delsvar") if d.get("id") == did
        )

    def drop_svar(self, sid: str) -> None:
        for s in [s for s in self.intyg.iterfind(f"{G}svar") if s.get("id") == sid]:
            self.intyg.remove(s)

    def drop_delsvar(self, did: str, instans: int = 1) -> None:
        d = self.delsvar(did, instans)
        d.getparent().remove(d)

    def code(self, did: str, code: str, instans: int = 1) -> None:
        self.delsvar(did, instans).find(f"{T}cv/{T}code").text = code

    def text(self, did: str, text: str, instans: int = 1) -> None:
        self.delsvar(did, instans).text = text

    def partial(self, did: str, value: str) -> None:
        self.delsvar(did).find(f"{T}partialDate/{T}value").text = value

    def copy_svar(self, sid: str, instans: int, code_did: str, code: str) -> None:
        clone = etree.fromstring(etree.tostring(self.svar(sid)))
        clone.find(f"{G}instans").text = str(instans)
        for d in clone.iterfind(f"{G}delsvar"):
            if d.get("id") == code_did:
                d.find(f"{T}cv/{T}code").text = code
        self.svar(sid).addprevious(clone)

    def add_delsvar(self, sid: str, did: str, text: str) -> None:
        d = etree.SubElement(self.svar(sid), f"{G}delsvar", id=did)
        d.text = text

    def bytes(self) -> bytes:
        return etree.tostring(self.root)


def _period(m: Message, instans: int, start: date, end: date) -> None:
    period = m.delsvar("32.2", instans).find(f"{T}datePeriod")
    period.find(f"{T}start").text = start.isoformat()
    period.find(f"{T}end").text = end.isoformat()


def _cv_diagnosis(m: Message, did: str, code: str, text_id: str, text: str) -> None:
    d = etree.SubElement(m.svar("6"), f"{G}delsvar", id=did)
    cv = etree.SubElement(d, f"{T}cv")
    etree.SubElement(cv, f"{T}code").text = code
    etree.SubElement(cv, f"{T}codeSystem").text = "1.2.752.116.1.1.1.1.3"
    m.add_delsvar("6", text_id, text)


Scenario = tuple[str, str, Callable[[Message], None], str]
D = TODAY

SCENARIOS: list[Scenario] = [
    # FK7804 (lisjp.v1)
    ("fk7804", "no diagnosis", lambda m: m.drop_svar("6"), "Ett 'MU' måste ha en 'Typ av diagnos'"),
    (
        "fk7804",
        "unknown sysselsättning code",
        lambda m: m.code("28.1", "PENSIONAR"),
        "'Typ av sysselsättning' kan ha ett av värdena",
    ),
    (
        "fk7804",
        "overlapping periods",
        lambda m: _period(m, 2, D + timedelta(days=5), D + timedelta(days=20)),
        "Två 'perioder' kan inte vara överlappande.",
    ),
    (
        "fk7804",
        "period ending before it starts",
        lambda m: _period(m, 2, D + timedelta(days=30), D + timedelta(days=20)),
        "'from' måste vara mindre än eller lika med 'to'",
    ),
    (
        "fk7804",
        "five periods",
        lambda m: [
            m.copy_svar("32", n, "32.1", c)
            for n, c in ((3, "EN_FJARDEDEL"), (4, "TRE_FJARDEDEL"), (5, "EN_FJARDEDEL"))
        ],
        "Ett 'MU' måste ha mellan 1 och 4 'Behov av sjukskrivning'",
    ),
    (
        "fk7804",
        "too many diagnoses",
        lambda m: (
            _cv_diagnosis(m, "6.6", "J20", "6.5", "Bronkit")
            or _cv_diagnosis(m, "6.8", "J21", "6.7", "Bronkiolit")
        ),
        'Oväntat delsvars-id i delsvar till svar "6"',
    ),
    (
        "fk7804",
        "'Inte aktuellt' with another åtgärd",
        lambda m: m.code("40.1", "EJ_AKTUELLT", instans=2),
        "'Inte aktuellt' kan inte kombineras med andra svar",
    ),
    (
        "fk7804",
        "nuvarande arbete missing",
        lambda m: m.drop_svar("29"),
        "Om 'Typ av sysselsättning' besvarats med 1, måste 'Nuvarande arbete' besvaras",
    ),
    (
        "fk7804",
        "F code with three positions",
        lambda m: m.code("6.4", "F32"),
        "minst fyra positioner måste anges",
    ),
    (
        "fk7804",
        "återgång inom without ATER_X_ANTAL_DGR",
        lambda m: m.code("39.1", "PROGNOS_OKLAR"),
        "Om 'Beskrivning prognos' inte är ATER_X_ANTAL_DGR så får",
    ),
    (
        "fk7804",
        "arbetstidsförläggning missing for a partial period",
        lambda m: m.drop_svar("33"),
        "så måste 'Arbetstidsförläggning' anges",
    ),
    # FK7800 (luse.v1)
    (
        "fk7800",
        "no sjukdomsförlopp",
        lambda m: m.drop_svar("5"),
        "Ett 'MU' måste ha ett 'Sjukdomsförlopp för aktuella sjukdomar av betydelse'",
    ),
    (
        "fk7800",
        "underlag given although 'no underlag'",
        lambda m: m.text("3.1", "false"),
        "Om 'Finns andra underlag?' besvarats med falskt får",
    ),
    (
        "fk7800",
        "unknown underlag code",
        lambda m: m.code("4.1", "TANDLAKARE"),
        "'Utredning eller underlagstyp?' kan ha ett av värdena",
    ),
    (
        "fk7800",
        "kännedom after the examination",
        lambda m: m.text("2.1", (D + timedelta(days=1)).isoformat()),
        "'Kännedom om patienten' får inte vara senare än datum för",
    ),
    (
        "fk7800",
        "no funktionsnedsättning",
        lambda m: m.drop_svar("8") or m.drop_svar("10"),
        "Ett 'MU' måste ha minst ett 'Funktionsnedsättning'",
    ),
    (
        "fk7800",
        "new diagnosis text although 'no'",
        lambda m: m.text("45.1", "false"),
        "'Diagnos för ny uppdatering' får inte fyllas i",
    ),
    (
        "fk7800",
        "'annat' without its text",
        lambda m: m.drop_delsvar("1.3", instans=3),
        "så måste 'Vilken annan grund finns för MU' anges",
    ),
    (
        "fk7800",
        "unknown diagnosis code system",
        lambda m: m.delsvar("6.2").find(f"{T}cv/{T}codeSystem").__setattr__("text", "1.2.3"),
        "Diagnoskodsystem måste vara OID för ICD-10-SE eller KSH97-P.",
    ),
    # FK7801 (luae_na.v1)
    (
        "fk7801",
        "no aktivitetsbegränsning",
        lambda m: m.drop_svar("17"),
        "Ett 'MU' måste ha ett 'Aktivitetsbegränsningar'",
    ),
    (
        "fk7801",
        "'underlag' announced but none given",
        lambda m: m.drop_svar("4"),
        "Om 'Finns andra underlag?' besvarats med sant måste minst en",
    ),
    (
        "fk7801",
        "same grund för MU twice",
        lambda m: m.code("1.1", "UNDERSOKNING", instans=2),
        "Samma 'Typ av grund för MU' kan inte användas flera gånger i samma 'MU'.",
    ),
    (
        "fk7801",
        "diagnosis code too long",
        lambda m: m.code("6.2", "F8400X"),
        "Diagnoskod får inte vara längre än 5 tecken.",
    ),
    (
        "fk7801",
        "new diagnosis text although 'no'",
        lambda m: m.text("45.1", "false"),
        "'Diagnos för ny uppdatering' får inte fyllas i",
    ),
    (
        "fk7801",
        "no funktionsnedsättning",
        lambda m: m.drop_svar("8") or m.drop_svar("10"),
        "Ett 'MU' måste ha minst ett 'Funktionsnedsättning'",
    ),
    # FK7802 (luae_fs.v1)
    (
        "fk7802",
        "no debut of the funktionsnedsättning",
        lambda m: m.drop_svar("15"),
        "Ett 'MU' måste ha ett 'Funktionsnedsättningens debut, utveckling och visar sig nu'",
    ),
    (
        "fk7802",
        "no effect on schooling",
        lambda m: m.drop_svar("16"),
        "Ett 'MU' måste ha ett 'Funktionsnedsättningens påverkan på skolgången?'",
    ),
    (
        "fk7802",
        "'underlag' announced but none given",
        lambda m: m.drop_svar("4"),
        "Om 'Finns andra underlag?' besvarats med sant måste minst en",
    ),
    (
        "fk7802",
        "kännedom after the examination",
        lambda m: m.text("2.1", (D + timedelta(days=1)).isoformat()),
        "'Kännedom om patienten' får inte vara senare än datum för",
    ),
    (
        "fk7802",
        "företagshälsovård is not an underlag of this form",
        lambda m: m.code("4.1", "FORETAGSHALSOVARD"),
        "'Utredning eller underlagstyp?' kan ha ett av värdena",
    ),
    (
        "fk7802",
        "no diagnosis",
        lambda m: m.drop_svar("6"),
        "Ett 'MU' måste ha en 'Typ av diagnos'",
    ),
    # TSTRK1007 (tstrk1007.v7)
    (
        "tstrk1007",
        "diabetes without its type",
        lambda m: m.drop_svar("18") or m.drop_svar("19"),
        "Om 'Har diabetes (Delsvar 17.1)' besvarats med 'Ja' är 'Typ av diabetes",
    ),
    (
        "tstrk1007",
        "type 2 diabetes without treatment",
        lambda m: m.drop_svar("19"),
        "ska 'Behandling för diabetes (Svar 19)' vara obligatorisk att besvara.",
    ),
    (
        "tstrk1007",
        "impairment without its kind",
        lambda m: m.drop_delsvar("12.2"),
        "Typ av sjukdom eller funkti",
    ),
    (
        "tstrk1007",
        "acuity sent separately and given",
        lambda m: m.svar("8").insert(0, _boolean("8.1", "true")),
        "Om rutan ”Uppgifter om synskärpa skickas separat” fylls i",
    ),
    (
        "tstrk1007",
        "acuity above 2,0",
        lambda m: m.text("8.2", "2.5"),
        "Decimal-värde får inte vara över 2.0",
    ),
    (
        "tstrk1007",
        "unknown behörighet",
        lambda m: m.code("1.1", "IAV11"),
        "'Intyget avser behörighet' kan ha ett av värdena",
    ),
    (
        "tstrk1007",
        "no dubbelseende",
        lambda m: m.drop_svar("6"),
        "Ett intyg måste ha ett Dubbelseende (Svar)",
    ),
    (
        "tstrk1007",
        "hospital stay time over 40 characters",
        lambda m: m.text("30.2", "x" * 41),
        "'Tidpunkt för vård på sjukhus eller kontakt med läkare' får inte överskrida 40 tecken.",
    ),
    # TSTRK1031 (tstrk1031.v4)
    (
        "tstrk1031",
        "'kan inte ta ställning' with another",
        lambda m: m.copy_svar("33", 2, "33.1", "VAR11"),
        'besvaras med "kan inte ta ställning" får inga andra svar',
    ),
    (
        "tstrk1031",
        "start of medication in the future",
        lambda m: m.partial("210.1", (D + timedelta(days=3)).isoformat()),
        "Datum som anges i delfråga 'DFR 210.1' får inte vara senare än dagens datum.",
    ),
    (
        "tstrk1031",
        "hypoglycaemia before birth",
        lambda m: m.partial("106.2", "1900-01-01"),
        "Datum i delsvar delfråga 'DFR 106.2' måste vara ett datum som inte är tidigare än",
    ),
    (
        "tstrk1031",
        "diagnosis year in the future",
        lambda m: m.partial("35.1", str(D.year + 1)),
        "måste vara innevarande år eller tidigare",
    ),
    (
        "tstrk1031",
        "behörighet not among those the certificate concerns",
        lambda m: m.code("33.1", "VAR4"),
        "Vald behörighet överensstämmer inte med vilken behörighet intyget avser.",
    ),
    (
        "tstrk1031",
        "complications without description",
        lambda m: m.drop_delsvar("206.2"),
        "Om 'Komplikationer till följd av sjukdomen' (DFR 206.1) besvaras med 'Ja'",
    ),
    (
        "tstrk1031",
        "higher behörighet without blood sugar checks",
        lambda m: m.drop_svar("204"),
        "måste även 'Genomför patienten regelbundna blodsockerkon",
    ),
    (
        "tstrk1031",
        "comment over 189 characters",
        lambda m: m.text("32.1", "x" * 190),
        "'Övriga kommentarer' får inte överskrida 189 tecken.",
    ),
    (
        "tstrk1031",
        "'Annan' type without its description",
        lambda m: (
            m.drop_svar("18")
            or m.intyg.insert(m.intyg.index(m.svar("207")), _svar_with("18", "18.2", ""))
        ),
        "Sträng kan inte vara tom.",
    ),
]


def _boolean(did: str, value: str) -> etree._Element:
    el = etree.Element(f"{G}delsvar", id=did)
    el.text = value
    return el


def _svar_with(sid: str, did: str, text: str) -> etree._Element:
    svar = etree.Element(f"{G}svar", id=sid)
    svar.append(_boolean(did, text))
    return svar


@pytest.mark.parametrize(
    ("cert_type", "break_it", "expected"),
    [(t, f, e) for t, _, f, e in SCENARIOS],
    ids=[f"{t}: {what}" for t, what, _, _ in SCENARIOS],
)
def test_rule_refuses_the_broken_message(
    cert_type: str, break_it: Callable[[Message], None], expected: str
) -> None:
    message = Message(cert_type)
    assert interop.validate(message.bytes()) == []  # valid before
    break_it(message)
    problems = interop.validate(message.bytes())
    assert problems, "the broken message was accepted"
    assert all(p.stage == "schematron" for p in problems), problems
    assert any(expected in p.message for p in problems), [p.message for p in problems]


def test_scenarios_cover_every_type() -> None:
    counts = {t: sum(1 for s in SCENARIOS if s[0] == t) for t in TYPES}
    assert all(n >= 4 for n in counts.values()), counts


def test_own_rules_refuse_what_the_schematron_lets_through() -> None:
    # TS's rule accepts any decimal up to 2.0; the editor takes at most two decimals
    message = Message("tstrk1007")
    message.text("8.2", "0.125")
    problems = interop.validate(message.bytes())
    assert {p.stage for p in problems} == {"regler"}
    assert "Ange synskärpa som ett tal mellan 0,0 och 2,0." in [p.message for p in problems]
    assert all("8.2" in p.location for p in problems)


# --- the command line -----------------------------------------------------------------------------
def test_validate_command_prints_ok_and_fel_and_exits_accordingly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = EXAMPLES / "FK7804-lisjp-v1.xml"
    broken = Message("fk7804")
    broken.drop_svar("6")
    bad = tmp_path / "bad.xml"
    bad.write_bytes(broken.bytes())
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out == f"OK {good}\n"
    assert main(["validate", str(good), str(bad)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"OK {good}"
    assert lines[1].startswith(f"FEL {bad}: schematron: Ett 'MU' måste ha en 'Typ av diagnos'")


def test_roundtrip_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(EXAMPLES / "FK7804-lisjp-v1.xml"), str(EXAMPLES / "TSTRK1031-v4.xml")]
    assert main(["roundtrip", *files]) == 0
    assert capsys.readouterr().out.splitlines() == [f"OK {f}" for f in files]
    junk = tmp_path / "junk.xml"
    junk.write_text("<not-xml")
    assert main(["roundtrip", str(junk)]) == 1
    assert capsys.readouterr().out.startswith(f"FEL {junk}: XML: ")


@pytest.mark.parametrize("cert_type", TYPES)
def test_the_editor_never_accepts_a_text_longer_than_the_recipient_takes(cert_type: str) -> None:
    """Every "får inte överskrida N tecken" of FK's/TS's schematron is the editor's limit too."""
    import re

    from services.interop.transport import ids, spec_for
    from services.interop.validation import SCHEMAS

    sch = etree.parse(str(SCHEMAS / "schematron" / spec_for(cert_type).schematron))
    q = "{http://purl.oclc.org/dsdl/schematron}"
    limits = {}
    for rule in sch.iter(q + "rule"):
        context = re.fullmatch(r"//gn:delsvar\[@id='([0-9.]+)'\]", rule.get("context") or "")
        for check in rule.iter(q + "assert"):
            limit = re.fullmatch(
                r"string-length\(normalize-space\(text\(\)\)\) le (\d+)", check.get("test")
            )
            if context and limit:
                limits[context.group(1)] = int(limit.group(1))
    checked = 0
    for question in get_definition(cert_type).questions():
        delsvar = ids(question)[1]
        if delsvar in limits:
            assert question.max_length is not None
            assert question.max_length <= limits[delsvar], (question.id, limits[delsvar])
            checked += 1
    assert checked == len(limits)  # every limit belongs to a question of the editor


@pytest.mark.parametrize("cert_type", TYPES)
def test_python_fast_paths_agree_with_xpath_2(cert_type: str) -> None:
    """The assertions answered in Python give what elementpath's XPath 2.0 gives, on a valid
    message and on broken ones (every refusal scenario of the type)."""
    from elementpath import XPathContext

    from services.interop import schematron as sch
    from services.interop.validation import parse, schematron_for

    schema = schematron_for(cert_type)
    documents = [register.export(certificate(cert_type))]
    for t, _, break_it, _ in SCENARIOS:
        if t == cert_type:
            m = Message(t)
            break_it(m)
            documents.append(m.bytes())
    compared = 0
    for xml in documents:
        doc = sch._Doc(parse(xml), schema.namespaces)
        global_vars = schema._bind(schema.lets, doc, {})
        for pattern in schema.patterns:
            pattern_vars = schema._bind(pattern.lets, doc, global_vars)
            for rule in pattern.rules:
                for node in rule.select(doc):
                    variables = dict(pattern_vars)
                    for name, token in rule.lets:
                        variables[name] = token.evaluate(
                            XPathContext(doc.root, item=node, variables=variables)
                        )
                    for check in rule.asserts:
                        if check.fast is None:
                            continue
                        context = XPathContext(doc.root, item=node, variables=variables)
                        try:
                            expected = check.token.boolean_value(check.token.evaluate(context))
                        except Exception:  # noqa: BLE001 - an XPath error counts as false
                            expected = False
                        assert check.fast(node.elem) == expected, check.test
                        compared += 1
    assert compared > 100
