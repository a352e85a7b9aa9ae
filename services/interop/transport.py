"""How each certificate type travels in RegisterCertificate v3: type codes, code systems, ids.

The question ids of the transport (``svar``/``delsvar``) are the form's own numbers, which every
question already carries as ``ref``: a question "12" is ``svar 12 / delsvar 12.1``, a part "12.2"
is ``delsvar 12.2`` of ``svar 12``. What the numbers do not say — code systems, codes that differ
between the editor and the transport, answers that repeat as instances, partial dates — is
declared here per type, read from FK's and TS's published contracts (the schematron files in
``schemas/schematron`` and Webcert's converters in sklintyg/common; nothing copied).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from services.certificates import get_definition
from services.certificates.base import CertificateDefinition, FieldKind, Question

# namespaces
RG = "urn:riv:clinicalprocess:healthcond:certificate:RegisterCertificateResponder:3"
GN = "urn:riv:clinicalprocess:healthcond:certificate:3"
TP = "urn:riv:clinicalprocess:healthcond:certificate:types:3"
M32 = "urn:riv:clinicalprocess:healthcond:certificate:3.2"
DS = "http://www.w3.org/2000/09/xmldsig#"

# code systems and OIDs
KV_INTYGSTYP = "b64ea353-e8f6-4832-b563-fc7d46f29548"  # FK's types
KV_UTLATANDETYP_TS = "f6fb361a-e31d-48b8-8657-99b63912dd9b"  # TS's types
KV_RELATION = "c2362fcd-eda0-4f9a-bd13-b3bbaf7f2146"
ICD_10_SE = "1.2.752.116.1.1.1.1.3"
KSH_97_P = "1.2.752.116.1.3.1.4.1"
DIAGNOSIS_SYSTEMS = {"ICD_10_SE": ICD_10_SE, "KSH_97_P": KSH_97_P}
PERSONNUMMER_OID = "1.2.752.129.2.1.3.1"
SAMORDNINGSNUMMER_OID = "1.2.752.129.2.1.3.3"
HSA_OID = "1.2.752.129.2.1.4.1"
ARBETSPLATSKOD_OID = "1.2.752.29.4.71"
KV_INTYGET_AVSER = "24c41b8d-258a-46bf-a08a-b90738b28770"
KV_KORKORTSBEHORIGHET = "e889fa20-1dee-4f79-8b37-03853e75a9f8"
KV_ID_KONTROLL = "e7cc8f30-a353-4c42-b17a-a189b6876647"
KV_VARDNIVA = "1.2.752.129.5.1.28"

# RelationKind (ours) <-> KV_RELATION (the transport's)
RELATION_CODES = {"REPLACE": "ERSATT", "RENEW": "FRLANG", "COMPLEMENT": "KOMPLT", "COPY": "KOPIA"}
RELATION_KINDS = {v: k for k, v in RELATION_CODES.items()}


@dataclass(frozen=True)
class TypeSpec:
    """The transport facts of one type."""

    type: str  # ours: "fk7804"
    code: str  # the transport's: "LISJP"
    code_system: str
    display_name: str
    schematron: str  # file under schemas/schematron
    # question id -> code system of its codes (RADIO, CHECKBOXES, DATE_CHECKBOXES, SICK_LEAVE)
    code_systems: dict[str, str] = field(default_factory=dict)
    # question id -> {our code: transport code} where they differ
    code_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    # RADIO answers sent without a cv (the code is implied by a text): question id -> codes
    codes_without_cv: dict[str, frozenset[str]] = field(default_factory=dict)
    # CHECKBOXES sent as one boolean delsvar per code: question id -> {code: delsvar id}
    flag_checkboxes: dict[str, dict[str, str]] = field(default_factory=dict)
    # a text that travels inside one instance of a DATE_CHECKBOXES answer:
    # question id -> (DATE_CHECKBOXES question id, code, delsvar id)
    attached: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    # rows of one repeating answer (LU underlag 4): svar id -> [(question ids of row n)]
    rows: dict[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    partial_dates: frozenset[str] = frozenset()  # DATE answers sent as partialDate YYYY-MM-DD
    partial_years: frozenset[str] = frozenset()  # NUMBER answers sent as partialDate YYYY
    decimals: frozenset[str] = frozenset()  # TEXT answers sent as decimals ("0,8" -> "0.8")
    # answers the editor keeps that the transport has no place for
    not_transported: frozenset[str] = frozenset()

    @property
    def definition(self) -> CertificateDefinition:
        return get_definition(self.type)


FK_COMMON = {
    "grund_for_mu": "KV_FKMU_0001",
    "sysselsattning": "KV_FKMU_0002",
    "sjukskrivningar": "KV_FKMU_0003",
    "atgarder": "KV_FKMU_0004",
    "prognos": "KV_FKMU_0006",
    "prognos_dagar_till_arbete": "KV_FKMU_0007",
    **{f"underlag_{n}_typ": "KV_FKMU_0005" for n in (1, 2, 3)},
}
LU_ROWS = {
    "4": tuple(
        (f"underlag_{n}_typ", f"underlag_{n}_datum", f"underlag_{n}_hamtas_fran") for n in (1, 2, 3)
    )
}
FK_ATTACHED = {"grund_for_mu_annat": ("grund_for_mu", "ANNAT", "1.3")}


def _fk(type_: str, code: str, display_name: str, schematron: str, **facts: Any) -> TypeSpec:
    """An FK type: FK's type codes, the common FK code systems and grund_for_mu's "Annat" text."""
    return TypeSpec(
        type=type_,
        code=code,
        code_system=KV_INTYGSTYP,
        display_name=display_name,
        schematron=schematron,
        code_systems=FK_COMMON,
        attached=FK_ATTACHED,
        **facts,
    )


def _ts(type_: str, display_name: str, schematron: str, **facts: Any) -> TypeSpec:
    """A TS type: its code is its name in upper case, from TS's list of types."""
    return TypeSpec(
        type=type_,
        code=type_.upper(),
        code_system=KV_UTLATANDETYP_TS,
        display_name=display_name,
        schematron=schematron,
        **facts,
    )


