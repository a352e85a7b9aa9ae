"""The Reflex app. Thin: builds the app and imports the pages (which registers them)."""

import logging
import os

import reflex as rx

from components import overlay
from services import jobs, notifications
from services.settings import get_settings
from state import guard, housekeeping, live_collab, pu_watch, session_binding, socket_owners
from webcert_ui import api, pages, security  # noqa: F401  (pages register with @rx.page)

# Outside dev/testability mode, refuse to start with development secrets (names the setting).
get_settings().check_production()

log = logging.getLogger(__name__)


def _backend_exception_handler(exception: Exception) -> rx.event.EventSpec:
    log.error("unhandled error in an event handler", exc_info=exception)
    return rx.toast.error(
        "Ett tekniskt fel uppstod. Dina uppgifter finns kvar; försök igen om en stund.",
        duration=8000,
    )


app = rx.App(
    # Our routes first, then every response (pages, API) through the security headers.
    api_transformer=[api.make_api(), security.with_security_headers],
    backend_exception_handler=_backend_exception_handler,
    stylesheets=["/styles.css"],
    # Sonner's region is named "Notifications alt+T" by default: name it in Swedish.
    toaster=rx.toast.provider(custom_attrs={"customAriaLabel": "Aviseringar (Alt+T)"}),
    # Swedish connection banner and error page instead of Reflex's English defaults.
    app_wraps={
        (55, "ErrorBoundary"): overlay.error_boundary,
        (5, "Overlay"): overlay.overlay,
    },
)
# Events that do not fit their handler (missing or unknown arguments, the generic setvar) are
# refused with a logged warning before they run.
app.add_middleware(guard.EventGuard())
guard.install_log_filter()
# UI state is bound to the server session: reset before any delta when it does not match
# (first, so that nothing runs against a state built for another session).
app.add_middleware(session_binding.SessionBinding(), index=0)
# Several workers: a tab whose worker was killed reconnects elsewhere with its own token and
# state (Reflex would take it for a duplicate tab and start it empty).
socket_owners.install()
# Deliver EHR notifications (§7) from the outbox while the backend runs (every worker may).
app.register_lifespan_task(notifications.run_forever)
# Lock drafts 14 days after creation (§4.1); an idempotent UPDATE, safe on several workers.
app.register_lifespan_task(jobs.lock_drafts_forever)
# Build the diagnosis index and load the PDF fonts in the background at start-up.
app.register_lifespan_task(jobs.warm_up)
# Live collaboration on drafts: prune viewers whose tab closed or lost its connection (§4.2.2).
app.register_lifespan_task(live_collab.sweep_forever)
# PU-tjänsten outage: open certificate pages lock at once, and open again after it (§4.10.2).
app.register_lifespan_task(pu_watch.watch_forever)
# One worker: a closed tab's state leaves memory and disk a minute after it disconnected.
app.register_lifespan_task(housekeeping.evict_forever)
if os.environ.get("WEBCERT_BENCH_PAGES") == "true":  # bench/bench_collab.py only
    from webcert_ui import bench_pages  # noqa: F401
