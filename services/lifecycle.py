"""Certificate lifecycle (manual §4, §8): a façade, no logic of its own.

Every action takes the logged-in ``user`` (a SessionUser), fetches the patient from
PU-tjänsten (when PU-tjänsten does not answer, everything is locked), asks
:func:`services.rights.decide` first and raises its typed error (Swedish message) when refused.
The change, its PDL audit record and its EHR notification are written in one transaction.

The verbs live in one module per group; this module re-exports their public functions so that
callers can keep writing ``lifecycle.sign(...)``:

* :mod:`services.certificate_access` — load for a user, prepare (load + PU + rights), relation
  flags, the compare-and-set helper and the one ``Certificate(...)`` construction;
* :mod:`services.certificate_views` — open, read, list and relations of certificates;
* :mod:`services.drafts` — create, save, delete, the 14-day lock;
* :mod:`services.signing` — sign, mark ready for signing;
* :mod:`services.sending` — send, revoke;
* :mod:`services.derived` — renew, replace, copy a locked draft, complement;
* :mod:`services.question_handling` — marking question threads handled (used by signing,
  sending and :mod:`services.questions`).

Each module states its idempotency against double submission in its docstring.
"""

from __future__ import annotations

from services.certificate_access import patient_snapshot
from services.certificate_views import (
    CertificateView,
    RelationLink,
    RelationsView,
    get_certificate,
    list_for_unit,
    open_certificate,
    patient_of,
    relations,
)
from services.derived import (
    complement,
    copy_locked,
    existing_replacement_draft,
    open_complement_draft,
    renew,
    replace,
)
from services.drafts import (
    SaveResult,
    create_draft,
    delete_draft,
    lock_expired_drafts,
    save_draft,
    saved_content,
    saved_draft,
)
from services.sending import certificate_payload, revoke, send
from services.signing import (
    SignedNotSent,
    content_hash,
    issuer_snapshot,
    mark_ready_for_signing,
    sends_when_signed,
    sign,
)

__all__ = [
    "CertificateView",
    "RelationLink",
    "RelationsView",
    "SaveResult",
    "SignedNotSent",
    "certificate_payload",
    "complement",
    "content_hash",
    "copy_locked",
    "create_draft",
    "delete_draft",
    "existing_replacement_draft",
    "get_certificate",
    "issuer_snapshot",
    "list_for_unit",
    "lock_expired_drafts",
    "mark_ready_for_signing",
    "open_certificate",
    "open_complement_draft",
    "patient_of",
    "patient_snapshot",
    "relations",
    "renew",
    "replace",
    "revoke",
    "save_draft",
    "saved_content",
    "saved_draft",
    "send",
    "sends_when_signed",
    "sign",
]
