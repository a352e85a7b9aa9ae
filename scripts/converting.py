"""What the data converters share: reproducible gzip and the write-or-``--check`` command line.

Each converter reads a source folder (default /work/shared/data) and produces named files; this
module writes them into the target folder, or with ``--check`` only reports the ones whose shipped
bytes differ (exit 1), so a re-run with unchanged input is a no-op.
"""

from __future__ import annotations

import argparse
import gzip
import io
import sys
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/work/shared/data")


def gzip_bytes(text: str) -> bytes:
    """``text`` as UTF-8, gzip-compressed with no timestamp in the header (identical bytes for
    identical input)."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9, mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


def main(
    argv: list[str] | None,
    *,
    doc: str,
    target: Path,
    convert: Callable[[Path], tuple[dict[str, bytes], str]],
) -> int:
    """The converter's command line: ``convert(source)`` gives {file name: bytes} and a summary
    line ("" for none); the files are written to ``--target`` or, with ``--check``, compared."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--target", type=Path, default=target)
    parser.add_argument(
        "--check", action="store_true", help="only verify that the shipped files are up to date"
    )
    args = parser.parse_args(argv)

    outputs, summary = convert(args.source)
    stale = []
    for name, data in outputs.items():
        path = args.target / name
        if args.check:
            if not path.exists() or path.read_bytes() != data:
                stale.append(name)
            continue
        args.target.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path} ({len(data):,} bytes)")
    if summary:
        print(summary)
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0
