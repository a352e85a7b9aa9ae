"""Diagnosis codes (ICD-10-SE and KSH97-P): lookup, FK rules and search (manual §5.2).

Public API::

    CodeSystem, Diagnosis, SearchMode
    search_by_code(query, system, limit=10) -> list[Diagnosis]
    search_by_text(query, system, limit=10) -> list[Diagnosis]
    await search(query, system, mode, limit)      # runs in a worker thread
    lookup(code, system) -> Diagnosis | None
    validate_code_for_fk(code, system) -> str | None
    order_for_fk(diagnoses) -> [(Diagnosis, note)]  # F/Z73 with three positions marked, last
    validate_code_systems(systems) -> str | None
    code_key(code, system), format_code(code, system), positions(code, system)
    warm_up(*systems) -> {system: build seconds}

The data is services/data/icd10se.tsv.gz and ksh97p.tsv.gz (see services/data/SOURCES.md).
"""

from .codes import (
    CERTIFICATE_DIAGNOSIS_HEADING,
    CodeSystem,
    Diagnosis,
    code_key,
    coerce_system,
    fk_suggestion_note,
    format_code,
    is_psychiatric,
    lookup,
    order_for_fk,
    positions,
    validate_code_for_fk,
    validate_code_systems,
)
from .search import (
    MIN_CODE_QUERY,
    SearchMode,
    search,
    search_by_code,
    search_by_text,
    search_sync,
    warm_up,
)

__all__ = [
    "CERTIFICATE_DIAGNOSIS_HEADING",
    "MIN_CODE_QUERY",
    "CodeSystem",
    "Diagnosis",
    "SearchMode",
    "code_key",
    "coerce_system",
    "fk_suggestion_note",
    "format_code",
    "is_psychiatric",
    "lookup",
    "order_for_fk",
    "positions",
    "search",
    "search_by_code",
    "search_by_text",
    "search_sync",
    "validate_code_for_fk",
    "validate_code_systems",
    "warm_up",
]
