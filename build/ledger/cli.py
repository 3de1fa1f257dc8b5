"""The `ledger` command: one subcommand per stage, and `build` for all of them in order."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

from . import __version__, checks
from .common.errors import LedgerError


DEFAULT_SITE = Path(__file__).resolve().parents[2] / "site"


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
    say(f"sample: {count} sample lists and sample removal figures (written by the project, not ICE data) in {Path(args.data_dir) / 'raw'}")
    return 0


def report_checks(data_dir: Path, site_dir: Path | None = None) -> int:
    summary = checks.run(data_dir, site_dir=site_dir)
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
    site = args.site_dir or DEFAULT_SITE
    return report_checks(args.data_dir, site_dir=site if site.exists() else None)


def stage_ingest(args) -> str:
    from . import ingest

    result = ingest.run(args.data_dir, force=getattr(args, "force", False))
    for error in result.errors:
        warn(f"unreadable {error}")
    pubs = result.publications
    if result.skipped:
        return f"ingest: nothing new ({len(pubs)} publications)"
    return (
        f"ingest: {len(pubs)} publications, {int(pubs['rows_in'].sum())} rows in, "
        f"{len(result.sheet_rows)} accepted, {len(result.rejected)} rejected"
    )


CODE = Path(__file__).resolve().parent
REPO = CODE.parents[1]


def skipped_if_fresh(name: str, args, inputs: list[Path], outputs: list[Path]):
    """Run a stage only when something it reads changed (or --force); returns (stamp path, signature) or None."""
    from .common import stamps

    build = Path(args.data_dir) / "build"
    stamp = build / "cache" / f"{name}.stamp"
    sig = stamps.signature(inputs)
    if not getattr(args, "force", False) and stamps.is_fresh(stamp, sig, outputs):
        return None
    return stamp, sig


def stage_history(args) -> str:
    from . import history
    from .common import stamps
    from .common.fixes import manual_dir

    build = Path(args.data_dir) / "build"
    todo = skipped_if_fresh(
        "history", args,
        [build / "publications.parquet", build / "sheet_rows.parquet", manual_dir(args.data_dir) / "agency_aliases.csv", CODE / "history.py"],
        [build / "agencies.parquet", build / "agreements.parquet", build / "changes.parquet", build / "qa" / "history.csv"],
    )  # fmt: skip
    if todo is None:
        return "history: nothing new"
    result = history.run(args.data_dir)
    stamps.mark(*todo)
    return f"history: {len(result.agencies)} agencies, {len(result.agreements)} agreements, {len(result.changes)} changes"


def stage_removals(args) -> str:
    from . import removals
    from .common import stamps
    from .common.fixes import manual_dir

    build = Path(args.data_dir) / "build"
    raw = Path(args.data_dir) / "raw" / "removals" / "manifest.csv"
    todo = skipped_if_fresh(
        "removals", args,
        [raw, build / "agencies.parquet", manual_dir(args.data_dir), REPO / "data" / "published", CODE / "removals.py"],
        [build / "removals_by_agency.parquet", build / "removals_by_state.parquet", build / "qa" / "removals.csv"],
    )  # fmt: skip
    if todo is None:
        return "removals: nothing new"
    result = removals.run(args.data_dir)
    for error in result.errors:
        warn(f"refused {error}")
    stamps.mark(*todo)
    return result.summary()


def stage_render(args) -> str:
    from . import render
    from .common import stamps

    build = Path(args.data_dir) / "build"
    mkdocs = not getattr(args, "no_mkdocs", False)
    site = Path(getattr(args, "site_dir", None) or DEFAULT_SITE)
    tables = [build / f"{name}.parquet" for name in ("publications", "agencies", "agreements", "changes", "removals_by_agency", "removals_by_state")]
    hand_written = [p for p in (REPO / "site_src").iterdir() if p.name not in {"states", "agencies", "national", "generated"}]
    todo = skipped_if_fresh(
        f"render-{'site' if mkdocs else 'pages'}", args,
        tables + [build / "qa" / f"{stage}.csv" for stage in ("ingest", "history", "removals")] + [build / "rejected_rows.csv", build / "identity_tiers.csv", REPO / "mkdocs.yml", REPO / "data" / "published", CODE / "messages", CODE / "templates", CODE / "render.py", CODE / "charts.py", *hand_written],
        [site / "index.html"] if mkdocs else [REPO / "site_src" / "generated" / "home.md"],
    )  # fmt: skip
    if todo is None:
        return "render: nothing new"
    result = render.run(args.data_dir, site_dir=site, mkdocs=mkdocs)
    stamps.mark(*todo)
    return (
        f"render: {result.pages} pages, {result.charts} charts ({result.svgs_drawn} SVGs drawn), "
        f"mkdocs {result.mkdocs_seconds:.1f}s"
    )


# The pipeline, in order: each stage reads what the ones before it wrote.
STAGES = [("ingest", stage_ingest), ("history", stage_history), ("removals", stage_removals), ("render", stage_render)]


def run_stage(name: str):
    def command(args) -> int:
        started = time.perf_counter()
        say(f"{dict(STAGES)[name](args)}, {time.perf_counter() - started:.2f}s")
        site = (args.site_dir or DEFAULT_SITE) if name == "render" and not getattr(args, "no_mkdocs", False) else None
        return report_checks(args.data_dir, site_dir=site)

    return command


def cmd_build(args) -> int:
    started = time.perf_counter()
    for name, stage in STAGES:
        begun = time.perf_counter()
        say(f"{stage(args)}, {time.perf_counter() - begun:.2f}s")
    status = report_checks(args.data_dir, site_dir=args.site_dir or DEFAULT_SITE)
    say(f"build: {time.perf_counter() - started:.2f}s")
    return status


def cmd_asof(args) -> int:
    from . import asof

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
    from .removals import import_removals

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
    p.add_argument("--page-url", default="https://www.ice.gov/identify-and-arrest/287g")
    p.add_argument("--accept-drop", action="store_true", help="store a list even if its rows dropped over 20%%")
    p.set_defaults(func=cmd_fetch)

    p = sub.add_parser("sample", help="write the project's small sample archive (not ICE data) for an offline build")
    p.set_defaults(func=cmd_sample)

    p = sub.add_parser("import-removals", help="add ICE's 287(g) removal statistics (CSV) or FOIA releases to the raw archive")
    p.add_argument("paths", nargs="+", type=Path)
    p.set_defaults(func=cmd_import_removals)

    p = sub.add_parser("ingest", help="parse every stored workbook into build/")
    p.add_argument("--force", action="store_true", help="ignore the up-to-date stamp (the parse cache is kept)")
    p.set_defaults(func=run_stage("ingest"))

    p = sub.add_parser("history", help="reconcile the lists into agencies, agreements and the change log")
    p.set_defaults(func=run_stage("history"))

    p = sub.add_parser("removals", help="load and aggregate the removal figures")
    p.set_defaults(func=run_stage("removals"))

    p = sub.add_parser("render", help="write the pages and charts, then build the site with MkDocs")
    p.add_argument("--no-mkdocs", action="store_true", help="write the Markdown and charts only")
    p.set_defaults(func=run_stage("render"))

    p = sub.add_parser("asof", help="the agreements in force on a day and the changes published that day")
    p.add_argument("date", type=parse_date)
    p.add_argument("--out", type=Path, help="also write both tables as CSV into this folder")
    p.set_defaults(func=cmd_asof)

    p = sub.add_parser("check", help="run the quality checks on build/ (and site/) and write qa_summary.csv")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("build", help="run every stage, then the site")
    p.add_argument("--force", action="store_true", help="re-ingest even if nothing changed")
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
