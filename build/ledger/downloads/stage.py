"""The downloads stage: every published table in four formats, ICE's workbooks and their manifest, and the data package, under <data-dir>/build/downloads/.

The tree is laid out as the site serves it (data/...); the render stage links it into the site.
Nothing here reads the clock: the workbooks' document dates are the latest list's day.
The sheet rows' workbook is the slow file (a quarter of a million rows): it is written in a
forked child while the parent writes everything else.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..common.addresses import build_moment
from ..common.background import in_background
from ..common.contracts import qa_table, read_table, save_table
from ..common.errors import LedgerError
from ..common.values import as_text
from ..history.contract import AGENCIES, AGREEMENTS, CHANGES, ROW_AGREEMENTS
from ..ingest.contract import PUBLICATIONS, REJECTED_ROWS, SHEET_ROWS
from ..removals.contract import BY_AGENCY, BY_STATE, BY_YEAR, EARLY_AGENCIES
from ..sources.store import Store
from . import tables
from .contract import BY_NAME, DATA_FOLDER, SHEET_ROW_COLUMNS, DOWNLOADS, FORMATS, ICE_FOLDER, MANIFEST, PRODUCTS, PUBLISHED
from .formats import sha256, write_csv, write_formats
from .package import write_package

# The sheet rows' workbook is the slow file (XlsxWriter writes some 250,000 cells a second): it is
# written as one workbook per year of ICE's lists, in two forked children beside the parent's work,
# so a cold build pays a third of it and Excel users get files of at most some 130,000 rows.
SPLIT_XLSX = "sheet_rows"
WORKERS = 2


@dataclass
class DownloadsResult:
    tables: int
    files: int
    bytes: int


def published_frames(build: Path) -> dict[str, pd.DataFrame]:
    """Every published table, made from the saved build tables."""
    pubs = read_table(build, PUBLICATIONS)
    return {
        "agreements": read_table(build, AGREEMENTS),
        "agencies": read_table(build, AGENCIES),
        "changes": read_table(build, CHANGES),
        "publications": tables.publications(pubs),
        # Only the published columns: the raw cells are half the table and stay in ICE's workbooks.
        "sheet_rows": tables.sheet_rows(read_table(build, SHEET_ROWS, list(SHEET_ROW_COLUMNS)), read_table(build, ROW_AGREEMENTS)),
        "rejected_rows": read_table(build, REJECTED_ROWS),
        "removals_by_agency": read_table(build, BY_AGENCY),
        "removals_by_state": read_table(build, BY_STATE),
        "removals_by_year": read_table(build, BY_YEAR),
        "early_agencies": read_table(build, EARLY_AGENCIES),
        "quality_checks": tables.quality_checks({s: read_table(build, qa_table(s)) for s in ("ingest", "history", "removals")}),
    }


def publish_workbooks(data_dir: Path, folder: Path, manifest: pd.DataFrame) -> list[Path]:
    """Copy each list's workbook from the raw store to data/ice/<sha256>.xlsx (only those missing or changed); remove any other."""
    store = Store(Path(data_dir))
    folder.mkdir(parents=True, exist_ok=True)
    wanted = []
    for sha in sorted(set(manifest["sha256"])):
        source, target = store.path_of(sha), folder / f"{sha}.xlsx"
        if not source.exists():
            raise LedgerError(source, "missing from the raw store: the build used this list's file (run `ledger fetch` or import it again)")
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
        wanted.append(target)
    for path in folder.glob("*.xlsx"):
        if path not in set(wanted):
            path.unlink()
    return wanted


def year_parts(rows: pd.DataFrame, publications: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """The rows by the year of their list."""
    year = rows["publication_id"].map(publications.set_index("publication_id")["published_at"].dt.year)
    return {int(y): part for y, part in rows.groupby(year, sort=True)}


def balanced(parts: dict[int, pd.DataFrame], bins: int) -> list[dict[int, pd.DataFrame]]:
    """The parts in `bins` groups of about equal rows, largest first (each group is one child's work)."""
    groups: list[dict[int, pd.DataFrame]] = [{} for _ in range(bins)]
    for year in sorted(parts, key=lambda y: -len(parts[y])):
        min(groups, key=lambda g: sum(len(f) for f in g.values()))[year] = parts[year]
    return [g for g in groups if g]


def write_years(parts: dict[int, pd.DataFrame], folder: Path, created) -> list[tuple[Path, int]]:
    """data/sheet_rows_<year>.xlsx for each year given; returns (path, rows)."""
    p = BY_NAME[SPLIT_XLSX]
    out = []
    for year, part in sorted(parts.items()):
        (path,) = write_formats(f"{p.name}_{year}", f"{p.title}, {year}", p.table, part, folder, created, ("xlsx",))
        out.append((path, len(part)))
    return out


def file_row(root: Path, path: Path, name: str, fmt: str, rows: int | None) -> dict:
    # An ICE workbook is copied from the content-addressed store under its own sha256 (the check
    # stage rehashes every published one): hashing its copy again would only cost time.
    digest = path.stem if fmt == "xlsx-original" else sha256(path)
    return {"name": name, "format": fmt, "path": path.relative_to(root).as_posix(), "rows": rows, "bytes": path.stat().st_size, "sha256": digest}


def run(data_dir: Path) -> DownloadsResult:
    build = Path(data_dir) / "build"
    root = build / PRODUCTS
    data = root / DATA_FOLDER
    data.mkdir(parents=True, exist_ok=True)
    frames = published_frames(build)
    created = build_moment(frames["publications"])
    years = year_parts(frames[SPLIT_XLSX], frames["publications"])
    slow = [in_background(lambda part=part: write_years(part, data, created)) for part in balanced(years, WORKERS)]
    rows: list[dict] = []
    for p in PUBLISHED:
        formats = [f for f in FORMATS if not (f == "xlsx" and p.name == SPLIT_XLSX)]
        for path in write_formats(p.name, p.title, p.table, frames[p.name], data, created, formats):
            rows.append(file_row(root, path, p.name, path.suffix[1:], len(frames[p.name])))
    manifest = tables.manifest(frames["publications"])
    manifest_path = root / ICE_FOLDER / "manifest.csv"
    for path in publish_workbooks(Path(data_dir), root / ICE_FOLDER, manifest):
        rows.append(file_row(root, path, MANIFEST.name, "xlsx-original", None))
    write_csv(as_text(MANIFEST.table, manifest), manifest_path)  # beside the workbooks, as data/ice/manifest.csv
    rows.append(file_row(root, manifest_path, MANIFEST.name, "csv", len(manifest)))
    for wait in slow:
        for path, count in wait():
            rows.append(file_row(root, path, SPLIT_XLSX, "xlsx", count))
    listed = pd.DataFrame(rows, columns=DOWNLOADS.names)
    package = write_package(root, listed, counts={p.name: len(frames[p.name]) for p in PUBLISHED} | {MANIFEST.name: len(manifest)}, created=created)
    listed = pd.concat([listed, pd.DataFrame([file_row(root, package, "package", "json", None)])], ignore_index=True)
    remove_stale(root, set(listed["path"]))
    listed = listed.astype({"rows": "Int64"}).sort_values("path", kind="stable").reset_index(drop=True)
    save_table(build, DOWNLOADS, listed)
    return DownloadsResult(tables=len(PUBLISHED) + 1, files=len(listed), bytes=int(listed["bytes"].sum()))


def remove_stale(root: Path, kept: set[str]) -> None:
    """Remove files of earlier builds no longer published (a table dropped or renamed), so the tree is what the table says."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.relative_to(root).as_posix() not in kept:
            path.unlink()


