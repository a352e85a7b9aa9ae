"""The real app (production build, as `make run` starts it) for the trust-boundary probes that
need a browser or the websocket. The fixtures are tests/e2e's; this folder runs in a pytest
process of its own (Makefile), like tests/e2e."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures)
    app_server,
    browser_context_args,
    browser_type_launch_args,
    shot,
)
