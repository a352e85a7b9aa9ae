"""The bare Reflex app of bench/bench_load.py (the floor): one state, one handler, no database."""

import os

import reflex as rx

config = rx.Config(
    app_name="floor_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or None,
    disable_plugins=["reflex.plugins.sitemap.SitemapPlugin"],
)
