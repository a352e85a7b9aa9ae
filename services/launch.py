"""What the EHR's deep-link parameters do to the patient of a certificate (manual §3.2).

- ``alternatePatientSSn``: the patient has a new personnummer/samordningsnummer in the EHR.
  On a draft the patient is replaced by that person, fresh from PU-tjänsten; on a signed
  certificate nothing changes, the page only says the number has changed.
- ``fornamn``, ``mellannamn``, ``efternamn``, ``postadress``, ``postnummer``, ``postort``: the
  EHR's patient details, used on drafts where PU-tjänsten has none (as Webcert does for FK
  certificates: PU data wins when it exists, the EHR fills what is missing).

The other parameters (sjf, inaktivEnhet, kopieringOK, avliden, enhet) are rights and are
decided in services.rights, for the launch's certificate only (SessionUser.launch_value).
"""

from __future__ import annotations

from sqlalchemy import update

from services import audit, clock, identity, patients, personnummer
from services.certificate_access import patient_snapshot
from services.identity import SessionUser
from services.persistence.db import session_scope
from services.persistence.models import Certificate

NAME_PARAMETERS = {
    "fornamn": "first_name",
    "mellannamn": "middle_name",
    "efternamn": "last_name",
    "postadress": "address",
    "postnummer": "postal_code",
    "postort": "city",
}


async def apply_patient_parameters(user: SessionUser, certificate_id: str) -> str:
    """Apply the launch's patient parameters to ``certificate_id``; returns a notice or ''.

    They belong to the certificate of the launch that carried them and apply once: any other
    certificate opened later in the same session is left alone.
    """
    if (
        not isinstance(certificate_id, str)
        or certificate_id != user.launch_certificate
        or user.patient_parameters_applied
    ):
        return ""
    params = user.params or {}
    alternate = str(params.get("alternatePatientSSn") or "").strip()
    given = {
        field: str(params[name]).strip()[:200]
        for name, field in NAME_PARAMETERS.items()
        if str(params.get(name) or "").strip()
    }
    if (not alternate and not given) or user.unit is None or not isinstance(certificate_id, str):
        return ""
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None or cert.unit_id != user.unit.hsa_id:
            return ""  # opening it will give the proper refusal
        is_draft, current, snapshot = cert.status.is_draft, cert.patient_id, dict(cert.patient)
    new_id = current
    if alternate:
        try:
            new_id = personnummer.normalize(alternate)
        except personnummer.InvalidPersonnummer:
            return (
                "Journalsystemet skickade ett ogiltigt personnummer för patienten. "
                "Det används inte."
            )
    identity.mark_patient_parameters_applied(user)
    if not is_draft:
        if new_id != current:
            return (
                "Patientens personnummer har ändrats till "
                f"{personnummer.format(new_id)} sedan intyget utfärdades."
            )
        return ""
    original = dict(snapshot)
    if new_id != current:
        patient = await patients.get_patient(new_id)
        if patient is None:
            return "Patienten med det nya personnumret finns inte i personuppgiftstjänsten."
        snapshot = patient_snapshot(patient)
    for field, value in given.items():
        if not snapshot.get(field):
            snapshot[field] = value
    if new_id == current and snapshot == original:
        return ""
    with session_scope() as s:
        s.execute(
            update(Certificate)
            .where(Certificate.id == certificate_id)
            .values(patient_id=new_id, patient=snapshot, updated_at=clock.now())
        )
        audit.record(
            session=s,
            **audit.user_fields(user),
            action=audit.AuditAction.WRITE,
            certificate_id=certificate_id,
            patient_id=new_id,
            resource_unit_id=user.unit.hsa_id,
            resource_care_provider_id=user.unit.care_provider_id,
            detail="patientuppgifter från journalsystemet",
        )
    if new_id != current:
        return f"Patientens personnummer är uppdaterat till {personnummer.format(new_id)}."
    return ""
