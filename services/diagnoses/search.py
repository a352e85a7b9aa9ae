"""Diagnosis search by code and by text (§5.2), built once per process and thread-safe."""

from __future__ import annotations

import enum
import threading
import time

from .. import blocking
from ..errors import InvalidInput
from .codes import CodeList, CodeSystem, Diagnosis, code_key, coerce_system, load_code_list
from .synonyms import icd_synonyms

#: Code suggestions start at three typed characters (§5.2); text suggestions at one.
MIN_CODE_QUERY = 3
MAX_QUERY_LENGTH = 200
MAX_LIMIT = 100


class SearchMode(enum.StrEnum):
    """Search by code ("J20") or by text ("akut bronkit")."""

    CODE = "CODE"
    TEXT = "TEXT"


class _Indexes:
    __slots__ = ("build_seconds", "code_index", "code_list", "synonym_counts", "text_index")

    def __init__(self, code_list: CodeList) -> None:
        # Late: numpy and rapidfuzz load with the first index, not when the app starts.
        from .index import CodeIndex, TextIndex

        started = time.perf_counter()
        self.code_list = code_list
        self.code_index = CodeIndex(code_list)
        self.synonym_counts: dict[str, int] = {}
        extra: list[tuple[int, str]] = []
        if code_list.system is CodeSystem.ICD_10_SE:
            synonyms, counts = icd_synonyms()
            extra = [(s.code_index, s.term) for s in synonyms]
            self.synonym_counts = dict(counts)
        self.text_index = TextIndex(code_list, extra)
        self.text_index.set_prior(_prior(code_list))
        self.text_index.set_context_codes([key.startswith(("O", "P")) for key in code_list.keys])
        # First calls into numpy/rapidfuzz are slow; pay that here, not in a user's query.
        self.text_index.search("diabetis typ", 3)
        self.code_index.search("J20", 3)
        self.build_seconds = time.perf_counter() - started


#: Ranking bonus for codes with FMB information: the manual says suggestions come from FMB
#: (§5.2), and FMB covers the diagnoses most certificates are written for.
FMB_BONUS = 3.0
#: Points per code position beyond three: a category before its subcodes when both match.
DEPTH_PENALTY = 0.4


def _prior(code_list: CodeList) -> list[float]:
    from ..fmb import MIN_FMB_CODE_LENGTH, fmb_codes  # late: services.fmb imports this package

    covered = fmb_codes()
    prior: list[float] = []
    for key in code_list.keys:
        # FMB information applies to a code and all codes below it (services.fmb.has_fmb).
        has_fmb = any(key[:n] in covered for n in range(MIN_FMB_CODE_LENGTH, len(key) + 1))
        bonus = FMB_BONUS if has_fmb else 0.0
        prior.append(bonus - DEPTH_PENALTY * max(len(key) - 3, 0))
    return prior


_lock = threading.Lock()
_indexes: dict[CodeSystem, _Indexes] = {}


def _get(system: CodeSystem) -> _Indexes:
    found = _indexes.get(system)
    if found is None:
        with _lock:
            found = _indexes.get(system)
            if found is None:
                found = _Indexes(load_code_list(system))
                _indexes[system] = found
    return found


def warm_up(*systems: CodeSystem | str) -> dict[CodeSystem, float]:
    """Build the indexes now (all systems by default); returns build seconds per system."""
    chosen = [coerce_system(s) for s in systems] or list(CodeSystem)
    return {system: _get(system).build_seconds for system in chosen}


def synonym_counts(system: CodeSystem | str = CodeSystem.ICD_10_SE) -> dict[str, int]:
    """How many everyday terms each source gave the system's index (services.diagnoses.synonyms)."""
    return dict(_get(coerce_system(system)).synonym_counts)


def _clamp(limit: int) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return 10
    return max(0, min(limit, MAX_LIMIT))


def search_by_code(
    query: str, system: CodeSystem | str = CodeSystem.ICD_10_SE, limit: int = 10
) -> list[Diagnosis]:
    """Codes starting with the typed code (shortest first), then close codes.

    Case, dots, spaces and KSH97-P dashes are ignored ("j20", "J20.", "J20.9", "j209").
    Fewer than three characters give no suggestions (§5.2).
    """
    system = coerce_system(system)
    limit = _clamp(limit)
    key = code_key(str(query or "")[:MAX_QUERY_LENGTH], system)
    if (
        len(key) < MIN_CODE_QUERY
        or len(key) > 6
        or not key.isalnum()
        or not key[0].isalpha()
        or limit == 0
    ):
        return []
    indexes = _get(system)
    code_list = indexes.code_list
    return [
        Diagnosis(code_list.codes[i], code_list.texts[i], system)
        for i in indexes.code_index.search(key, limit)
    ]


def search_by_text(
    query: str, system: CodeSystem | str = CodeSystem.ICD_10_SE, limit: int = 10
) -> list[Diagnosis]:
    """Diagnoses whose text matches the typed words, typo-tolerant, from the first character.

    For KSH97-P the alternative terms are searched too; the suggestion then shows the term
    that matched (lookup() gives the code's main text). ICD-10-SE is searched with everyday
    terms too (services.diagnoses.synonyms); such a suggestion has the official text and the
    term in ``matched``. Everyday words and compounds in the query are expanded with the
    reviewed table (services.diagnoses.everyday).
    """
    system = coerce_system(system)
    limit = _clamp(limit)
    text = str(query or "")[:MAX_QUERY_LENGTH]
    if not text.strip() or limit == 0:
        return []
    indexes = _get(system)
    text_index = indexes.text_index
    code_list = indexes.code_list
    result: list[Diagnosis] = []
    seen: set[int] = set()
    for hit in text_index.search(text, limit):
        code = int(text_index.doc_code[hit.doc])
        if code in seen:
            continue
        seen.add(code)
        term = text_index.doc_text[hit.doc]
        if system is CodeSystem.ICD_10_SE and text_index.doc_synonym[hit.doc]:
            # An everyday term found the code: show the official text and the term.
            result.append(Diagnosis(code_list.codes[code], code_list.texts[code], system, term))
        else:
            result.append(Diagnosis(code_list.codes[code], term, system))
        if len(result) >= limit:
            break
    return result


def search_sync(
    query: str,
    system: CodeSystem | str = CodeSystem.ICD_10_SE,
    mode: SearchMode | str = SearchMode.TEXT,
    limit: int = 10,
) -> list[Diagnosis]:
    """Dispatch to search_by_code or search_by_text; raises InvalidInput on a bad mode/system."""
    try:
        chosen_mode = SearchMode(str(mode).upper())
        chosen_system = coerce_system(system)
    except ValueError as error:
        raise InvalidInput("Okänt sökläge eller kodverk.", field="diagnos") from error
    if chosen_mode is SearchMode.CODE:
        return search_by_code(query, chosen_system, limit)
    return search_by_text(query, chosen_system, limit)


async def search(
    query: str,
    system: CodeSystem | str = CodeSystem.ICD_10_SE,
    mode: SearchMode | str = SearchMode.TEXT,
    limit: int = 10,
) -> list[Diagnosis]:
    """Search in a thread of the search pool (services.blocking) so the event loop (and other
    users) never wait on it; Overloaded when too many searches wait already."""
    return await blocking.SEARCH.run(search_sync, query, system, mode, limit)
