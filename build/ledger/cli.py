"""The `ledger` command: one subcommand per stage, and `build` for all of them in order."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from . import __version__, checks
from .errors import LedgerError


def say(message: str) -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_import(args) -> int:
    from .store import Store, import_paths

    store = Store(args.data_dir)
    if store.holds_sample():
        raise LedgerError(store.manifest_path, "this archive holds the sample lists; import real lists into another --data-dir")
    imported, skipped, errors = import_paths(store, args.paths, date=args.date, kind=args.kind)
    for error in errors:
        warn(f"refused {error}")
    say(f"import: {imported} imported, {skipped} already present, {len(errors)} refused -> {store.root}")
    return 2 if errors else 0


def cmd_fetch(args) -> int:
    from .fetch import fetch_current

    return fetch_current(args.data_dir, page_url=args.page_url, accept_drop=args.accept_drop, log=say, warn=warn)


def cmd_sample(args) -> int:
    from .sample import write_sample_archive

    count = write_sample_archive(args.data_dir)
    say(f"sample: {count} sample lists (written by the project, not ICE data) in {Path(args.data_dir) / 'raw'}")
    return 0


def cmd_ingest(args) -> int:
    from . import ingest

    started = time.perf_counter()
    result = ingest.run(args.data_dir, force=args.force)
    for error in result.errors:
        warn(f"unreadable {error}")
    if result.skipped:
        say(f"ingest: nothing new ({len(result.publications)} publications), {time.perf_counter() - started:.2f}s")
    else:
        pubs = result.publications
        say(
            f"ingest: {len(pubs)} publications, {int(pubs['rows_in'].sum())} rows in, "
            f"{len(result.sheet_rows)} accepted, {len(result.rejected)} rejected, {time.perf_counter() - started:.2f}s"
        )
    return report_checks(args.data_dir)


def report_checks(data_dir: Path) -> int:
    summary = checks.run(data_dir)
    counts = summary["status"].value_counts()
    failed = checks.failures(summary)
    for row in failed.itertuples(index=False):
        warn(f"check failed: {row.check} [{row.scope}]: {row.value} (expected {row.expected})")
    say(
        "checks: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in checks.STATUSES)
        + f" -> {Path(data_dir) / 'build' / 'qa_summary.csv'}"
    )
    return 1 if not failed.empty else 0


def cmd_check(args) -> int:
    return report_checks(args.data_dir)


# The pipeline, in order. Later stages plug in here.
STAGES = ["ingest"]


def cmd_build(args) -> int:
    from . import ingest

    started = time.perf_counter()
    result = ingest.run(args.data_dir, force=args.force)
    for error in result.errors:
        warn(f"unreadable {error}")
    say(f"ingest: {len(result.publications)} publications{' (nothing new)' if result.skipped else ''}")
    status = report_checks(args.data_dir)
    say(f"build: {time.perf_counter() - started:.2f}s")
    return status


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ledger", description="Build the 287(g) Ledger from ICE's published lists.")
    top.add_argument("--data-dir", type=Path, default=Path("data"), help="where raw/ and build/ live (default: data)")
    top.add_argument("--version", action="version", version=f"ledger {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="add every ICE workbook under PATH to the raw archive")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--date", type=parse_date, help="publication date for files whose names carry none")
    p.add_argument("--kind", choices=["participating", "pending"], help="list kind for files whose names do not say")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("fetch", help="download ICE's current participating and pending lists")
    p.add_argument("--page-url", default="https://www.ice.gov/identify-and-arrest/287g")
    p.add_argument("--accept-drop", action="store_true", help="store a list even if its rows dropped over 20%%")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("sample", help="write the project's small sample archive (not ICE data) for an offline build")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("ingest", help="parse every stored workbook into build/")
    p.add_argument("--force", action="store_true", help="ignore the up-to-date stamp (the parse cache is kept)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("check", help="run the quality checks on build/ and write qa_summary.csv")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="run every stage, then the site")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_build)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except LedgerError as exc:
        warn(f"error: {exc}")
        return 2
    except KeyboardInterrupt:
        warn("interrupted")
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, with the way to see more
        if os.environ.get("LEDGER_DEBUG"):
            raise
        warn(f"internal error: {type(exc).__name__}: {exc} (set LEDGER_DEBUG=1 for the traceback)")
        return 3


if __name__ == "__main__":
    sys.exit(main())
