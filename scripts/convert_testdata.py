"""Convert the sklintyg fake test data into the compact JSON used by the simulators.

Reads (default source: /work/shared/data):
  testdata/pu-persons/*.json          fake population register (PU-tjänsten)
  testdata/hsa-persons/*.json         fake HSA persons with commissions
  testdata/hsa-hosppersons/*.json     fake HOSP (licence register) persons
  testdata/hsa-careproviders/*.json   fake care providers / care units / sub-units
  hsa-codes/befattningskoder.csv      HSA befattningskoder (code -> plain text)

Writes (default target: simulators/data):
  pu_persons.json   patients: personnummer, names, address, sekretess, deceased
  hsa.json          care providers with units, HSA persons, befattningskod texts

The hand-written simulators/data/synthetic.json is never touched by this script.

Usage:  .venv/bin/python scripts/convert_testdata.py [--source DIR] [--target DIR] [--check]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also when run as a file
from scripts import converting

DEFAULT_TARGET = converting.PROJECT_ROOT / "simulators" / "data"

CARE_PURPOSE = "Vård och behandling"


def fix_text(value: Any) -> Any:
    """Repair UTF-8 text that was mis-decoded as Latin-1 in the source ("SÃ¶derman")."""
    if not isinstance(value, str):
        return value
    if "Ã" in value or "Â" in value:
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = fix_text(str(value)).strip()
    return text or None


def _load_json_dir(folder: Path) -> list[tuple[str, dict[str, Any]]]:
    items = []
    for path in sorted(folder.glob("*.json")):
        with path.open(encoding="utf-8") as fh:
            items.append((path.name, json.load(fh)))
    return items


# --------------------------------------------------------------------------- PU


def convert_pu_person(raw: dict[str, Any]) -> dict[str, Any]:
    """One PU person in our compact form."""
    name = raw.get("name") or {}
    address = (raw.get("addressInformation") or {}).get("residentialAddress") or {}
    lines = [_text(address.get(key)) for key in ("postalAddress1", "postalAddress2")]
    postal_code = address.get("postalCode")
    deregistration = (raw.get("deregistration") or {}).get("deregistrationReasonCode")
    return {
        "personnummer": str(raw["personalIdentity"]["extension"]),
        "first_name": _text((name.get("givenName") or {}).get("name")),
        "middle_name": _text((name.get("middleName") or {}).get("name")),
        "last_name": _text((name.get("surname") or {}).get("name")),
        "care_of": _text(address.get("careOf")),
        "address": ", ".join(line for line in lines if line) or None,
        "postal_code": None if postal_code is None else str(postal_code),
        "city": _text(address.get("city")),
        "sekretess": bool(raw.get("protectedPersonIndicator", False)),
        # Deregistration reason "AV" = avliden (deceased) in the population register.
        "deceased": deregistration == "AV",
        "test_indicator": bool(raw.get("testIndicator", False)),
    }


# -------------------------------------------------------------------------- HSA


def convert_unit(raw: dict[str, Any], *, is_subunit: bool = False) -> dict[str, Any]:
    """A care unit or sub-unit (mottagning)."""
    address = raw.get("address") or {}
    unit = {
        "id": raw["id"],
        "name": _text(raw.get("name")),
        "address": _text(raw.get("postalAddress") or address.get("address")),
        "postal_code": _text(raw.get("postalCode") or address.get("zipCode")),
        "city": _text(raw.get("postalTown") or address.get("city")),
        "phone": _text(raw.get("telephoneNumber")),
        "workplace_code": _text(raw.get("prescriptionCode")),
    }
    if not is_subunit:
        subunits = raw.get("subUnits") or []
        unit["subunits"] = [convert_unit(sub, is_subunit=True) for sub in subunits]
    return unit


def convert_care_provider(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": raw["id"],
        "name": _text(raw.get("name")),
        "units": [convert_unit(unit) for unit in raw.get("careUnits") or []],
    }


def _is_group_prescription_code(code: str) -> bool:
    # Gruppförskrivarkoder (9300005, 9400003, 9100009, 9200007, ...) start with 9;
    # personal prescription codes do not. The fake data stores both in one field.
    return code.startswith("9")


def convert_hsa_person(
    raw: dict[str, Any],
    hosp_by_key: dict[str, dict[str, Any]],
    befattningskoder: dict[str, str],
) -> dict[str, Any]:
    """One HSA person in our compact form, merged with HOSP data when it can be linked."""
    hosp = hosp_by_key.get(raw.get("personalIdentityNumber") or "") or hosp_by_key.get(raw["hsaId"])
    licences = [_text(x) for x in raw.get("healthCareProfessionalLicence") or []]
    specialities = [_text(s.get("specialityName")) for s in raw.get("specialities") or []]
    prescription_code = None
    group_code = None
    code = _text(raw.get("personalPrescriptionCode"))
    if code:
        if _is_group_prescription_code(code):
            group_code = code
        else:
            prescription_code = code
    if hosp:
        for lic in hosp.get("healthCareProfessionalLicenceType") or []:
            licences.append(_text(lic.get("healthCareProfessionalLicenceName")))
        licences.extend(_text(t) for t in hosp.get("hsaTitles") or [])
        specialities.extend(_text(s.get("specialityName")) for s in hosp.get("specialities") or [])
        prescription_code = prescription_code or _text(hosp.get("personalPrescriptionCode"))
    pa_codes = [_text(t.get("titleCode")) for t in raw.get("paTitle") or []]
    pa_codes = [c for c in pa_codes if c]
    title = _text(raw.get("titel"))
    if title is None and pa_codes:
        title = befattningskoder.get(pa_codes[0])
    logins = (raw.get("fakeProperties") or {}).get("logins") or [{}]
    return {
        "hsa_id": raw["hsaId"],
        "first_name": _text(raw.get("givenName")),
        "last_name": _text(raw.get("middleAndSurname")),
        "title": title,
        "legitimerade_yrkesgrupper": list(dict.fromkeys(x for x in licences if x)),
        "befattningskoder": pa_codes,
        "gruppforskrivarkod": group_code,
        "prescription_code": prescription_code,
        "specialities": list(dict.fromkeys(x for x in specialities if x)),
        "sekretess": bool(raw.get("protectedPerson", False)),
        "commissions": [
            {
                "unit_id": c["healthCareUnitHsaId"],
                "purposes": [_text(p) for p in c.get("commissionPurpose") or []],
            }
            for c in raw.get("commissionList") or []
        ],
        "default_unit_id": _text(logins[0].get("forvaldEnhet")),
        "login_description": _text(logins[0].get("beskrivning")),
    }


def load_befattningskoder(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.DictReader(fh, delimiter=";")
        return {row["Befattningskod"].strip(): row["Klartext"].strip() for row in rows}


# ------------------------------------------------------------------------ main


def convert(source: Path) -> dict[str, Any]:
    """Return {filename: json-able content} for everything we generate."""
    testdata = source / "testdata"
    befattningskoder = load_befattningskoder(source / "hsa-codes" / "befattningskoder.csv")

    pu = [convert_pu_person(raw) for _, raw in _load_json_dir(testdata / "pu-persons")]
    pu.sort(key=lambda p: p["personnummer"])

    hosp_by_key: dict[str, dict[str, Any]] = {}
    for _, raw in _load_json_dir(testdata / "hsa-hosppersons"):
        for key in (raw.get("personalIdentityNumber"), raw.get("hsaId")):
            if key:
                hosp_by_key[key] = raw

    providers = [
        convert_care_provider(raw) for _, raw in _load_json_dir(testdata / "hsa-careproviders")
    ]
    providers.sort(key=lambda p: p["id"])
    by_id: dict[str, dict[str, Any]] = {}
    for filename, raw in _load_json_dir(testdata / "hsa-persons"):
        person = convert_hsa_person(raw, hosp_by_key, befattningskoder)
        if person["hsa_id"] in by_id:
            # The upstream data has one duplicated hsaId; the later file (by name) wins.
            print(
                f"note: {filename} replaces an earlier person {person['hsa_id']}", file=sys.stderr
            )
        by_id[person["hsa_id"]] = person
    persons = sorted(by_id.values(), key=lambda p: p["hsa_id"])

    return {
        "pu_persons.json": {"persons": pu},
        "hsa.json": {
            "befattningskoder": befattningskoder,
            "care_providers": providers,
            "persons": persons,
        },
    }


def dump(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    def files(source: Path) -> tuple[dict[str, bytes], str]:
        return {name: dump(c).encode("utf-8") for name, c in convert(source).items()}, ""

    return converting.main(argv, doc=__doc__, target=DEFAULT_TARGET, convert=files)


if __name__ == "__main__":
    raise SystemExit(main())
