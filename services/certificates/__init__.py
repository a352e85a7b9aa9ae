"""Certificate types: one declarative definition per type, and a registry to find them.

>>> get_definition("FK7804").name
'Läkarintyg för sjukpenning'
"""

from __future__ import annotations

from services.certificates.base import CertificateDefinition

__all__ = [
    "all_definitions",
    "creatable_types",
    "get_definition",
    "shows_fmb",
    "uses_fk_diagnosis_rules",
]

_REGISTRY: dict[str, CertificateDefinition] | None = None


def _registry() -> dict[str, CertificateDefinition]:
    global _REGISTRY
    if _REGISTRY is None:
        from services.certificates import (
            fk7263,
            fk7800,
            fk7801,
            fk7802,
            fk7804,
            tstrk1007,
            tstrk1031,
        )

        modules = (fk7804, fk7800, fk7801, fk7802, tstrk1007, tstrk1031, fk7263)
        _REGISTRY = {m.DEFINITION.type: m.DEFINITION for m in modules}
    return _REGISTRY


def get_definition(type: str) -> CertificateDefinition:
    """The definition of a certificate type, by id, case-insensitive ("fk7804" or "FK7804").

    Raises ``KeyError`` for an unknown type.
    """
    key = str(type).strip().lower()
    try:
        return _registry()[key]
    except KeyError:
        raise KeyError(f"Okänd intygstyp: {type!r}") from None


def all_definitions() -> list[CertificateDefinition]:
    """Every known type, FK7804 first and the read-only FK7263 last."""
    return list(_registry().values())


def creatable_types() -> list[str]:
    """Type ids that new drafts can be made of (all but the read-only FK7263)."""
    return [d.type for d in all_definitions() if not d.read_only]


def shows_fmb(type: str) -> bool:
    """FMB (§5.3) is guidance for sick leave reported to Försäkringskassan: shown for FK's
    types that have a diagnosis question, never for Transportstyrelsen's."""
    from services.certificates.base import FieldKind, Recipient

    try:
        definition = get_definition(type)
    except KeyError:
        return False
    return definition.recipient == Recipient.FK and any(
        q.kind == FieldKind.DIAGNOSES for q in definition.questions()
    )


def uses_fk_diagnosis_rules(type: str) -> bool:
    """Försäkringskassan's diagnosis-code rules (F and Z73 need four positions,
    services.diagnoses.validate_code_for_fk) apply to FK's types."""
    from services.certificates.base import Recipient

    try:
        return get_definition(type).recipient == Recipient.FK
    except KeyError:
        return False
