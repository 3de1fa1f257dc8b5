"""The `ledger` command: one subcommand per stage, and `build` for all of them in order."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from . import __version__
from .common.errors import LedgerError
from .common.ice import ICE_PAGE_URL
from .common.paths import DEFAULT_SITE




def say(message: str) -> None:
    print(message, flush=True)


def warn(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_import(args) -> int:
    from .sources.store import Store, import_paths

    store = Store(args.data_dir)
    if store.holds_sample():
        raise LedgerError(store.manifest_path, "this archive holds the sample lists; import real lists into another --data-dir")
    imported, skipped, errors = import_paths(store, args.paths, date=args.date, list_kind=args.kind)
    for error in errors:
        warn(f"refused {error}")
    say(f"import: {imported} imported, {skipped} already present, {len(errors)} refused -> {store.root}")
    return 2 if errors else 0


def cmd_fetch(args) -> int:
    from .sources.fetch import fetch_current

    return fetch_current(args.data_dir, page_url=args.page_url, accept_drop=args.accept_drop, log=say, warn=warn, extra_hosts=args.allowed_host)


def cmd_sample(args) -> int:
    from .sources.sample import write_sample_archive

    count = write_sample_archive(args.data_dir)
    say(f"sample: {count} sample lists and sample removal figures (written by the project, not ICE data) in {Path(args.data_dir) / 'raw'}")
    return 0


# Unused fix rows are one line per fix table: a sample or partial archive leaves most of the real
# archive's hand fixes unmatched, and eighty lines of them would bury the warnings worth reading.
GROUPED_CHECKS = {"fix_unused"}
LISTED_KEYS = 8


def warning_lines(summary, sample: bool = False) -> list[str]:
    """One line per fail and warn row of the checks (summary order: fails first, then by check and scope).

    On the sample archive, which is built with the real archive's hand fixes and needs few of them,
    the unused fix rows of every table are one line.
    """
    lines: list = []
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for row in summary[summary["status"].isin(["fail", "warn"])].itertuples(index=False):
        if row.check in GROUPED_CHECKS and ": " in row.scope:
            table, _, key = row.scope.partition(": ")
            group = (row.status, row.check, table)
            if group not in grouped:
                grouped[group] = []
                lines.append(group)  # placeholder, filled below, keeps the summary's order
            grouped[group].append(key)
            continue
        lines.append(f"{row.status} {row.check} {row.scope}: {row.value} (expected {row.expected})")
    if sample and grouped:
        tables = sorted({table for _, _, table in grouped})
        count = sum(len(keys) for keys in grouped.values())
        lines = [line for line in lines if not isinstance(line, tuple)]
        lines.append(f"warn fix_unused {len(tables)} fix tables: {count} rows matched no value (the sample archive is built with the real archive's hand fixes and needs few of them)")
    for position, line in enumerate(lines):
        if isinstance(line, tuple):
            keys = grouped[line]
            shown = ", ".join(keys[:LISTED_KEYS]) + (f" and {len(keys) - LISTED_KEYS} more" if len(keys) > LISTED_KEYS else "")
            lines[position] = f"{line[0]} {line[1]} {line[2]}: {len(keys)} rows matched no value: {shown}"
    return lines


def report_checks(data_dir: Path, site_dir: Path | None = None) -> int:
    from . import checks

    summary = checks.run(data_dir, site_dir=site_dir)
    counts = summary["status"].value_counts()
    failed = checks.failures(summary)
    from .sources.store import Store

    for line in warning_lines(summary, sample=Store(data_dir).holds_sample()):
        warn(line)
    say(
        "checks: "
        + ", ".join(f"{counts.get(s, 0)} {s}" for s in checks.STATUSES)
        + f" -> {Path(data_dir) / 'build' / 'qa_summary.csv'}"
    )
    return 1 if not failed.empty else 0


def site_dir_of(args) -> Path:
    return Path(args.site_dir or DEFAULT_SITE)


def cmd_check(args) -> int:
    site = site_dir_of(args)
    return report_checks(args.data_dir, site_dir=site if site.exists() else None)


# How each stage's result is told on the console; the stages themselves come from ledger.pipeline.
def summary_ingest(result) -> str:
    for error in result.errors:
        warn(f"unreadable {error}")
    pubs = result.publications
    rejected = int(result.rejected["rows"].sum()) if len(result.rejected) else 0  # a record may stand for a blank run
    return (
        f"ingest: {len(pubs)} publications, {int(pubs['rows_in'].sum())} rows in, "
        f"{len(result.sheet_rows)} accepted, {rejected} rejected"
    )


def summary_history(result) -> str:
    return f"history: {len(result.agencies)} agencies, {len(result.agreements)} agreements, {len(result.changes)} changes"


def summary_removals(result) -> str:
    for error in result.errors:
        warn(f"refused {error}")
    return result.summary()


def summary_render(result) -> str:
    return (
        f"render: {result.pages} pages, {result.charts} charts ({result.svgs_drawn} SVGs drawn), "
        f"{len(result.feeds)} feeds {result.feeds_seconds:.2f}s, api {result.api_seconds:.2f}s, mkdocs {result.mkdocs_seconds:.1f}s"
    )


def summary_downloads(result) -> str:
    return f"downloads: {result.tables} tables, {result.files} files, {result.bytes / 2**20:.1f} MiB"


SUMMARIES = {
    "ingest": summary_ingest, "history": summary_history, "removals": summary_removals,
    "downloads": summary_downloads, "render": summary_render,
}  # fmt: skip


def run_one(stage, args) -> str:
    """Run one stage through the pipeline (skipped when nothing it reads changed) and say what it did."""
    from . import pipeline

    force = getattr(args, "force", False)
    if stage.name == "render":
        mkdocs = not getattr(args, "no_mkdocs", False)
        site = site_dir_of(args)
        result = pipeline.run(
            stage, args.data_dir, force=force, variant="site" if mkdocs else "pages",
            extra_outputs=[site / "index.html"] if mkdocs else [], site_dir=site, mkdocs=mkdocs,
        )  # fmt: skip
    else:
        result = pipeline.run(stage, args.data_dir, force=force)
    return f"{stage.name}: nothing new" if result is None else SUMMARIES[stage.name](result)


def run_stage(name: str):
    def command(args) -> int:
        from . import pipeline

        started = time.perf_counter()
        say(f"{run_one(pipeline.BY_NAME[name], args)}, {time.perf_counter() - started:.2f}s")
        site = site_dir_of(args) if name == "render" and not getattr(args, "no_mkdocs", False) else None
        return report_checks(args.data_dir, site_dir=site)

    return command


def cmd_build(args) -> int:
    from . import pipeline

    started = time.perf_counter()
    for stage in pipeline.ordered():
        if stage.name == "check":
            continue  # the checks run last, always: they also read the site
        begun = time.perf_counter()
        say(f"{run_one(stage, args)}, {time.perf_counter() - begun:.2f}s")
    status = report_checks(args.data_dir, site_dir=site_dir_of(args))
    say(f"build: {time.perf_counter() - started:.2f}s")
    return status


def cmd_stages(args) -> int:
    from . import pipeline

    if args.dictionary:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=["table", "stage", "column", "type", "description"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(pipeline.dictionary_rows())
        return 0
    say(pipeline.markdown_table() if args.markdown else pipeline.graph_text())
    return 0


def cmd_asof(args) -> int:
    from .history import asof

    active, changed, publication = asof.run(args.data_dir, args.date, args.out)
    if publication is None:
        say(f"asof {args.date}: no participating list had been published yet")
        return 0
    say(f"asof {args.date}: {len(active)} agreements on the list in force ({publication['publication_id']}, {list(publication['file_names'])[0]})")
    for (model, count) in active.groupby("support_type").size().items():
        say(f"  {model}: {count}")
    say(f"changes published that day: {len(changed)}")
    for (change, count) in changed.groupby("change").size().items():
        say(f"  {change}: {count}")
    return 0


def cmd_import_removals(args) -> int:
    from .sources.removal_files import import_removals

    imported, skipped, errors = import_removals(args.data_dir, args.paths)
    for error in errors:
        warn(f"refused {error}")
    say(f"import-removals: {imported} imported, {skipped} already present, {len(errors)} refused")
    return 2 if errors else 0


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="ledger", description="Build the 287(g) Ledger from ICE's published lists.")
    top.add_argument("--data-dir", type=Path, default=Path("data"), help="where raw/ and build/ live (default: data)")
    top.add_argument("--site-dir", type=Path, default=None, help="where the site is built (default: site)")
    top.add_argument("--version", action="version", version=f"ledger {__version__}")
    sub = top.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="add every ICE workbook under PATH to the raw archive")
    p.add_argument("paths", nargs="+", type=Path)
    p.add_argument("--date", type=parse_date, help="publication date for files whose names carry none")
    p.add_argument("--kind", choices=["participating", "pending"], help="list kind for files whose names do not say")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("fetch", help="download ICE's current participating and pending lists")
    p.add_argument("--page-url", default=ICE_PAGE_URL)
    p.add_argument("--accept-drop", action="store_true", help="store a list even if its rows dropped over 20%%")
    p.add_argument(
        "--allowed-host", action="append", default=[], metavar="HOST",
        help="also follow list links and redirects to HOST (repeatable); the page's own host is always allowed, "
        "both www.ice.gov and ice.gov for ICE's page; https only, http only to a loopback test server",
    )  # fmt: skip
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("sample", help="write the project's small sample archive (not ICE data) for an offline build")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("import-removals", help="add ICE's 287(g) removal statistics (CSV) or FOIA releases to the raw archive")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_import_removals)

    from . import pipeline

    # One subcommand per stage, in pipeline order, from the stages' contracts.
    for stage in pipeline.ordered():
        p = sub.add_parser(stage.name, help=stage.help or stage.description)
        if stage.name == "check":
            p.set_defaults(func=cmd_check)
            continue
        p.add_argument("--force", action="store_true", help="run even if nothing it reads changed")
        if stage.name == "render":
            p.add_argument("--no-mkdocs", action="store_true", help="write the Markdown and charts only")
        p.set_defaults(func=run_stage(stage.name))

    p = sub.add_parser("stages", help="print the stage graph: what each stage reads and writes")
    p.add_argument("--markdown", action="store_true", help="as the README's pipeline table")
    p.add_argument("--dictionary", action="store_true", help="the data dictionary: every column of every table, as CSV")
    p.set_defaults(func=cmd_stages)

    p = sub.add_parser("asof", help="the agreements in force on a day and the changes published that day")
    p.add_argument("date", type=parse_date)
    p.add_argument("--out", type=Path, help="also write both tables as CSV into this folder")
    p.set_defaults(func=cmd_asof)

    p = sub.add_parser("build", help="run every stage, then the site")
    p.add_argument("--force", action="store_true", help="run every stage even if nothing it reads changed")
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
