"""One source for each fact (issue 16 item 4): the tables other modules use are derived from the
certificate definitions, and the shared vocabularies are one type each."""

from __future__ import annotations

from services import questions, rights
from services.certificates import all_definitions, creatable_types, get_definition
from services.certificates.base import Recipient
from services.question_handling import Topic
from services.roles import Role
from services.settings import PROJECT_ROOT as ROOT

APP_LAYERS = ("services", "state", "components", "webcert_ui")

EVERY_ROLE = frozenset(Role)
NO_DENTIST = frozenset({Role.LAKARE, Role.VARDADMINISTRATOR})

# Manual §2.4 table 2, written from the manual (not from the code): who may write which type.
TABLE_2 = {
    "fk7804": EVERY_ROLE,
    "fk7800": NO_DENTIST,
    "fk7801": NO_DENTIST,
    "fk7802": NO_DENTIST,
    "tstrk1007": NO_DENTIST,
    "tstrk1031": NO_DENTIST,
    "fk7263": EVERY_ROLE,  # endast visning och utskrift
}


def test_every_definition_names_its_roles() -> None:
    assert {d.type: d.roles for d in all_definitions()} == TABLE_2


def test_types_by_role_is_what_the_definitions_say() -> None:
    assert rights.TYPES_BY_ROLE == {d.type: d.roles for d in all_definitions()}


def test_fk_and_ts_types_follow_the_recipient() -> None:
    assert rights.FK_TYPES == {d.type for d in all_definitions() if d.recipient == Recipient.FK}
    assert rights.TS_TYPES == {d.type for d in all_definitions() if d.recipient == Recipient.TS}
    assert rights.FK_TYPES == {"fk7800", "fk7801", "fk7802", "fk7804", "fk7263"}
    assert rights.TS_TYPES == {"tstrk1007", "tstrk1031"}


def test_read_only_types_follow_the_definition() -> None:
    assert set(rights.READ_ONLY_TYPES) == {d.type for d in all_definitions() if d.read_only}
    assert set(rights.READ_ONLY_TYPES) == {"fk7263"}
    assert set(creatable_types()) == set(rights.TYPES_BY_ROLE) - set(rights.READ_ONLY_TYPES)


def test_a_dentist_may_write_fk7804_only() -> None:
    """The derived table still drives decide(): table 2 for a tandläkare."""
    writable = {t for t, roles in rights.TYPES_BY_ROLE.items() if Role.TANDLAKARE in roles}
    assert writable - set(rights.READ_ONLY_TYPES) == {"fk7804"}
    assert get_definition("tstrk1007").roles == NO_DENTIST


def test_question_topics_are_one_enum() -> None:
    assert questions.TOPICS == {t.value: t.label for t in Topic}
    assert [t.value for t in questions.ASK_TOPICS] == ["AVSTMN", "KONTKT", "OVRIGT"]
    assert Topic.KOMPLT == "KOMPLT" and Topic.KOMPLT.label == "Komplettering"


def _files_with(text: str, layers: tuple[str, ...] = APP_LAYERS) -> list[str]:
    """The app's source files (in ``layers``) that contain ``text``."""
    return [
        str(path.relative_to(ROOT))
        for layer in layers
        for path in (ROOT / layer).rglob("*.py")
        if text in path.read_text(encoding="utf-8")
    ]


def test_no_bare_topic_codes_in_state_and_components() -> None:
    ui = ("state", "components", "webcert_ui")
    assert [f for t in Topic for q in "\"'" for f in _files_with(f"{q}{t.value}{q}", ui)] == []


def test_a_session_unit_is_the_hsa_care_unit() -> None:
    """identity's unit of a session is hsa.CareUnit itself (no copy type to keep in step)."""
    import typing

    from services import hsa, identity

    assert not hasattr(identity, "UnitInfo")
    hints = typing.get_type_hints(identity.SessionUser, vars(identity))
    assert hints["unit"] == hsa.CareUnit | None


def test_one_date_time_formatter() -> None:
    """Every time shown to a person goes through localtime.format_datetime: no local copies."""
    from datetime import UTC, datetime

    from services.localtime import format_datetime

    assert _files_with("def _fmt") == []
    summer = datetime(2026, 7, 1, 12, 11, 5, tzinfo=UTC)
    assert format_datetime(summer) == "2026-07-01 14:11"
    assert format_datetime(summer, seconds=True) == "2026-07-01 14:11:05"
    assert format_datetime(summer.replace(tzinfo=None)) == "2026-07-01 14:11"  # stored: UTC
    assert format_datetime(None) == ""


def test_services_return_ids_not_certificate_urls() -> None:
    """The certificate page's path is built in one place (services.routes), above the services."""
    assert _files_with('"/intyg/') == ["services/routes.py"]
    from services import certificate_views, lifecycle

    assert not hasattr(lifecycle, "href") and not hasattr(certificate_views, "href")
