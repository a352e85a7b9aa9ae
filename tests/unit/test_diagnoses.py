"""Diagnosis search, lookup and FK code rules on the real shipped code lists (manual §5.2)."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from services.diagnoses import (
    CERTIFICATE_DIAGNOSIS_HEADING,
    CodeSystem,
    Diagnosis,
    SearchMode,
    code_key,
    format_code,
    lookup,
    positions,
    search,
    search_by_code,
    search_by_text,
    search_sync,
    validate_code_for_fk,
    validate_code_systems,
    warm_up,
)
from services.errors import InvalidInput

ICD = CodeSystem.ICD_10_SE
KSH = CodeSystem.KSH_97_P


@pytest.fixture(scope="module", autouse=True)
def _indexes() -> None:
    warm_up()


# (query, system, mode, acceptable codes or code families). Expectations come from the
# classification (which ICD-10-SE / KSH97-P code a clinician means), not from this search.
QUERIES: list[tuple[str, CodeSystem, SearchMode, tuple[str, ...]]] = [
    # --- text, ICD-10-SE ---
    ("akut bronkit", ICD, SearchMode.TEXT, ("J20",)),
    ("bronkit", ICD, SearchMode.TEXT, ("J20", "J40", "J41", "J42")),
    ("bronkid", ICD, SearchMode.TEXT, ("J20", "J40", "J41", "J42")),
    ("akut bronk", ICD, SearchMode.TEXT, ("J20",)),
    ("Akut Bronkit", ICD, SearchMode.TEXT, ("J20",)),
    ("diabetis", ICD, SearchMode.TEXT, ("E10", "E11", "E14")),
    ("diabetes typ 2", ICD, SearchMode.TEXT, ("E11",)),
    ("diabetes mellitus typ 1", ICD, SearchMode.TEXT, ("E10",)),
    ("hjärtinfarkt", ICD, SearchMode.TEXT, ("I21", "I22")),
    ("hjartinfarkt", ICD, SearchMode.TEXT, ("I21", "I22")),
    ("förmaksflimmer", ICD, SearchMode.TEXT, ("I48",)),
    ("formaksflimer", ICD, SearchMode.TEXT, ("I48",)),
    ("depressiv episod", ICD, SearchMode.TEXT, ("F32",)),
    ("depresiv episod", ICD, SearchMode.TEXT, ("F32",)),
    ("recidiverande depression", ICD, SearchMode.TEXT, ("F33",)),
    ("schizofreni", ICD, SearchMode.TEXT, ("F20",)),
    ("skizofreni", ICD, SearchMode.TEXT, ("F20",)),
    ("utmattningssyndrom", ICD, SearchMode.TEXT, ("F438A",)),
    ("posttraumatiskt stressyndrom", ICD, SearchMode.TEXT, ("F431",)),
    ("migrän", ICD, SearchMode.TEXT, ("G43",)),
    ("migran", ICD, SearchMode.TEXT, ("G43",)),
    ("astma", ICD, SearchMode.TEXT, ("J45", "J46")),
    ("astna", ICD, SearchMode.TEXT, ("J45", "J46")),
    ("kroniskt obstruktiv lungsjukdom", ICD, SearchMode.TEXT, ("J44",)),
    ("lumbago", ICD, SearchMode.TEXT, ("M545", "M544")),
    ("ischias", ICD, SearchMode.TEXT, ("M543", "M544")),
    ("ryggvärk", ICD, SearchMode.TEXT, ("M54",)),
    ("knäartros", ICD, SearchMode.TEXT, ("M17",)),
    ("höftledsartros", ICD, SearchMode.TEXT, ("M16",)),
    ("multipel skleros", ICD, SearchMode.TEXT, ("G35",)),
    ("parkinsons sjukdom", ICD, SearchMode.TEXT, ("G20",)),
    ("epilepsi", ICD, SearchMode.TEXT, ("G40",)),
    ("pneumoni", ICD, SearchMode.TEXT, ("J12", "J13", "J14", "J15", "J16", "J17", "J18")),
    ("pnemoni", ICD, SearchMode.TEXT, ("J12", "J13", "J14", "J15", "J16", "J17", "J18")),
    ("influensa", ICD, SearchMode.TEXT, ("J09", "J10", "J11")),
    ("ljumskbråck", ICD, SearchMode.TEXT, ("K40",)),
    ("gallstenssjukdom", ICD, SearchMode.TEXT, ("K80",)),
    ("fibromyalgi", ICD, SearchMode.TEXT, ("M797",)),
    ("essentiell hypertoni", ICD, SearchMode.TEXT, ("I10",)),
    ("reumatoid artrit", ICD, SearchMode.TEXT, ("M05", "M06")),
    ("sömnapné", ICD, SearchMode.TEXT, ("G473",)),
    ("somnapne", ICD, SearchMode.TEXT, ("G473",)),
    ("tinnitus", ICD, SearchMode.TEXT, ("H931",)),
    ("karpaltunnelsyndrom", ICD, SearchMode.TEXT, ("G560",)),
    ("ulcerös kolit", ICD, SearchMode.TEXT, ("K51",)),
    ("crohns sjukdom", ICD, SearchMode.TEXT, ("K50",)),
    # --- code, ICD-10-SE ---
    ("j20", ICD, SearchMode.CODE, ("J20",)),
    ("J20.", ICD, SearchMode.CODE, ("J20",)),
    ("J209", ICD, SearchMode.CODE, ("J209",)),
    ("j20.9", ICD, SearchMode.CODE, ("J209",)),
    ("f32", ICD, SearchMode.CODE, ("F32",)),
    ("M54.5", ICD, SearchMode.CODE, ("M545",)),
    ("f438a", ICD, SearchMode.CODE, ("F438A",)),
    # --- KSH97-P ---
    ("depression", KSH, SearchMode.TEXT, ("F32-", "F33-")),
    ("akut bronkit", KSH, SearchMode.TEXT, ("J22-P",)),
    ("rödsot", KSH, SearchMode.TEXT, ("A03-",)),
    ("matförgiftning", KSH, SearchMode.TEXT, ("A09-P",)),
    ("utmattningssyndrom", KSH, SearchMode.TEXT, ("F438A",)),
    ("hjärtinfarkt", KSH, SearchMode.TEXT, ("I21-P",)),
    ("a02", KSH, SearchMode.CODE, ("A02-P",)),
    ("F32", KSH, SearchMode.CODE, ("F32-",)),
    ("f41.9", KSH, SearchMode.CODE, ("F419P",)),
]


def _matches(code: str, expected: tuple[str, ...], system: CodeSystem) -> bool:
    if system is KSH:
        return code in expected
    return any(code.startswith(family) for family in expected)


@pytest.mark.parametrize(("query", "system", "mode", "expected"), QUERIES)
def test_expected_code_in_top_three(
    query: str, system: CodeSystem, mode: SearchMode, expected: tuple[str, ...]
) -> None:
    top = [d.code for d in search_sync(query, system, mode, 3)]
    assert any(_matches(code, expected, system) for code in top), (query, top)


def test_query_table_is_large_enough() -> None:
    assert len(QUERIES) >= 40


def test_code_search_needs_three_characters() -> None:
    assert search_by_code("J", ICD) == []
    assert search_by_code("J2", ICD) == []
    assert search_by_code("J2.", ICD) == []
    assert search_by_code("J20", ICD)[0].code == "J20"


def test_code_search_prefix_first_short_codes_first() -> None:
    codes = [d.code for d in search_by_code("j20", ICD, 10)]
    assert codes[0] == "J20"
    assert all(code.startswith("J20") for code in codes)
    assert [len(c) for c in codes] == sorted(len(c) for c in codes)
    for variant in ("J20", "j20", "J20.", " j 20 "):
        assert search_by_code(variant, ICD, 1)[0].code == "J20"


def test_code_search_offers_close_codes_after_prefix_matches() -> None:
    codes = [d.code for d in search_by_code("J209", ICD, 10)]
    assert codes[0] == "J209"
    assert "J20" in codes and "J200" in codes  # parent and sibling


def test_text_search_from_first_character() -> None:
    results = search_by_text("a", ICD, 10)
    assert len(results) == 10
    assert all(isinstance(d, Diagnosis) and d.system is ICD for d in results)


def test_exact_before_fuzzy_and_short_before_subcodes() -> None:
    codes = [d.code for d in search_by_text("akut bronkit", ICD, 5)]
    assert codes[0] == "J20"  # "Akut bronkit" itself before its subcodes J200..J209
    assert all(code.startswith("J20") for code in codes)
    assert [d.code for d in search_by_text("ryggvärk", ICD, 2)] == ["M54", "M549"]


def test_no_results_for_blank_or_nonsense() -> None:
    assert search_by_text("", ICD) == []
    assert search_by_text("   ", ICD) == []
    assert search_by_text("xqzxqzxqz", ICD) == []
    assert search_by_code("123", ICD) == []
    assert search_by_code("J20" * 50, ICD) == []


def test_limit_is_respected_and_results_are_distinct() -> None:
    for query in ("bronkit", "depression", "a"):
        results = search_by_text(query, KSH, 5)
        assert len(results) <= 5
        assert len({d.code for d in results}) == len(results)
    assert search_by_text("bronkit", ICD, 0) == []


def test_lookup_and_formatting() -> None:
    assert lookup("j20.9") == Diagnosis("J209", "Akut bronkit, ospecificerad", ICD)
    assert lookup("F438A").text == "Utmattningssyndrom"
    assert lookup("J20", KSH) is None  # ICD-only code in the wrong system
    assert lookup("a02", KSH).code == "A02-P"
    assert lookup("A02-P", KSH).text == "Salmonellainfektioner"
    assert lookup("Z99999") is None
    assert format_code("j20.9") == "J209"
    assert format_code("a02p", KSH) == "A02-P"
    assert code_key("F32-P", KSH) == "F32"
    assert positions("F32-", KSH) == 3
    assert positions("J20.9") == 4


def test_fk_three_character_rule() -> None:
    assert validate_code_for_fk("J2", ICD) == (
        "Ange diagnoskod med så många positioner som möjligt, men minst tre positioner."
    )
    assert validate_code_for_fk("", ICD) == "Ange diagnoskod."
    assert validate_code_for_fk("J20", ICD) is None
    assert validate_code_for_fk("J20.9", ICD) is None
    assert validate_code_for_fk("M659B", ICD) is None
    assert validate_code_for_fk("J20999", ICD) == "Ange diagnoskod med högst fem positioner."


def test_fk_psychiatric_codes_need_four_positions() -> None:
    message = "Ange diagnoskod med minst fyra positioner på en psykisk diagnos."
    assert validate_code_for_fk("F32", ICD) == message
    assert validate_code_for_fk("f3", ICD) == message
    assert validate_code_for_fk("Z73", ICD) == message
    assert validate_code_for_fk("F320", ICD) is None
    assert validate_code_for_fk("F438A", ICD) is None
    assert validate_code_for_fk("F32-", KSH) == message  # KSH97-P markers are no positions
    assert validate_code_for_fk("F419P", KSH) is None


def test_fk_unknown_code() -> None:
    assert validate_code_for_fk("J2099", ICD) == "Diagnoskoden J2099 finns inte i ICD-10-SE."
    assert validate_code_for_fk("J209", KSH) == "Diagnoskoden J209 finns inte i KSH97-P."
    assert validate_code_for_fk("2J0", ICD) is not None


def test_one_code_system_per_certificate_and_heading() -> None:
    assert validate_code_systems([ICD, ICD]) is None
    assert validate_code_systems([ICD, "KSH_97_P"]) == (
        "Alla diagnoser i intyget ska anges med samma kodverk."
    )
    assert KSH.certificate_heading == CERTIFICATE_DIAGNOSIS_HEADING == "Diagnoskod enligt ICD-10-SE"
    assert ICD.label == "ICD-10-SE" and KSH.label == "KSH97-P"


def test_bad_mode_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        search_sync("J20", ICD, "SOUND", 5)
    with pytest.raises(InvalidInput):
        search_sync("J20", "ICD-11", SearchMode.CODE, 5)


async def test_async_search_does_not_block_the_event_loop() -> None:
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    loop_thread = threading.get_ident()
    results = await asyncio.gather(
        *(search(q, ICD, SearchMode.TEXT, 5) for q in ("bronkit", "diabetis", "astma", "a"))
    )
    stop.set()
    await task
    assert ticks > 0
    assert results[0][0].code == "J20"
    assert threading.get_ident() == loop_thread
    assert (await search("j20", "ICD_10_SE", "code", 1))[0].code == "J20"


def test_searches_are_fast_after_warm_up() -> None:
    started = time.perf_counter()
    for query in ("bronkit", "diabetis", "akut bronk", "hjartinfarkt", "a", "ryggvärk"):
        search_by_text(query, ICD, 10)
    assert (time.perf_counter() - started) / 6 < 0.05
