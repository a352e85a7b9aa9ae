"""App-wide overlays in Swedish: the connection banner and the error boundary fallback.

Replace Reflex's English defaults (a connection toast, and an error page that shows the
exception text) so that no raw exception text or English message ever reaches the user.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.base.error_boundary import ErrorBoundary
from reflex_components_core.core.banner import has_connection_errors

CONNECTION_LOST = (
    "Anslutningen till Webcert har brutits. Försöker ansluta igen … Det du har sparat finns "
    "kvar; ändringar sparas när anslutningen är tillbaka."
)


def connection_banner() -> rx.Component:
    return rx.cond(
        has_connection_errors,
        rx.box(
            rx.hstack(
                rx.spinner(size="2"),
                rx.text(CONNECTION_LOST, size="2", weight="medium"),
                align="center",
                spacing="3",
            ),
            position="fixed",
            top="0",
            left="0",
            right="0",
            z_index="9999",
            padding="0.75em 1.5em",
            background_color=rx.color("amber", 4),
            border_bottom=f"1px solid {rx.color('amber', 8)}",
            color=rx.color("gray", 12),
            role="alert",
            data_testid="connection-banner",
        ),
    )


def overlay(stateful: bool) -> rx.Component | None:
    return connection_banner() if stateful else None


def error_boundary(stateful: bool) -> rx.Component:
    return ErrorBoundary.create(
        fallback_render=rx.Var.create(
            rx.center(
                rx.vstack(
                    rx.heading("Något gick fel när sidan skulle visas", size="5"),
                    rx.text(
                        "Ladda om sidan. Det du har sparat finns kvar. Om felet kvarstår, öppna "
                        "intyget på nytt från journalsystemet."
                    ),
                    spacing="3",
                    max_width="40em",
                ),
                padding="3em",
                data_testid="error-boundary",
            )
        ),
    )
