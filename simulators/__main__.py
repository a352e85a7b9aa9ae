"""``python -m simulators``: run HSA, PU-tjänsten, FK, TS and the demo EHR on loopback.

Ports come from settings (WEBCERT_HSA_URL etc., defaults 8101-8105).
"""

from __future__ import annotations

import argparse

from simulators.runner import SIMULATOR_NAMES, serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=SIMULATOR_NAMES,
        default=list(SIMULATOR_NAMES),
        help="run only these simulators",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    serve_forever(host=args.host, only=tuple(args.only), log_level=args.log_level)


if __name__ == "__main__":
    main()
