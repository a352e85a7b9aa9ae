"""RegisterCertificate v3 speed: export and full validation (XSD + schematron + own rules).

For every type sent (FK7804, FK7800, FK7801, FK7802, TSTRK1007, TSTRK1031) a complete certificate
is exported N times and its message validated N times, after a warm-up (schemas compiled once per
process). Prints the median and 95th percentile per type, wall clock and CPU time (the machine is
shared: CPU time shows the work without waiting for other processes).

    .venv/bin/python bench/bench_interop.py [-n 60]

Targets: validate <= 25 ms median, export <= 5 ms median. The verdict is on CPU time (the
work itself, single-threaded, no I/O): on an idle machine wall clock equals it, on a shared one
wall clock also counts the time other processes hold the cores (the load average is printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services import interop  # noqa: E402
from services.interop import register  # noqa: E402
from tests.factories import register_certificate  # noqa: E402

TYPES = ("fk7804", "fk7800", "fk7801", "fk7802", "tstrk1007", "tstrk1031")
TARGET_VALIDATE_MS = 25.0
TARGET_EXPORT_MS = 5.0


def measure(fn: Callable[[], object], n: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(n):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    return wall, cpu


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=60)
    args = parser.parse_args()
    print(f"{'type':10} {'export ms (wall/cpu)':>22} {'validate ms (wall/cpu)':>24} {'p95 val':>8}")
    all_export, all_validate, cpu_export, cpu_validate = [], [], [], []
    for cert_type in TYPES:
        data = register_certificate(cert_type)
        xml = register.export(data)
        problems = interop.validate(xml)  # warm-up: compiles the XSD and the schematron
        if problems:
            print(f"{cert_type}: the sample is not valid: {problems[0]}")
            return 1
        for _ in range(5):
            interop.validate(xml)
        ew, ec = measure(lambda d=data: register.export(d), args.n)
        vw, vc = measure(lambda x=xml: interop.validate(x), args.n)
        all_export += ew
        all_validate += vw
        cpu_export += ec
        cpu_validate += vc
        print(
            f"{cert_type:10} {statistics.median(ew):10.2f} / {statistics.median(ec):6.2f}"
            f"     {statistics.median(vw):10.2f} / {statistics.median(vc):6.2f}   {p95(vw):8.2f}"
        )
    export_cpu, validate_cpu = statistics.median(cpu_export), statistics.median(cpu_validate)
    print(
        f"all types, CPU: export median {export_cpu:.2f} ms (target <= {TARGET_EXPORT_MS}), "
        f"validate median {validate_cpu:.2f} ms (target <= {TARGET_VALIDATE_MS})"
    )
    print(
        f"all types, wall clock: export median {statistics.median(all_export):.2f} ms, "
        f"validate median {statistics.median(all_validate):.2f} ms; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    ok = export_cpu <= TARGET_EXPORT_MS and validate_cpu <= TARGET_VALIDATE_MS
    print("OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
