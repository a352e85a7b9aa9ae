"""How an EHR notification is signed: the headers and the HMAC (one home for the JSON webhook
in services.notifications and the RIV-TA status update in services.interop.status_updates)."""

from __future__ import annotations

import hashlib
import hmac

from services.settings import get_settings

SIGNATURE_HEADER = "X-Webcert-Signature"
EVENT_HEADER = "X-Webcert-Event"
DELIVERY_HEADER = "X-Webcert-Delivery"
ATTEMPT_HEADER = "X-Webcert-Attempt"


def sign(body: bytes | str, secret: str | None = None) -> str:
    """The value of the signature header for ``body``: ``sha256=<hex HMAC-SHA256>``."""
    data = body.encode() if isinstance(body, str) else body
    key = (secret or get_settings().notification_hmac_secret).encode()
    return "sha256=" + hmac.new(key, data, hashlib.sha256).hexdigest()


def verify_signature(body: bytes | str, header: str | None, secret: str | None = None) -> bool:
    """True if ``header`` (``sha256=<hex>``) is the HMAC of ``body`` (constant-time compare)."""
    if not header or not isinstance(header, str) or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().encode())
