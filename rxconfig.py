"""Reflex configuration. Everything environment-specific comes from services.settings."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from services.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="webcert_ui",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    db_url=_settings.database_url,
    redis_url=_settings.redis_url,
    # Only the public origin(s) may open the websocket or call the API from a browser.
    cors_allowed_origins=_settings.public_origins(),
    # A tab's state lives about as long as the server session (30 min of inactivity) and is
    # bound to it (state.session_binding): a stale client token finds nothing.
    redis_token_expiration=_settings.session_timeout_minutes * 60 + 60,
    default_color_mode="light",
    react_strict_mode=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="indigo", radius="medium")
        )
    ],
    disable_plugins=[SitemapPlugin],
)
