"""Reading certificates: open one for the certificate page, list a unit's, show relations
(manual §4, §4.6-§4.8). Every read of patient data is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from services import audit, localtime, rights
from services.certificate_access import (
    DRAFT_STATUSES,
    SIGNED_STATUSES,
    fetch,
    load_for_user,
    prepare,
    record,
    relation_flags,
)
from services.certificates import get_definition
from services.certificates.carry_over import previous_period_summary
from services.identity import SessionUser, require_unit
from services.persistence.db import session_scope
from services.persistence.models import Certificate, CertificateStatus, RelationKind
from services.rights import Action, PatientFlags

TEXT_REPLACED_BY = "Intyget har ersatts av detta intyg"
TEXT_REPLACEMENT_DRAFT = "Det finns redan ett påbörjat utkast som ska ersätta detta intyg."
TEXT_REPLACES = "Intyget ersätter ett tidigare intyg."
TEXT_REVOKED_REPLACING = "Intyget ersatte ett tidigare intyg som också kan behöva makuleras."
TEXT_COMPLEMENTED_BY = "Kompletteringsbegäran besvarades med ett nytt intyg"
TEXT_COMPLEMENTS = "Intyget är en komplettering av ett tidigare intyg."
TEXT_RENEWED_BY = "Intyget har förnyats."
TEXT_RENEWS = "Intyget är en förnyelse av ett tidigare intyg."
TEXT_COPIED_BY = "Det låsta utkastet har kopierats."
TEXT_COPY_OF = "Utkastet är en kopia av ett låst utkast."


@dataclass(frozen=True)
class RelationLink:
    """One relation shown on the certificate page: a text and the other certificate's id (the
    page links to it, "Öppna utkastet" when that one is an unsigned draft)."""

    kind: str  # RelationKind value
    direction: str  # "CHILD" (made from this one) or "PARENT" (this one was made from it)
    certificate_id: str
    status: str  # CertificateStatus value of the other certificate
    text: str

    @property
    def is_draft(self) -> bool:
        """The other certificate is an unsigned draft (a replacing draft, a copy)."""
        return self.status in DRAFT_STATUSES


@dataclass(frozen=True)
class RelationsView:
    links: list[RelationLink] = field(default_factory=list)
    previous_period: str | None = None  # renewing draft: grade and end date of the original
    replacement_draft_id: str | None = None  # an unsigned draft replacing this certificate


@dataclass(frozen=True)
class CertificateView:
    """What the certificate page needs after opening (fresh from PU-tjänsten)."""

    certificate: Certificate
    patient: PatientFlags
    actions: set[Action]
    relations: RelationsView


def status_text(cert: Certificate) -> str:
    """The status line of the certificate page: what the certificate's status means now."""
    match cert.status:
        case CertificateStatus.DRAFT:
            return "Utkastet sparas automatiskt."
        case CertificateStatus.READY_FOR_SIGNING:
            return "Utkastet är klart för signering."
        case CertificateStatus.LOCKED:
            return (
                "Utkastet är låst. Det har inte signerats inom 14 dagar och kan endast "
                "kopieras, skrivas ut eller makuleras."
            )
        case CertificateStatus.SIGNED:
            return (
                f"Intyget är signerat {localtime.format_datetime(cert.signed_at)} "
                f"av {cert.signed_by_name}."
            )
        case CertificateStatus.SENT:
            recipient = get_definition(cert.type).recipient.label
            return (
                f"Intyget är signerat och skickat till {recipient} "
                f"{localtime.format_datetime(cert.sent_at)}."
            )
        case CertificateStatus.REVOKED:
            return f"Intyget är makulerat {localtime.format_datetime(cert.revoked_at)}."
    return ""


def get_certificate(user: SessionUser, certificate_id: str) -> Certificate:
    """Read a certificate the user may open (audited as a read of patient data).

    Synchronous: checks rights with the patient flags stored on the certificate. Pages should
    prefer :func:`open_certificate`, which asks PU-tjänsten first.
    """
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.READ, session=s)
        record(user, audit.AuditAction.READ, cert, session=s)
        return cert


async def open_certificate(user: SessionUser, certificate_id: str) -> CertificateView:
    """Open a certificate with fresh PU data: the certificate, the patient's flags, the actions
    the user may take (for the buttons) and its relations. PuUnavailable locks it."""
    prepared = await prepare(user, certificate_id, Action.READ)
    prepared.decision.raise_if_denied()
    with session_scope() as s:
        cert = fetch(prepared.cert.id, session=s)
        record(user, audit.AuditAction.READ, cert, session=s)
        rel = relation_flags(cert, session=s)
        view = _relations_view(s, cert)
    actions = rights.available_actions(user, cert, prepared.flags, relations=rel)
    return CertificateView(cert, prepared.flags, actions, view)


