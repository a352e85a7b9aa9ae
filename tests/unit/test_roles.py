"""Role derivation: manual section 2 (table 1 läkare, 2.2 tandläkare, 2.3 vårdadministratör)."""

from __future__ import annotations

import pytest

from services.hsa import Role, derive_role, user_from_json

VOB = "Vård och behandling"

# (case, licences, befattningskoder, gruppförskrivarkod, commission purposes, expected)
# Expectations are written from the manual's text, not from the implementation.
CASES = [
    # --- Table 1: every route to läkare -----------------------------------------------------
    ("legitimerad läkare", ["Läkare"], [], None, [VOB], Role.LAKARE),
    ("AT-läkare 204010", [], ["204010"], None, [VOB], Role.LAKARE),
    ("204010 needs no gruppförskrivarkod", [], ["204010"], "1234567", [VOB], Role.LAKARE),
    ("EU/ESS/Schweiz 203090+9300005", [], ["203090"], "9300005", [VOB], Role.LAKARE),
    ("outside EU 203090+9400003", [], ["203090"], "9400003", [VOB], Role.LAKARE),
    ("vikarierande examinerad 204090+9100009", [], ["204090"], "9100009", [VOB], Role.LAKARE),
    ("med. student vikariat 204090+9200007", [], ["204090"], "9200007", [VOB], Role.LAKARE),
    ("one of several befattningskoder", [], ["101010", "204010"], None, [VOB], Role.LAKARE),
    ("gruppförskrivarkod given as a list", [], ["204090"], ["1", "9200007"], [VOB], Role.LAKARE),
    # --- Table 1 negatives: the combination must be exactly one of the listed pairs ---------
    ("203090 alone", [], ["203090"], None, [VOB], Role.VARDADMINISTRATOR),
    ("204090 alone", [], ["204090"], None, [VOB], Role.VARDADMINISTRATOR),
    ("203090 with 204090's code 9100009", [], ["203090"], "9100009", [VOB], Role.VARDADMINISTRATOR),
    ("203090 with 204090's code 9200007", [], ["203090"], "9200007", [VOB], Role.VARDADMINISTRATOR),
    ("204090 with 203090's code 9300005", [], ["204090"], "9300005", [VOB], Role.VARDADMINISTRATOR),
    ("204090 with 203090's code 9400003", [], ["204090"], "9400003", [VOB], Role.VARDADMINISTRATOR),
    ("group code without befattningskod", [], [], "9300005", [VOB], Role.VARDADMINISTRATOR),
    ("other doctor code 203020 (BT)", [], ["203020"], None, [VOB], Role.VARDADMINISTRATOR),
    ("Överläkare code 201010 not in table", [], ["201010"], None, [VOB], Role.VARDADMINISTRATOR),
    ("sjuksköterska licence", ["Sjuksköterska"], [], None, [VOB], Role.VARDADMINISTRATOR),
    # --- 2.2 tandläkare ---------------------------------------------------------------------
    ("legitimerad tandläkare", ["Tandläkare"], [], None, [VOB], Role.TANDLAKARE),
    ("läkare and tandläkare: läkare", ["Tandläkare", "Läkare"], [], None, [VOB], Role.LAKARE),
    ("tandläkare with 204010: läkare", ["Tandläkare"], ["204010"], None, [VOB], Role.LAKARE),
    # --- 2.3 vårdadministratör --------------------------------------------------------------
    ("nothing but the commission", [], [], None, [VOB], Role.VARDADMINISTRATOR),
    ("commission with several purposes", [], [], None, ["STATISTIK", VOB], Role.VARDADMINISTRATOR),
    # --- Section 2: no "Vård och behandling" commission = no access -------------------------
    ("läkare without any commission", ["Läkare"], [], None, [], None),
    ("läkare with only STATISTIK", ["Läkare"], [], None, ["STATISTIK"], None),
    ("204010 with only Admin", [], ["204010"], None, ["Admin"], None),
    ("tandläkare with no purpose", ["Tandläkare"], [], None, [], None),
    ("no licence, no commission", [], [], None, [], None),
]


@pytest.mark.parametrize(
    ("licences", "codes", "group", "purposes", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_derive_role(licences, codes, group, purposes, expected):
    role = derive_role(
        legitimerade_yrkesgrupper=licences,
        befattningskoder=codes,
        gruppforskrivarkod=group,
        commission_purposes=purposes,
    )
    assert role is expected


def test_role_values_and_swedish_labels():
    assert [(r.value, r.label) for r in Role] == [
        ("LAKARE", "Läkare"),
        ("TANDLAKARE", "Tandläkare"),
        ("VARDADMINISTRATOR", "Vårdadministratör"),
    ]


def _person(**overrides):
    unit = {"id": "U1", "name": "Enhet 1", "care_provider_id": "VG", "care_provider_name": "VG"}
    other = {"id": "U2", "name": "Enhet 2"}
    data = {
        "hsa_id": "H1",
        "first_name": "Test",
        "last_name": "Testsson",
        "legitimerade_yrkesgrupper": ["Läkare"],
        "commissions": [
            {"unit_id": "U1", "purposes": [VOB], "unit": unit},
            {"unit_id": "U2", "purposes": ["STATISTIK"], "unit": other},
            {"unit_id": "U3", "purposes": [VOB], "unit": None},  # unit unknown to HSA
        ],
    }
    data.update(overrides)
    return data


def test_user_units_are_only_care_commissions_on_known_units():
    user = user_from_json(_person())
    assert user.role is Role.LAKARE
    assert [u.hsa_id for u in user.units] == ["U1"]
    assert user.unit("U1") is not None and user.unit("U2") is None
    assert user.full_name == "Test Testsson"


def test_role_from_the_wire_is_ignored():
    user = user_from_json(_person(legitimerade_yrkesgrupper=[], role="LAKARE"))
    assert user.role is Role.VARDADMINISTRATOR


def test_user_with_only_statistics_commission_has_no_role_and_no_units():
    user = user_from_json(
        _person(commissions=[{"unit_id": "U2", "purposes": ["STATISTIK"], "unit": {"id": "U2"}}])
    )
    assert user.role is None
    assert user.units == ()
