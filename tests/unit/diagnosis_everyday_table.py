"""Everyday words a clinician or administrator types, with the codes a doctor would accept.

Written for issue 20 from medical knowledge (which ICD-10-SE category the everyday word means),
not from what the search returns. Each entry: (query, acceptable code families); a suggestion
matches when its code starts with one of the families. Shared by the unit test and
bench/bench_diagnoses.py (which prints the top-3 rate of this table).
"""

from __future__ import annotations

EVERYDAY_QUERIES: list[tuple[str, tuple[str, ...]]] = [
    # examples from the issue
    ("magkatarr", ("K29",)),
    ("lårbensbrott", ("S72",)),
    ("pollenallergi", ("J30",)),
    ("njurbäckeninflammation", ("N10", "N11", "N12")),
    ("hjärnhinneinflammation", ("G00", "G01", "G02", "G03", "A39", "A87")),
    ("axelluxation", ("S430",)),
    ("blodpropp i lungan", ("I26",)),
    ("hudcancer", ("C43", "C44")),
    ("halsmandelinflammation", ("J03", "J35")),
    ("mjölkstockning", ("O91", "O92")),
    ("livmoderhalscancer", ("C53",)),
    ("gulsot", ("R17",)),
    ("hjärtsvikt", ("I50",)),
    ("tjocktarmscancer", ("C18",)),
    # infections
    ("förkylning", ("J00",)),
    ("halsfluss", ("J02", "J03")),
    ("öroninflammation", ("H65", "H66")),
    ("bihåleinflammation", ("J01", "J32")),
    ("lunginflammation", ("J12", "J13", "J14", "J15", "J16", "J17", "J18")),
    ("blindtarmsinflammation", ("K35", "K36", "K37")),
    ("blåskatarr", ("N30",)),
    ("urinvägsinfektion", ("N390",)),
    ("vattkoppor", ("B01",)),
    ("bältros", ("B02",)),
    ("påssjuka", ("B26",)),
    ("mässling", ("B05",)),
    ("körtelfeber", ("B27",)),
    ("kikhosta", ("A37",)),
    ("fästingburen hjärninflammation", ("A84",)),
    ("rosfeber", ("A46",)),
    ("nagelsvamp", ("B351",)),
    ("fotsvamp", ("B353",)),
    ("underlivssvamp", ("B373",)),
    ("vårtor", ("B07",)),
    ("ögonkatarr", ("H10",)),
    # heart, vessels, blood
    ("högt blodtryck", ("I10",)),
    ("kärlkramp", ("I20",)),
    ("hjärtattack", ("I21",)),
    ("hjärtklappning", ("R002",)),
    ("hjärtsäcksinflammation", ("I30", "I31")),
    ("hjärtmuskelinflammation", ("I40", "I41")),
    ("stroke", ("I61", "I63", "I64")),
    ("hjärnblödning", ("I61", "I62")),
    ("åderbråck", ("I83",)),
    ("blodbrist", ("D50", "D51", "D52", "D53", "D64")),
    ("näsblod", ("R040",)),
    # digestion
    ("magsår", ("K25", "K26", "K27")),
    ("halsbränna", ("R12", "K21")),
    ("sura uppstötningar", ("K21", "R12")),
    ("gallsten", ("K80",)),
    ("gallblåseinflammation", ("K81",)),
    ("bukspottkörtelinflammation", ("K85", "K86")),
    ("tarmvred", ("K56",)),
    ("förstoppning", ("K590",)),
    ("hemorrojder", ("K64", "I84")),
    ("magcancer", ("C16",)),
    # metabolism, glands
    ("sockersjuka", ("E10", "E11", "E13", "E14")),
    ("giftstruma", ("E05",)),
    ("låg ämnesomsättning", ("E03",)),
    ("struma", ("E04", "E01", "E05")),
    # kidneys, urinary, genital
    ("njursten", ("N20",)),
    ("njursvikt", ("N17", "N18", "N19")),
    ("urinläckage", ("N393", "N394", "R32")),
    ("missfall", ("O03", "O02")),
    ("havandeskapsförgiftning", ("O14", "O11", "O15")),
    # musculoskeletal and injuries
    ("ledgångsreumatism", ("M05", "M06")),
    ("benskörhet", ("M80", "M81")),
    ("diskbråck", ("M50", "M51")),
    ("ryggskott", ("M545",)),
    ("tennisarmbåge", ("M771",)),
    ("golfarmbåge", ("M770",)),
    ("hälsporre", ("M773",)),
    ("frusen skuldra", ("M750",)),
    ("hjärnskakning", ("S060",)),
    ("stukad fotled", ("S934", "S93")),
    ("korsbandsskada", ("S835",)),
    ("hälseneruptur", ("S860",)),
    ("handledsbrott", ("S52", "S62")),
    # mind and sleep
    ("sömnlöshet", ("G470", "F510")),
    ("utbrändhet", ("F438A", "Z730")),
    ("ångest", ("F41",)),
    ("tvångstankar", ("F42",)),
    ("ätstörning", ("F50",)),
    # eyes, ears, skin
    ("grå starr", ("H25", "H26", "H28")),
    ("grön starr", ("H40",)),
    ("skelning", ("H49", "H50")),
    ("öronsus", ("H931",)),
    ("nässelutslag", ("L50",)),
    ("finnar", ("L70",)),
    # cancer, everyday forms
    ("lungcancer", ("C34",)),
    ("prostatacancer", ("C61",)),
    ("bröstcancer", ("C50",)),
    ("bukspottkörtelcancer", ("C25",)),
]

#: Queries that ask for the newborn or the pregnancy: P and O codes are wanted there.
ASKED_PERINATAL: list[tuple[str, tuple[str, ...]]] = [
    ("gulsot hos nyfödd", ("P58", "P59")),
    ("hjärtsvikt hos nyfödd", ("P290",)),
    ("graviditetsillamående", ("O21",)),
]
