"""Talking to the certificate recipients (Försäkringskassan, Transportstyrelsen) over HTTP.

One retrying POST for every call Webcert makes to a recipient: certificates, revocations,
questions and answers. Transport errors and 5xx answers are retried (3 attempts with a short
exponential wait); what the answer means is for the caller to decide.
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from services import http_client
from services.certificates.base import Recipient
from services.settings import get_settings


class Transient(Exception):
    """A recipient answer worth retrying (5xx)."""


# What a caller catches when the recipient could not be reached after the retries.
UNREACHABLE = (httpx.HTTPError, Transient)


def base_url(recipient: Recipient) -> str:
    settings = get_settings()
    return settings.fk_url if recipient == Recipient.FK else settings.ts_url


async def post(recipient: Recipient, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST ``body`` to the recipient; raises one of UNREACHABLE when it stays down."""
    settings = get_settings()
    client, url = http_client.shared(), base_url(recipient).rstrip("/") + path
    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(3),
        wait=wait_exponential(multiplier=0.2, max=2),
        retry=retry_if_exception_type((httpx.TransportError, Transient)),
        reraise=True,
    ):
        with attempt:
            response = await client.post(url, json=body, timeout=settings.http_timeout_seconds)
            if response.status_code >= 500:
                raise Transient(str(response.status_code))
    return response
