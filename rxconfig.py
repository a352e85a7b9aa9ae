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
    default_color_mode="light",
    react_strict_mode=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(appearance="light", accent_color="indigo", radius="medium")
        )
    ],
    disable_plugins=[SitemapPlugin],
)