def list_for_unit(user: SessionUser, *, limit: int = 200) -> list[dict[str, str]]:
    """Drafts and certificates of the user's care unit, newest first (for the start page).

    Only what the user may open is listed (stored patient flags: sekretess, TS, role types).
    """
    unit = require_unit(user)
    rows: list[dict[str, str]] = []
    shown: list[Certificate] = []
    with session_scope() as s:
        certs = s.exec(
            select(Certificate)
            .where(Certificate.unit_id == unit.hsa_id)
            .order_by(col(Certificate.updated_at).desc())
            .limit(limit)
        ).all()
        for c in certs:
            flags = PatientFlags.from_snapshot(c.patient)
            if not rights.decide(user, c, Action.READ, flags).allowed:
                continue
            try:
                name = get_definition(c.type).name
            except KeyError:
                name = c.type
            shown.append(c)
            rows.append(
                {
                    "id": c.id,
                    "name": name,
                    "patient": f"{c.patient_id[:8]}-{c.patient_id[8:]}",
                    "status": c.status.label,
                    "updated": localtime.format_datetime(c.updated_at),
                    "sekretess": "true" if flags.sekretess else "",
                }
            )
        # PDL: the list showed these patients' data (one record per patient shown).
        audit.record_list(user, shown, session=s, detail="Vårdenhetens intygslista")
    return rows


def relations(user: SessionUser, certificate_id: str) -> RelationsView:
    """Links and texts about replaced/replacing, renewed/renewing, complemented and copied."""
    with session_scope() as s:
        cert = load_for_user(user, certificate_id, Action.READ, session=s)
        return _relations_view(s, cert)


def _relations_view(s: Session, cert: Certificate) -> RelationsView:
    links: list[RelationLink] = []
    replacement_draft_id: str | None = None
    previous_period: str | None = None
    children = s.exec(
        select(Certificate)
        .where(Certificate.parent_id == cert.id)
        .order_by(col(Certificate.created_at))
    ).all()
    for child in children:
        kind = child.relation_kind
        signed = child.status in SIGNED_STATUSES
        text = ""
        if kind == RelationKind.REPLACE and signed:
            text = TEXT_REPLACED_BY
        elif kind == RelationKind.REPLACE and child.status in DRAFT_STATUSES:
            replacement_draft_id = child.id
            text = TEXT_REPLACEMENT_DRAFT
        elif kind == RelationKind.COMPLEMENT and signed:
            text = TEXT_COMPLEMENTED_BY
        elif kind == RelationKind.RENEW and signed:
            text = TEXT_RENEWED_BY
        elif kind == RelationKind.COPY and child.status in DRAFT_STATUSES:
            text = TEXT_COPIED_BY
        if text:
            links.append(
                RelationLink(
                    kind=kind.value if kind else "",
                    direction="CHILD",
                    certificate_id=child.id,
                    status=child.status.value,
                    text=text,
                )
            )
    if cert.parent_id and cert.relation_kind:
        parent = s.get(Certificate, cert.parent_id)
        if parent is not None:
            kind = cert.relation_kind
            if kind == RelationKind.REPLACE:
                text = (
                    TEXT_REVOKED_REPLACING
                    if cert.status == CertificateStatus.REVOKED
                    else TEXT_REPLACES
                )
            elif kind == RelationKind.RENEW:
                text = TEXT_RENEWS
                if cert.status in DRAFT_STATUSES:
                    try:
                        definition = get_definition(parent.type)
                    except KeyError:
                        definition = None
                    previous_period = previous_period_summary(parent.content, definition)
            elif kind == RelationKind.COMPLEMENT:
                text = TEXT_COMPLEMENTS
            else:
                text = TEXT_COPY_OF
            links.append(
                RelationLink(
                    kind=kind.value,
                    direction="PARENT",
                    certificate_id=parent.id,
                    status=parent.status.value,
                    text=text,
                )
            )
    return RelationsView(
        links=links, previous_period=previous_period, replacement_draft_id=replacement_draft_id
    )


def patient_of(certificate_id: str) -> str | None:
    """The personnummer of a certificate's patient (for the PU-tjänsten watch of open pages)."""
    if not isinstance(certificate_id, str) or not certificate_id or len(certificate_id) > 64:
        return None
    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        return cert.patient_id if cert is not None else None
