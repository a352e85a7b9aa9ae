"""Fixtures for tests that need the simulators over real HTTP on loopback.

Import them in a test module::

    from tests.integration.sim_fixtures import sims, simulators  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulators.runner import RunningSimulators, start_simulators


@pytest.fixture(scope="module")
def simulators() -> Iterator[RunningSimulators]:
    """All five simulators on free ports, for the whole test module."""
    with start_simulators() as running:
        yield running


@pytest.fixture
def sims(simulators: RunningSimulators) -> RunningSimulators:
    """The module's simulators, reset to the initial test data before the test."""
    simulators.reset_all()
    return simulators