SPECS: dict[str, TypeSpec] = {
    spec.type: spec
    for spec in (
        _fk(
            "fk7804",
            "LISJP",
            "Läkarintyg för sjukpenning",
            "lisjp.v1.sch",
            # "Patienten arbetar i snitt ... timmar/vecka" only helps the doctor compute hours;
            # the chosen ICF categories are part of the texts the doctor writes.
            not_transported=frozenset(
                {
                    "arbetstid_timmar_per_vecka",
                    "funktionsnedsattning_icf",
                    "aktivitetsbegransning_icf",
                }
            ),
        ),
        _fk("fk7800", "LUSE", "Läkarutlåtande för sjukersättning", "luse.v1.sch", rows=LU_ROWS),
        _fk(
            "fk7801",
            "LUAE_NA",
            "Läkarutlåtande för aktivitetsersättning vid nedsatt arbetsförmåga",
            "luae_na.v1.sch",
            rows=LU_ROWS,
        ),
        _fk(
            "fk7802",
            "LUAE_FS",
            "Läkarutlåtande för aktivitetsersättning vid förlängd skolgång",
            "luae_fs.v1.sch",
            rows=LU_ROWS,
        ),
        _ts(
            "tstrk1007",
            "Transportstyrelsens läkarintyg högre körkortsbehörighet",
            "tstrk1007.v7.sch",
            code_systems={
                "intyget_avser": KV_INTYGET_AVSER,
                "identitet": KV_ID_KONTROLL,
                "diabetes_typ": ICD_10_SE,
                "bedomning_behorigheter": KV_KORKORTSBEHORIGHET,
            },
            code_maps={"diabetes_typ": {"DIABETES_TYP_1": "E10", "DIABETES_TYP_2": "E11"}},
            flag_checkboxes={
                "diabetes_behandling": {"KOST": "19.1", "TABLETTER": "19.2", "INSULIN": "19.3"}
            },
            decimals=frozenset(
                f"synskarpa_{eye}_{correction}"
                for eye in ("hoger", "vanster", "binokulart")
                for correction in ("utan", "med")
            ),
        ),
        _ts(
            "tstrk1031",
            "Transportstyrelsens läkarintyg, diabetes",
            "tstrk1031.v4.sch",
            code_systems={
                "intyget_avser": KV_KORKORTSBEHORIGHET,
                "identitet": KV_ID_KONTROLL,
                "vardniva": KV_VARDNIVA,
                "diabetes_typ": ICD_10_SE,
                "bedomning_behorigheter": KV_KORKORTSBEHORIGHET,
            },
            codes_without_cv={"diabetes_typ": frozenset({"ANNAN"})},
            flag_checkboxes={
                "behandling": {"INSULIN": "209.1", "TABLETTER": "209.2", "ANNAN": "209.3"}
            },
            partial_dates=frozenset(
                {
                    "medicinering_startdatum",
                    "aterkommande_allvarlig_senast",
                    "aterkommande_vaken_senast",
                    "allvarlig_senaste_aret_senast",
                }
            ),
            partial_years=frozenset({"diagnos_ar"}),
        ),
    )
}

# the transport's type code -> our type
TYPES_BY_CODE = {spec.code: spec.type for spec in SPECS.values()}
DISPLAY_CODE_NAMES = {"E10": "Diabetes mellitus typ 1", "E11": "Diabetes mellitus typ 2"}


def spec_for(cert_type: str) -> TypeSpec:
    """The transport facts of ``cert_type`` ("fk7804"); KeyError for a type that is not sent."""
    return SPECS[str(cert_type).lower()]


def ids(question: Question) -> tuple[str, str]:
    """(svar id, delsvar id) of a question: "12" -> ("12", "12.1"), "12.2" -> ("12", "12.2")."""
    ref = question.ref
    if "." in ref:
        return ref.split(".", 1)[0], ref
    return ref, f"{ref}.1"


@cache
def question_index(cert_type: str) -> dict[str, Question]:
    return {q.id: q for q in get_definition(cert_type).questions()}


def instanced(question: Question) -> bool:
    """Answers that repeat as several ``svar`` with an ``instans``."""
    return question.kind in (
        FieldKind.CHECKBOXES,
        FieldKind.DATE_CHECKBOXES,
        FieldKind.SICK_LEAVE,
    )
