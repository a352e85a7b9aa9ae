"""What the app imports at start-up (issue 16 item 6: a second `make run` serves in seconds).

The XPath 2.0 engine of the schematron check (elementpath) and numpy (the diagnosis index)
load on first use, not when the services are imported: each is about 0.4 s of a start."""

from __future__ import annotations

import subprocess
import sys

from services.settings import PROJECT_ROOT

LATE = ("elementpath", "numpy")


def test_services_import_without_the_late_libraries() -> None:
    probe = (
        "import sys\n"
        "import services.jobs, services.sending, services.signing, services.notifications\n"
        "import services.diagnoses, services.fmb, services.sick_leave, services.interop\n"
        f"print(sorted(m for m in {LATE!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
