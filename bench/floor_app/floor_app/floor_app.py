"""Reflex's floor for bench/bench_load.py: a page whose handler only stores what it is sent."""

import reflex as rx


class FloorState(rx.State):
    value: str = ""

    @rx.event
    def echo(self, value: str):
        """The no-op handler: the value comes back as the delta (so the round trip is seen)."""
        self.value = value if isinstance(value, str) else ""


def index() -> rx.Component:
    return rx.text(FloorState.value)


app = rx.App()
app.add_page(index, route="/")
