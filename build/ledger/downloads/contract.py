"""The downloads stage's contract: the tables the site offers to take away and the formats it writes each in (the feeds and the JSON API are the render stage's).

Every published table is made from the stage contracts: its columns are the upstream tables'
columns (types and descriptions as declared there) and its keys are theirs, renamed to the
published tables. Nothing here is typed by hand twice: the data package, the data dictionary
page and the API's schema are all generated from PUBLISHED.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..common.contracts import QA_TABLE_COLUMNS, Column, ForeignKey, Stage, Table
from ..history.contract import AGENCIES, AGREEMENTS, CHANGES, ROW_AGREEMENTS
from ..ingest.contract import PUBLICATIONS, REJECTED_ROWS, SHEET_ROWS
from ..removals.contract import BY_AGENCY, BY_STATE, BY_YEAR, EARLY_AGENCIES

S, I = "string", "integer"
FORMATS = ("csv", "xlsx", "json", "parquet")  # every published table in each; CSV is the data package's resource
DATA_FOLDER = "data"  # on the site: data/<name>.<format>, data/datapackage.json, data/ice/<sha256>.xlsx
ICE_FOLDER = f"{DATA_FOLDER}/ice"  # ICE's workbooks as the build read them, and their manifest.csv
PACKAGE_FILE = f"{DATA_FOLDER}/datapackage.json"


def workbook_path(sha256: str) -> str:
    """Where the site publishes an ICE workbook, from the site's root: every link to a list's file uses this."""
    return f"{ICE_FOLDER}/{sha256}.xlsx"


@dataclass(frozen=True)
class Published:
    """A table the site offers: its name (data/<name>.<format>), a title, and its Table (columns and keys)."""

    name: str
    title: str
    table: Table

    @property
    def columns(self) -> list[str]:
        return self.table.names


def _name(file: str) -> str:
    return file.split("/")[-1].split(".")[0]


def published(name: str, title: str, source: Table, columns: tuple[str, ...] | None = None, extra: tuple[Column, ...] = (),
              description: str | None = None, primary_key: tuple[str, ...] | None = None) -> Published:  # fmt: skip
    """A published table made from an upstream one: its columns (all, or those named, then `extra`), keys renamed to published names."""
    by_name = {c.name: c for c in source.columns}
    chosen = tuple(by_name[c] for c in (columns or source.names)) + extra
    names = {c.name for c in chosen}
    keys = tuple(ForeignKey(k.column, _name(k.table), k.reference) for k in source.foreign_keys if k.column in names)
    key = source.primary_key if primary_key is None else primary_key
    return Published(name, title, Table(name, description or source.description, chosen, key, keys))


QA_COLUMNS = (Column("stage", S, "the stage that ran the check: ingest, history or removals"), *QA_TABLE_COLUMNS)
# The sheet rows as published: the list, the row, the agreement and agency it was counted as, and
# the cleaned cells. The raw cells are in ICE's workbook itself (data/ice/), at that row.
SHEET_ROW_COLUMNS = (
    "publication_id", "row_number", "state", "agency_name", "agency_type", "county", "support_type", "signed",
    "moa_url", "moa_status", "moa_other_address", "addendum_url", "fixes_applied",
)  # fmt: skip
ROW_LINKS = tuple(c for c in ROW_AGREEMENTS.columns if c.name in ("agreement_id", "agency_id"))

PUBLISHED: tuple[Published, ...] = (
    published("agreements", "Agreements", AGREEMENTS),
    published("agencies", "Agencies", AGENCIES),
    published("changes", "Changes", CHANGES, primary_key=()),
    published(
        "publications", "ICE's lists", PUBLICATIONS,
        extra=(Column("workbook", S, "where this site publishes the list's workbook (the first of sha256s), from data/"),),
    ),  # fmt: skip
    Published(
        "sheet_rows", "Sheet rows",
        Table(
            "sheet_rows", "every accepted row of every ICE list, with the agreement and agency it was counted as",
            tuple(c for c in SHEET_ROWS.columns if c.name in SHEET_ROW_COLUMNS[:2]) + ROW_LINKS
            + tuple(next(c for c in SHEET_ROWS.columns if c.name == n) for n in SHEET_ROW_COLUMNS[2:]),
            primary_key=("publication_id", "row_number"),
            foreign_keys=(
                ForeignKey("publication_id", "publications", "publication_id"),
                ForeignKey("agreement_id", "agreements", "agreement_id"),
                ForeignKey("agency_id", "agencies", "agency_id"),
            ),
        ),
    ),  # fmt: skip
    published("rejected_rows", "Rows set aside", REJECTED_ROWS),
    published("removals_by_agency", "Removals by agency", BY_AGENCY),
    published("removals_by_state", "Removals by state", BY_STATE),
    published("removals_by_year", "Removals by year", BY_YEAR),
    published("early_agencies", "Agencies before 2021", EARLY_AGENCIES),
    Published("quality_checks", "Quality checks", Table("quality_checks", "every quality check of the pipeline's stages in this build", QA_COLUMNS)),
)
BY_NAME = {p.name: p for p in PUBLISHED}
# The build table each published table has the rows of (the check stage reconciles them); "qa" is
# every stage's qa/<stage>.csv together.
SOURCES = {
    "agreements": AGREEMENTS.file, "agencies": AGENCIES.file, "changes": CHANGES.file, "publications": PUBLICATIONS.file,
    "sheet_rows": SHEET_ROWS.file, "rejected_rows": REJECTED_ROWS.file, "removals_by_agency": BY_AGENCY.file,
    "removals_by_state": BY_STATE.file, "removals_by_year": BY_YEAR.file, "early_agencies": EARLY_AGENCIES.file,
    "quality_checks": "qa",
}  # fmt: skip

MANIFEST = Published(
    "ice_workbooks", "ICE's workbooks",
    Table(
        "ice_workbooks", "one row per ICE list the build read: its workbook, published as data/ice/<sha256>.xlsx",
        (
            Column("sha256", S, "the workbook's sha256: the site publishes it as data/ice/<sha256>.xlsx"),
            Column("file_names", S, "the names its file was seen under, '; '-separated"),
            Column("list_kind", S, "participating or pending"),
            Column("published_at", S, "when the list was published (ISO 8601, ICE's time)"),
            Column("date_source", S, "how that was known (publications.date_source)"),
            Column("publication_id", S, "the list (publications)"),
        ),
        primary_key=("publication_id",),
        foreign_keys=(ForeignKey("publication_id", "publications", "publication_id"),),
    ),
)  # fmt: skip

DOWNLOADS = Table(
    "downloads.parquet",
    "every file the site offers for download: its table, format, address, rows, bytes and sha256 (the data page shows these)",
    (
        Column("name", S, "the published table (data/<name>.<format>), or feed, api or package"),
        Column("format", S, "csv, xlsx, json, parquet, atom or xlsx-original"),
        Column("path", S, "the file's address relative to the site's root"),
        Column("rows", I, "the table's rows (entries for a feed); empty for other files"),
        Column("bytes", I, "the file's size in bytes"),
        Column("sha256", S, "the file's sha256"),
    ),
    primary_key=("path",),
)
PRODUCTS = "downloads"  # <data-dir>/build/downloads/: data/, feeds/, api/ as the site serves them

STAGE = Stage(
    name="downloads",
    description="write every published table in CSV, XLSX, JSON and Parquet, the data package, the feeds and the JSON API",
    package="ledger.downloads",
    run="ledger.downloads.stage:run",
    reads=("ingest", "history", "removals"),
    # The manifest names every stored file by its sha256, so it stands for raw/files; mkdocs.yml holds site_url.
    inputs=("raw:manifest.csv", "project:mkdocs.yml"),
    writes=(DOWNLOADS,),
    products=(PRODUCTS,),
    help="write the site's downloads, data package, feeds and JSON API under build/downloads",
)
