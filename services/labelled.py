"""Codes with a Swedish name, a leaf module: ``KOMPLT = "KOMPLT", "Komplettering"``.

The code is the member's value (stored, sent, compared with plain strings); the name is what
people read (``Topic.KOMPLT.label``). Code and name stand on one line, so neither can be added
without the other.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

__all__ = ["LabelledEnum"]


class LabelledEnum(StrEnum):
    """A :class:`StrEnum` whose members are written ``CODE = "CODE", "Swedish name"``."""

    label: str

    def __new__(cls, code: str, label: str) -> Self:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        return member
