"""The simulators over real HTTP, exercised through services/hsa.py and services/patients.py.

Expectations come from the upstream fake data (simulators/data/SOURCES.md) and the manual,
not from the implementation's output.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import httpx
import pytest

from services import hsa, notifications, patients
from services.errors import HsaUnavailable, PuUnavailable, ServiceUnavailable
from services.hsa import Role
from services.personnummer import InvalidPersonnummer
from services.settings import PROJECT_ROOT
from simulators.config import SimulatorConfig
from simulators.runner import start_simulators
from tests.factories import MAJ_SEKRETESS, TOD_DECEASED, TOLVAN

RAW = Path("/work/shared/data")
needs_raw = pytest.mark.skipif(
    not (RAW / "testdata").is_dir(), reason="upstream test data not available"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _closed_url() -> str:
    return f"http://127.0.0.1:{_free_port()}"


# --------------------------------------------------------------------------- HSA


@pytest.mark.asyncio
async def test_list_users_covers_every_route_of_table_1(sim):
    users = await hsa.list_users(base_url=sim.hsa_url)
    doctors = [u for u in users if u.role is Role.LAKARE]

    def exists(pred) -> bool:
        return any(pred(u) and u.units for u in doctors)

    assert exists(lambda u: "Läkare" in u.legitimerade_yrkesgrupper)
    assert exists(lambda u: "204010" in u.befattningskoder)
    for code, group in [
        ("203090", "9300005"),
        ("203090", "9400003"),
        ("204090", "9100009"),
        ("204090", "9200007"),
    ]:
        assert exists(
            lambda u, c=code, g=group: c in u.befattningskoder and u.gruppforskrivarkod == g
        ), (
            code,
            group,
        )
    assert any(u.role is Role.TANDLAKARE and u.units for u in users)
    assert any(u.role is Role.VARDADMINISTRATOR and u.units for u in users)
    assert any(u.role is not None and len(u.units) > 1 for u in users)
    assert any(u.role is not None and u.sekretess for u in users)
    assert any(u.role is None for u in users)  # somebody without access, for negative tests


@pytest.mark.asyncio
async def test_known_users_from_the_source_data(sim):
    # doktor-ajla.json: befattningskod 204010, four "Vård och behandling" commissions.
    ajla = await hsa.get_user("TSTNMT2321000156-DRAA", base_url=sim.hsa_url)
    assert ajla is not None
    assert (ajla.first_name, ajla.last_name, ajla.full_name) == ("Ajla", "Doktor", "Ajla Doktor")
    assert ajla.role is Role.LAKARE
    assert {u.hsa_id for u in ajla.units} == {
        "TSTNMT2321000156-ALVC",
        "TSTNMT2321000156-ALPC",
        "TSTNMT2321000156-ALMC",
        "TSTNMT2321000156-ALHC",
    }
    almc = ajla.unit("TSTNMT2321000156-ALMC")
    assert almc is not None and almc.name == "Alfa Medicincentrum"
    assert almc.care_provider_name == "Alfa Regionen"
    # The title is the befattningskod's text from befattningskoder.csv.
    assert ajla.title == "Läkare ej legitimerad, allmäntjänstgöring"

    # sara-sekretess.json: legitimerad läkare, protectedPerson true.
    sara = await hsa.get_user("TSTNMT2321000156-1099", base_url=sim.hsa_url)
    assert sara is not None and sara.sekretess and sara.role is Role.LAKARE

    # bill-smith.json: 203090 with 9400003 = läkare utanför EU/ESS/Schweiz.
    bill = await hsa.get_user("TSTNMT2321000156-103G", base_url=sim.hsa_url)
    assert bill is not None and bill.role is Role.LAKARE and bill.gruppforskrivarkod == "9400003"

    # tandlakare-zandor.json: legitimerad tandläkare.
    zandor = await hsa.get_user("TSTNMT2321000156-TLZR", base_url=sim.hsa_url)
    assert zandor is not None and zandor.role is Role.TANDLAKARE

    # vardadministrator-alva.json: no licence or doctor code, four commissions.
    alva = await hsa.get_user("TSTNMT2321000156-VAAA", base_url=sim.hsa_url)
    assert alva is not None and alva.role is Role.VARDADMINISTRATOR and len(alva.units) == 4

    # pelle-uppdragslos.json: no commission at all -> no access.
    pelle = await hsa.get_user("pelle-uppdragslos", base_url=sim.hsa_url)
    assert pelle is not None and pelle.role is None and pelle.units == ()

    # The synthetic record for the route missing upstream.
    mia = await hsa.get_user("SYNT-LAK-204090-9200007", base_url=sim.hsa_url)
    assert mia is not None and mia.synthetic and mia.role is Role.LAKARE

    assert await hsa.get_user("finns-inte", base_url=sim.hsa_url) is None
    assert await hsa.get_user("", base_url=sim.hsa_url) is None


@pytest.mark.asyncio
async def test_get_unit(sim):
    # TSTNMT2321000156-ALFA.json
    unit = await hsa.get_unit("TSTNMT2321000156-ALVC", base_url=sim.hsa_url)
    assert unit == hsa.CareUnit(
        hsa_id="TSTNMT2321000156-ALVC",
        name="Alfa Vårdcentral",
        care_provider_id="TSTNMT2321000156-ALFA",
        care_provider_name="Alfa Regionen",
        address="Storgatan 1",
        postal_code="12345",
        city="Småmåla",
        phone="0101234567890",
        workplace_code="1234567890",
        parent_unit_id=None,
    )
    sub = await hsa.get_unit("TSTNMT2321000156-ALLM", base_url=sim.hsa_url)
    assert sub is not None and sub.name == "Alfa Läkarmottagningen"
    assert sub.parent_unit_id == "TSTNMT2321000156-ALVC"
    assert await hsa.get_unit("finns-inte", base_url=sim.hsa_url) is None


@pytest.mark.asyncio
async def test_careproviders_and_admin_person(sim):
    async with httpx.AsyncClient(base_url=sim.hsa_url) as client:
        providers = (await client.get("/careproviders")).json()
        alfa = next(p for p in providers if p["id"] == "TSTNMT2321000156-ALFA")
        assert alfa["name"] == "Alfa Regionen"
        assert "TSTNMT2321000156-ALMC" in {u["id"] for u in alfa["units"]}

        new = {
            "hsa_id": "TEST-NY",
            "first_name": "Ny",
            "last_name": "Användare",
            "befattningskoder": ["204090"],
            "gruppforskrivarkod": "9100009",
            "commissions": [
                {"unit_id": "TSTNMT2321000156-ALMC", "purposes": ["Vård och behandling"]}
            ],
        }
        assert (await client.post("/admin/persons", json=new)).status_code == 200
    user = await hsa.get_user("TEST-NY", base_url=sim.hsa_url)
    assert user is not None and user.role is Role.LAKARE
    assert [u.hsa_id for u in user.units] == ["TSTNMT2321000156-ALMC"]

    sim.reset_all()
    assert await hsa.get_user("TEST-NY", base_url=sim.hsa_url) is None


@pytest.mark.asyncio
async def test_hsa_unavailable(sim):
    async with httpx.AsyncClient(base_url=sim.hsa_url) as client:
        assert (await client.post("/admin/outage", json={"down": True})).status_code == 200
    with pytest.raises(HsaUnavailable) as info:
        await hsa.get_user("TSTNMT2321000156-DRAA", base_url=sim.hsa_url)
    assert info.value.code == "HSA_UNAVAILABLE"
    with pytest.raises(HsaUnavailable):
        await hsa.list_users(base_url=sim.hsa_url)
    with pytest.raises(HsaUnavailable):
        await hsa.get_unit("TSTNMT2321000156-ALMC", base_url=sim.hsa_url)
    with pytest.raises(ServiceUnavailable):
        await hsa.get_user("x", base_url=_closed_url())


# ---------------------------------------------------------------------------- PU


@pytest.mark.asyncio
@pytest.mark.parametrize("spelling", ["191212121212", "19121212-1212", "121212+1212"])
async def test_tolvan(sim, spelling):
    patient = await patients.get_patient(spelling, base_url=sim.pu_url)
    assert patient is not None
    assert patient.personnummer == TOLVAN
    assert patient.formatted_personnummer == "19121212-1212"
    assert (patient.first_name, patient.middle_name, patient.last_name) == (
        "Tolvan",
        "TPU",
        "Tolvansson",
    )
    assert patient.full_name == "Tolvan TPU Tolvansson"
    assert (patient.postal_code, patient.city) == ("12345", "Småmåla")
    assert "Storgatan 1" in (patient.address or "")
    assert not patient.sekretess and not patient.deceased


@pytest.mark.asyncio
async def test_sekretess_deceased_unknown_invalid(sim):
    maj = await patients.get_patient(MAJ_SEKRETESS, base_url=sim.pu_url)
    assert maj is not None and maj.sekretess and not maj.deceased
    assert maj.full_name == "Maj Pärsson"
    tod = await patients.get_patient(TOD_DECEASED, base_url=sim.pu_url)
    assert tod is not None and tod.deceased and not tod.sekretess
    sam = await patients.get_patient("19540187-5769", base_url=sim.pu_url)
    assert sam is not None and sam.is_samordningsnummer and sam.last_name == "Samordningsson"
    # A valid number nobody has in the test data.
    assert await patients.get_patient("19850709-1232", base_url=sim.pu_url) is None
    with pytest.raises(InvalidPersonnummer):
        await patients.get_patient("19121212-1213", base_url=sim.pu_url)


@pytest.mark.asyncio
async def test_pu_outage_switch(sim):
    async with httpx.AsyncClient(base_url=sim.pu_url) as client:
        assert (await client.post("/admin/outage", json={"down": True})).json()["down"] is True
        with pytest.raises(PuUnavailable) as info:
            await patients.get_patient(TOLVAN, base_url=sim.pu_url)
        assert info.value.code == "PU_UNAVAILABLE"
        assert "PU-tjänsten" in info.value.message
        # Admin calls still work while down; ordinary ones answer 503.
        assert (await client.get(f"/persons/{TOLVAN}")).status_code == 503
        assert (await client.post("/admin/outage", json={"down": False})).status_code == 200
        assert (await client.post("/admin/outage", json={"down": "nej"})).status_code == 400
    assert await patients.get_patient(TOLVAN, base_url=sim.pu_url) is not None


@pytest.mark.asyncio
async def test_pu_unreachable():
    with pytest.raises(PuUnavailable):
        await patients.get_patient(TOLVAN, base_url=_closed_url())


@pytest.mark.asyncio
async def test_pu_admin_persons_and_reset(sim):
    async with httpx.AsyncClient(base_url=sim.pu_url) as client:
        r = await client.post(
            "/admin/persons", json={"personnummer": "19121212-1212", "sekretess": True}
        )
        assert r.status_code == 200
        r = await client.post(
            "/admin/persons",
            json={"personnummer": "198507091232", "first_name": "Ny", "last_name": "Person"},
        )
        assert r.status_code == 200
    tolvan = await patients.get_patient(TOLVAN, base_url=sim.pu_url)
    assert tolvan is not None and tolvan.sekretess and tolvan.first_name == "Tolvan"
    new = await patients.get_patient("198507091232", base_url=sim.pu_url)
    assert new is not None and new.full_name == "Ny Person" and not new.deceased

    async with httpx.AsyncClient(base_url=sim.pu_url) as client:
        await client.post("/admin/persons", json={"personnummer": TOLVAN, "deceased": True})
    tolvan = await patients.get_patient(TOLVAN, base_url=sim.pu_url)
    assert tolvan is not None and tolvan.deceased and tolvan.sekretess

    async with httpx.AsyncClient(base_url=sim.pu_url) as client:
        assert (await client.post("/admin/reset")).status_code == 200
    tolvan = await patients.get_patient(TOLVAN, base_url=sim.pu_url)
    assert tolvan is not None and not tolvan.sekretess and not tolvan.deceased
    assert await patients.get_patient("198507091232", base_url=sim.pu_url) is None


@needs_raw
@pytest.mark.asyncio
async def test_every_pu_person_matches_the_source_file(sim):
    files = sorted((RAW / "testdata" / "pu-persons").glob("*.json"))
    assert len(files) > 50
    async with httpx.AsyncClient(base_url=sim.pu_url) as client:
        for path in files:
            raw = json.loads(path.read_text(encoding="utf-8"))
            number = raw["personalIdentity"]["extension"]
            served = (await client.get(f"/persons/{number}")).json()
            assert served["sekretess"] is raw["protectedPersonIndicator"], path.name
            reason = raw.get("deregistration", {}).get("deregistrationReasonCode")
            assert served["deceased"] is (reason == "AV"), path.name
            given = raw["name"].get("givenName", {}).get("name")
            if given and "Ã" not in given:
                assert served["first_name"] == given, path.name


# -------------------------------------------------------------------- FK and TS


@pytest.mark.asyncio
async def test_fk_certificates_revoke_questions(sim):
    async with httpx.AsyncClient(base_url=sim.fk_url) as fk:
        cert = {"id": "intyg-1", "type": "fk7804", "patient": TOLVAN}
        r = await fk.post("/certificates", json=cert)
        assert r.status_code == 201
        receipt = r.json()
        assert receipt["certificate_id"] == "intyg-1" and receipt["receipt_id"]
        assert (await fk.post("/certificates", json=cert)).status_code == 409
        assert (await fk.post("/certificates", content=b"[1]")).status_code == 400

        r = await fk.post("/certificates/intyg-1/revoke", json={"reason": "FELAKTIG_PATIENT"})
        assert r.status_code == 200
        again = await fk.post("/certificates/intyg-1/revoke", json={"reason": "ANNAT"})
        assert again.status_code == 409
        assert (await fk.post("/certificates/nej/revoke", json={"reason": "x"})).status_code == 404

        r = await fk.post("/questions", json={"certificateId": "intyg-1", "text": "Fråga"})
        assert r.status_code == 201

        received = (await fk.get("/received")).json()
        assert [c["certificate"] for c in received["certificates"]] == [cert]
        assert received["certificates"][0]["revoked"]["reason"] == "FELAKTIG_PATIENT"
        assert received["revocations"][0]["certificate_id"] == "intyg-1"
        assert received["questions"][0]["message"]["text"] == "Fråga"

        await fk.post("/admin/reset")
        received = (await fk.get("/received")).json()
        assert received["certificates"] == received["questions"] == []


@pytest.mark.asyncio
async def test_fk_send_question_posts_to_the_target(sim):
    # The demo EHR takes only signed notifications; FK's delivery goes to a plain receiver.
    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/notifications"
    async with httpx.AsyncClient(base_url=sim.fk_url) as fk:
        r = await fk.post(
            "/admin/send-question",
            json={
                "certificateId": "intyg-1",
                "topic": "KOMPLT",
                "text": "Komplettera",
                "target_url": target,
            },
        )
        assert r.status_code == 200, r.text
        outcome = r.json()
        assert outcome["status_code"] == 201 and outcome["target_url"] == target
        assert (await fk.post("/admin/send-question", json={"text": "x"})).status_code == 400
        sent = (await fk.get("/received")).json()["sent_questions"]
        assert len(sent) == 1
    server.shutdown()
    assert [n["text"] for n in received] == ["Komplettera"]
    assert received[0]["topic"] == "KOMPLT"
    assert received[0]["certificateId"] == "intyg-1"
    assert "target_url" not in received[0]


def test_fk_default_target_is_webcert_inbound_api():
    base = _closed_url()
    with start_simulators(config=SimulatorConfig(webcert_url=base)) as running:
        r = httpx.post(
            running.fk_url + "/admin/send-question",
            json={"certificateId": "i", "topic": "OVRIGT", "text": "Hej"},
        )
    assert r.status_code == 502  # nothing listens there
    assert r.json()["target_url"] == base + "/api/v1/messages"


@pytest.mark.asyncio
async def test_ts_certificates(sim):
    async with httpx.AsyncClient(base_url=sim.ts_url) as ts:
        r = await ts.post("/certificates", json={"certificateId": "ts-1", "type": "tstrk1007"})
        assert r.status_code == 201 and r.json()["certificate_id"] == "ts-1"
        assert (await ts.post("/certificates/ts-1/revoke", json={})).status_code == 400
        assert (await ts.post("/certificates/ts-1/revoke", json={"reason": "x"})).status_code == 200
        received = (await ts.get("/received")).json()
        assert received["certificates"][0]["certificate"]["type"] == "tstrk1007"
        assert len(received["revocations"]) == 1
        assert (await ts.post("/questions", json={})).status_code in (404, 405)
        await ts.post("/admin/reset")
        assert (await ts.get("/received")).json()["certificates"] == []


# --------------------------------------------------------------------------- EHR


@pytest.mark.asyncio
async def test_ehr_notifications(sim):
    async with httpx.AsyncClient(base_url=sim.ehr_url) as ehr:
        body = json.dumps({"event": "SIGNAT", "certificateId": "<x>"}).encode()
        unsigned = await ehr.post("/notifications", content=body)
        assert unsigned.status_code == 401  # refused, not stored
        forged = {"x-webcert-signature": notifications.sign(body, "fel-hemlighet")}
        assert (await ehr.post("/notifications", content=body, headers=forged)).status_code == 401
        signed = {"x-webcert-signature": notifications.sign(body)}
        r = await ehr.post("/notifications", content=body, headers=signed)
        assert r.status_code == 201
        listed = (await ehr.get("/notifications")).json()
        assert [n["notification"]["event"] for n in listed] == ["SIGNAT"]
        page = await ehr.get("/")
        assert page.headers["content-type"].startswith("text/html")
        assert "SIGNAT" in page.text and "&lt;x&gt;" in page.text and "<x>" not in page.text
        await ehr.post("/admin/reset")
        assert (await ehr.get("/notifications")).json() == []


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["hsa", "pu", "fk", "ts", "ehr"])
async def test_every_simulator_has_outage_and_health(sim, name):
    base = sim.url(name)
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/health")).json() == {"service": name, "down": False}
        await client.post("/admin/outage", json={"down": True})
        assert (await client.get("/health")).json()["down"] is True
        probe = "/received" if name in ("fk", "ts") else "/notifications"
        probe = {"hsa": "/persons", "pu": f"/persons/{TOLVAN}"}.get(name, probe)
        assert (await client.get(probe)).status_code == 503
        await client.post("/admin/reset")  # reset also ends the outage
        assert (await client.get(probe)).status_code == 200


# ------------------------------------------------------------------ runner, data


def test_runner_on_given_port():
    port = _free_port()
    with start_simulators({"pu": port}) as running:
        assert running.pu_url == f"http://127.0.0.1:{port}"
        assert httpx.get(running.pu_url + "/health").json()["service"] == "pu"
        assert running.settings_env()["WEBCERT_PU_URL"] == running.pu_url
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)


def test_the_runner_script_starts_all_five():
    ports = {name: _free_port() for name in ("hsa", "pu", "fk", "ts", "ehr")}
    env = dict(os.environ)
    env.update({f"WEBCERT_{n.upper()}_URL": f"http://127.0.0.1:{p}" for n, p in ports.items()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "scripts.run_simulators", "--log-level", "warning"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        up: dict[str, str] = {}
        while len(up) < 5 and time.monotonic() < deadline:
            for name, port in ports.items():
                try:
                    up[name] = httpx.get(f"http://127.0.0.1:{port}/health").json()["service"]
                except httpx.TransportError:
                    pass
            time.sleep(0.1)
        assert up == {n: n for n in ports}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""


@needs_raw
def test_committed_data_is_up_to_date_with_the_converter():
    result = subprocess.run(
        [sys.executable, "scripts/convert_testdata.py", "--check", "--source", str(RAW)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_synthetic_records_are_marked():
    data = json.loads((PROJECT_ROOT / "simulators/data/synthetic.json").read_text("utf-8"))
    for person in data["hsa_persons"]:
        assert person["synthetic"] is True and person["hsa_id"].startswith("SYNT-")
