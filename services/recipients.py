"""Talking to the certificate recipients (Försäkringskassan, Transportstyrelsen) over HTTP.

One retrying call for everything Webcert sends a recipient — certificates, revocations,
questions and answers: :func:`call_riv`, a SOAP request (RegisterCertificate, RevokeCertificate,
SendMessageToRecipient) to the recipient's RIV-TA address, answered by a RIV-TA result.
Transport errors and 5xx answers that are not SOAP are retried (3 attempts with a short
exponential wait); what the result means is for the caller to decide.
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from services import http_client
from services.certificates.base import Recipient
from services.interop import soap
from services.settings import get_settings


class Transient(Exception):
    """A recipient answer worth retrying (5xx)."""


# What a caller catches when the recipient could not be reached after the retries.
UNREACHABLE = (httpx.HTTPError, Transient)


# RIV-TA logical addresses and service paths of the recipients
LOGICAL_ADDRESS = {Recipient.FK: "FKASSA", Recipient.TS: "TRANSP"}
RIV_PATHS = {
    "RegisterCertificate": "/riv/RegisterCertificate/3",
    "RevokeCertificate": "/riv/RevokeCertificate/2",
    "SendMessageToRecipient": "/riv/SendMessageToRecipient/2",
}


def base_url(recipient: Recipient) -> str:
    settings = get_settings()
    return settings.fk_url if recipient == Recipient.FK else settings.ts_url


async def call_riv(recipient: Recipient, operation: str, element: Any) -> soap.Result:
    """Send the RIV-TA request ``element`` (an lxml element of ``operation``) in a SOAP envelope
    and return the recipient's result. Raises one of UNREACHABLE when it stays down; a SOAP
    Fault is an ERROR result (TECHNICAL_ERROR), not retried."""
    settings = get_settings()
    body = soap.envelope(element, LOGICAL_ADDRESS[recipient])
    client, url = http_client.shared(), base_url(recipient).rstrip("/") + RIV_PATHS[operation]
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type((httpx.TransportError, Transient)),
        reraise=True,
    ):
        with attempt:
            response = await client.post(
                url,
                content=body,
                headers={"Content-Type": soap.CONTENT_TYPE, "SOAPAction": operation},
                timeout=settings.http_timeout_seconds,
            )
            is_xml = "xml" in response.headers.get("content-type", "")
            if response.status_code >= 500 and not is_xml:
                raise Transient(str(response.status_code))
    return soap.read_result(response.content)
