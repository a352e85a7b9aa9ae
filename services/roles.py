"""The three roles of Webcert (manual section 2), a leaf module.

HSA derives a user's role (:func:`services.hsa.derive_role`); the certificate definitions say
which roles may write each type (table 2, ``CertificateDefinition.roles``); the rights module
says which roles may use each function (table 3).
"""

from __future__ import annotations

from services.labelled import LabelledEnum

__all__ = ["ALL_ROLES", "DOCTORS", "Role"]


class Role(LabelledEnum):
    """The three roles of Webcert (manual section 2), with their Swedish names."""

    LAKARE = "LAKARE", "Läkare"
    TANDLAKARE = "TANDLAKARE", "Tandläkare"
    VARDADMINISTRATOR = "VARDADMINISTRATOR", "Vårdadministratör"


ALL_ROLES: frozenset[Role] = frozenset(Role)
DOCTORS: frozenset[Role] = frozenset({Role.LAKARE, Role.TANDLAKARE})  # läkare and tandläkare
