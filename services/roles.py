"""The three roles of Webcert (manual section 2), a leaf module.

HSA derives a user's role (:func:`services.hsa.derive_role`); the certificate definitions say
which roles may write each type (table 2, ``CertificateDefinition.roles``); the rights module
says which roles may use each function (table 3).
"""

from __future__ import annotations

import enum

__all__ = ["ALL_ROLES", "DOCTORS", "Role"]


class Role(enum.Enum):
    """The three roles of Webcert (manual section 2)."""

    LAKARE = "LAKARE"
    TANDLAKARE = "TANDLAKARE"
    VARDADMINISTRATOR = "VARDADMINISTRATOR"

    @property
    def label(self) -> str:
        """Swedish name of the role."""
        return _ROLE_LABELS[self]


_ROLE_LABELS = {
    Role.LAKARE: "Läkare",
    Role.TANDLAKARE: "Tandläkare",
    Role.VARDADMINISTRATOR: "Vårdadministratör",
}

ALL_ROLES: frozenset[Role] = frozenset(Role)
DOCTORS: frozenset[Role] = frozenset({Role.LAKARE, Role.TANDLAKARE})  # läkare and tandläkare
