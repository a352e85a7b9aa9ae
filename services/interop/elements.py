"""The small XML builders and readers every RIV-TA message shares (lxml elements)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from services.interop.transport import ARBETSPLATSKOD_OID, GN, HSA_OID, TP

_G = f"{{{GN}}}"
_T = f"{{{TP}}}"


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    """A child element ``tag`` of ``parent``, with ``text`` when one is given."""
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def ii(parent: etree._Element, tag: str, root: str, extension: str) -> None:
    """An II (identifier) element: ``root`` (an OID) and ``extension`` (the id)."""
    el = sub(parent, tag)
    sub(el, _T + "root", root)
    sub(el, _T + "extension", extension)


def coded(parent: etree._Element, tag: str, value: str, system: str, display: str = "") -> None:
    """A CV (coded value) element: code, codeSystem and, when there is one, displayName."""
    el = sub(parent, tag)
    sub(el, _T + "code", value)
    sub(el, _T + "codeSystem", system)
    if display:
        sub(el, _T + "displayName", display)


def text_at(el: etree._Element | None, path: str) -> str:
    """The stripped text at ``path`` (prefixes ``g`` and ``t``) below ``el``; "" when absent."""
    if el is None:
        return ""
    return (el.findtext(path, namespaces={"g": GN, "t": TP}) or "").strip()


def hos_personal(
    parent: etree._Element,
    tag: str,
    person: dict[str, Any],
    *,
    unit_id: str | None = None,
    qualifications: bool = False,
) -> etree._Element:
    """A HosPersonal (skapadAv, skickatAv) from an issuer/sender dict, with its enhet and
    vårdgivare; ``unit_id`` overrides the dict's. With ``qualifications`` (the signer of an
    intyg) also förskrivarkod and specialistkompetens."""

    def value(key: str, default: str = "") -> str:
        return str(person.get(key) or default)

    el = sub(parent, tag)
    ii(el, _G + "personal-id", HSA_OID, value("hsa_id"))
    sub(el, _G + "fullstandigtNamn", value("name"))
    if qualifications and person.get("prescription_code"):
        sub(el, _G + "forskrivarkod", value("prescription_code"))
    enhet = sub(el, _G + "enhet")
    ii(enhet, _G + "enhets-id", HSA_OID, value("unit_id") if unit_id is None else unit_id)
    ii(enhet, _G + "arbetsplatskod", ARBETSPLATSKOD_OID, value("workplace_code", "0000000"))
    sub(enhet, _G + "enhetsnamn", value("unit_name"))
    sub(enhet, _G + "postadress", value("unit_address"))
    sub(enhet, _G + "postnummer", value("unit_postal_code"))
    sub(enhet, _G + "postort", value("unit_city"))
    sub(enhet, _G + "telefonnummer", value("unit_phone"))
    vg = sub(enhet, _G + "vardgivare")
    ii(vg, _G + "vardgivare-id", HSA_OID, value("care_provider_id"))
    sub(vg, _G + "vardgivarnamn", value("care_provider_name"))
    if qualifications:
        for speciality in person.get("specialities") or ():
            sk = sub(el, _G + "specialistkompetens")
            sub(sk, _T + "code", "N/A")
            sub(sk, _T + "displayName", str(speciality))
    return el
