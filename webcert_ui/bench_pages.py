"""Benchmark-only page: Reflex's floor for live updates between two browser tabs.

Imported by webcert_ui.webcert_ui only when WEBCERT_BENCH_PAGES=true (bench/bench_collab.py
starts the app so); never part of the normal build. /bench/shared links an rx.SharedState to one
room; "bump" changes a counter that every linked tab shows.
"""

from __future__ import annotations

import reflex as rx

ROOM = "bench-room"


class BenchShared(rx.SharedState):
    counter: int = 0

    @rx.event
    async def join(self):
        await self._link_to(ROOM)

    @rx.event
    def bump(self):
        self.counter += 1


@rx.page(route="/bench/shared", title="Bench", on_load=BenchShared.join)
def bench_shared() -> rx.Component:
    return rx.vstack(
        rx.text(BenchShared.counter, data_testid="bench-counter"),
        rx.button("bump", on_click=BenchShared.bump, data_testid="bench-bump"),
    )
