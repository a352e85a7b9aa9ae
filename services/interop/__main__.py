"""``python -m services.interop``: check and produce RegisterCertificate v3 messages.

validate FILE...     one line per file: ``OK <file>`` or ``FEL <file>: <first error>``;
                     exit 0 only if every file is valid (XSD, schematron, own rules)
roundtrip FILE...    import, export again and validate: ``OK <file>`` when the new message is
                     valid and carries the same answers, else ``FEL <file>: ...``
export ID            the XML of a stored certificate (database from settings)
verify FILE...       check the XML signature against the SITHS CA: who signed and when
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from services import interop


class _Failed(Exception):
    """A file that does not pass: the message is the first reason."""


def _each(files: list[str], check: Callable[[bytes], str]) -> int:
    """Run ``check`` on each file: ``OK <file><what check returned>`` or ``FEL <file>: ...``."""
    failed = 0
    for name in files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"FEL {name}: kan inte läsa filen ({exc.strerror})")
            failed += 1
            continue
        try:
            note = check(data)
        except _Failed as exc:
            failed += 1
            print(f"FEL {name}: {exc}")
            continue
        print(f"OK {name}{note}")
    return 1 if failed else 0


def _without_problems(check: Callable[[bytes], list[interop.Problem]]) -> Callable[[bytes], str]:
    def run(data: bytes) -> str:
        problems = check(data)
        if problems:
            raise _Failed(problems[0])
        return ""

    return run


def _export(certificate_id: str) -> int:
    from services.persistence.db import session_scope
    from services.persistence.models import Certificate

    with session_scope() as s:
        cert = s.get(Certificate, certificate_id)
        if cert is None:
            print(f"FEL {certificate_id}: intyget finns inte", file=sys.stderr)
            return 1
        if cert.signed_at is None:
            print(f"FEL {certificate_id}: intyget är inte signerat", file=sys.stderr)
            return 1
        sys.stdout.write(interop.export_certificate(cert).decode("utf-8") + "\n")
    return 0


def _signature(ca: str | None) -> Callable[[bytes], str]:
    from services.interop import signing

    def run(data: bytes) -> str:
        try:
            result = signing.verify(data, ca_pem=Path(ca).read_bytes() if ca else None)
        except signing.SignatureError as exc:
            raise _Failed(exc) from None
        return f": signerat av {result.signer} den {result.signed_at}"

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.interop",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("validate", help="validera filer").add_argument("files", nargs="+")
    sub.add_parser("roundtrip", help="importera, exportera, validera").add_argument(
        "files", nargs="+"
    )
    sub.add_parser("export", help="skriv ut ett lagrat intyg").add_argument("certificate_id")
    verify = sub.add_parser("verify", help="kontrollera signaturen")
    verify.add_argument("files", nargs="+")
    verify.add_argument("--ca", help="CA-certifikat (PEM); annars hämtas det från SITHS-simulatorn")
    args = parser.parse_args(argv)
    if args.command == "validate":
        return _each(args.files, _without_problems(interop.validate))
    if args.command == "roundtrip":
        return _each(args.files, _without_problems(interop.roundtrip))
    if args.command == "export":
        return _export(args.certificate_id)
    return _each(args.files, _signature(args.ca))


if __name__ == "__main__":
    sys.exit(main())
