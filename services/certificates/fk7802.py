"""FK7802 Läkarutlåtande för aktivitetsersättning vid förlängd skolgång (FK, LUAE_FS).

Labels and code texts are Försäkringskassan's, from ``texterMU_LUAE_FS_v1.1.xml`` (see
SOURCES.md); help texts are our own. Grund för MU, diagnoses, övrigt and kontakt are the LU forms'
(:mod:`services.certificates.lu`). Mandatory: grund för MU (1, "annat" with text), kännedom (2),
underlag (3, and 4 when yes), diagnoses (6) and both questions on the funktionsnedsättning
(15: debut and development, 16: effect on schooling).
"""

from __future__ import annotations

from services.certificates.base import ALWAYS, CertificateDefinition, Recipient, Section
from services.certificates.common import fk_kontakt_section, fk_text_question
from services.certificates.lu import diagnos_question, grund_section, lu_validators, ovrigt_section
from services.roles import Role

TEXT_VERSION = "1.1"
TEXT_SOURCE = "texterMU_LUAE_FS_v1.1.xml"

# Labels and code texts, copied as data from texterMU_LUAE_FS_v1.1.xml (version 1.1).
_T: dict[str, str] = {
    "DFR_1.3.RBK": "Ange vad annat är:",
    "DFR_26.1.RBK": "Jag önskar att Försäkringskassan kontaktar mig",
    "DFR_26.2.RBK": "Ange gärna varför du vill ha kontakt",
    "DFR_4.3.RBK": (
        "Från vilken vårdgivare kan Försäkringskassan hämta information om utredningen/underlaget?"
    ),
    "DFR_6.2.RBK": "Diagnoskod enligt ICD-10 SE",
    "FRG_1.RBK": "Utlåtandet är baserat på",
    "FRG_15.RBK": (
        "Beskriv när och hur patientens funktionsnedsättning debuterat, utvecklats och "
        "visar sig för närvarande"
    ),
    "FRG_16.RBK": (
        "Beskriv på vilket sätt funktionsnedsättningen påverkar eller har påverkat "
        "patientens förmåga att klara sin skolgång"
    ),
    "FRG_2.RBK": "Jag har känt patienten sedan den",
    "FRG_25.RBK": "Övriga upplysningar",
    "FRG_26.RBK": "Kontakt med Försäkringskassan",
    "FRG_3.RBK": "Är utlåtandet även baserat på andra medicinska utredningar eller underlag?",
    "FRG_4.RBK": "Ange utredning eller underlag",
    "FRG_6.RBK": "Diagnos/diagnoser för sjukdom som orsakar eller har orsakat funktionsnedsättning",
    "KAT_1.RBK": "Grund för medicinskt underlag",
    "KAT_3.RBK": "Diagnos",
    "KAT_4.RBK": "Funktionsnedsättning",
    "KAT_5.RBK": "Övrigt",
    "KAT_6.RBK": "Kontakt",
    "KV_FKMU_0001.ANHORIG.RBK": "anhörigs beskrivning av patienten",
    "KV_FKMU_0001.ANNAT.RBK": "annat",
    "KV_FKMU_0001.JOURNALUPPGIFTER.RBK": "journaluppgifter från den",
    "KV_FKMU_0001.UNDERSOKNING.RBK": "min undersökning av patienten",
    "KV_FKMU_0005.ARBETSTERAPEUT.RBK": "Underlag från arbetsterapeut",
    "KV_FKMU_0005.FYSIOTERAPEUT.RBK": "Underlag från fysioterapeut",
    "KV_FKMU_0005.HABILITERING.RBK": "Underlag från habiliteringen",
    "KV_FKMU_0005.LOGOPED.RBK": "Underlag från logoped",
    "KV_FKMU_0005.NEUROPSYKIATRISKT.RBK": "Neuropsykiatriskt utlåtande",
    "KV_FKMU_0005.OVRIGT_UTLATANDE.RBK": "Övrigt",
    "KV_FKMU_0005.PSYKOLOG.RBK": "Underlag från psykolog",
    "KV_FKMU_0005.SKOLHALSOVARD.RBK": "Underlag från skolhälsovård",
    "KV_FKMU_0005.SPECIALISTKLINIK.RBK": "Utredning av annan specialistklinik",
    "KV_FKMU_0005.VARD_UTOMLANDS.RBK": "Utredning från vårdinrättning utomlands",
}


def _build() -> CertificateDefinition:
    t = _T
    return CertificateDefinition(
        type="fk7802",
        form_id="FK7802",
        name="Läkarutlåtande för aktivitetsersättning vid förlängd skolgång",
        version=TEXT_VERSION,
        text_source=TEXT_SOURCE,
        recipient=Recipient.FK,
        roles=frozenset({Role.LAKARE, Role.VARDADMINISTRATOR}),
        description=(
            "Utlåtandet används när en ung person på grund av funktionsnedsättning behöver "
            "förlänga sin skolgång i grundskola eller gymnasium och söker aktivitetsersättning."
        ),
        sections=(
            grund_section(t),
            Section(id="diagnos", title=t["KAT_3.RBK"], questions=(diagnos_question(t),)),
            Section(
                id="funktionsnedsattning",
                title=t["KAT_4.RBK"],
                questions=(
                    fk_text_question(
                        t,
                        "funktionsnedsattning_debut",
                        "15",
                        help="När och hur nedsättningen debuterade, utvecklades och visar sig nu.",
                        mandatory=ALWAYS,
                    ),
                    fk_text_question(
                        t,
                        "funktionsnedsattning_paverkan",
                        "16",
                        help="Hur nedsättningen påverkar eller har påverkat skolgången.",
                        mandatory=ALWAYS,
                    ),
                ),
            ),
            ovrigt_section(t, "KAT_5"),
            fk_kontakt_section(t, "KAT_6"),
        ),
        validators=lu_validators(),
    )


DEFINITION = _build()

__all__ = ["DEFINITION"]
