"""Stable DOM ids and data-testids of form fields (one rule for every component)."""

from __future__ import annotations


def dom_id(key: str) -> str:
    """The element id of the input for a flat form key ("grund_for_mu.ANNAT.date")."""
    return "f-" + key.replace(".", "-").replace("_", "-")


def testid(key: str) -> str:
    """The data-testid of the input for a flat form key (QA suites rely on it)."""
    return "field-" + key.replace(".", "-").replace("_", "-")
