"""The ingest stage's contract: what it reads and the tables it writes, every column typed and described."""

from __future__ import annotations

from ..common.contracts import Column, ForeignKey, Stage, Table, qa_table
from ..common.fixes import TABLES as FIX_TABLES

S, I, B, D, T, A = "string", "integer", "boolean", "date", "datetime", "array"
# Bump when parsing changes what a workbook yields: it invalidates the parse cache. 5: sheets past
# the limits of a plausible ICE list are refused (common.excel), so cached ones are read again.
PARSER_VERSION = 5

# The raw cells every row keeps beside its clean values, as ICE typed them.
RAW_COLUMNS = (
    Column("raw_state", S, "the state cell as ICE typed it"),
    Column("raw_agency", S, "the agency cell as ICE typed it"),
    Column("raw_agency_type", S, "the agency type cell as ICE typed it (empty in layouts without one)"),
    Column("raw_county", S, "the county cell as ICE typed it (empty in layouts without one)"),
    Column("raw_support_type", S, "the support model cell as ICE typed it"),
    Column("raw_signed", S, "the signing date cell as text (dates as ISO text, serials as numbers)"),
    Column("raw_moa", S, "the MOA cell's text"),
    Column("raw_addendum", S, "the addendum cell's text"),
)

PUBLICATIONS = Table(
    "publications.parquet",
    "every list ICE published: one row per distinct list, however many times its file was seen",
    (
        Column("publication_id", S, "<list_kind>-<YYYYMMDD>-<HHMMSS> of its publication moment"),
        Column("list_kind", S, "participating or pending"),
        Column("published_at", T, "when the list was published (the time only orders lists of one day)"),
        Column("date_source", S, "how that was known: ice_file_name, archive_capture (the capture's UTC stamp in New York time), import_option, fetched_at, manual_fix, or corrected_year (the file name's date a year on, as its signing dates show)"),
        Column("file_name_date", T, "the moment the first file's name (or import) gave, before any correction"),
        Column("layout", S, "the header layout of its workbook (sources.workbook.LAYOUTS)"),
        Column("file_names", A, "the names its file was seen under, in order of sighting"),
        Column("sha256s", A, "the sha256 of each distinct file that held it (the first is the one read)"),
        Column("sightings", I, "how many times it was seen"),
        Column("rows_in", I, "rows below the header in its workbook"),
        Column("rows_accepted", I, "rows kept in sheet_rows"),
        Column("rows_rejected", I, "rows set aside in rejected_rows"),
        Column("formula_cells", I, "cells holding a formula (ICE's lists have none; a formula is reported)"),
        Column("max_signed", D, "its latest accepted signing date"),
        Column("list_kind_source", S, "how list_kind was known: file_name, or layout when the name said otherwise"),
        Column("is_sample", B, "the list is one of the project's sample lists, not ICE data"),
    ),
    primary_key=("publication_id",),
)

SHEET_ROWS = Table(
    "sheet_rows.parquet",
    "every accepted row of every publication, cleaned, with its raw cells beside it",
    (
        Column("publication_id", S, "the list it is a row of"),
        Column("list_kind", S, "participating or pending"),
        Column("published_at", T, "when that list was published"),
        Column("file_name", S, "the name of the workbook it was read from"),
        Column("sha256", S, "the sha256 of that workbook in the raw archive"),
        Column("row_number", I, "its Excel row number in that workbook"),
        Column("state", S, "USPS code of the state, DC or territory"),
        Column("agency_name", S, "the agency's name, whitespace and quotes cleaned"),
        Column("agency_type", S, "County, Municipality or State Agency; empty when not stated or not known"),
        Column("county", S, "the county as printed (or as fixed by data/manual/county_names.csv)"),
        Column("support_type", S, "Jail Enforcement Model, Task Force Model or Warrant Service Officer"),
        Column("signed", D, "the signing date; empty when the list gives none"),
        Column("moa_url", S, "ICE's address of the agreement (MOA) document, archive and safelinks wrappers removed"),
        Column("moa_status", S, "posted (a link to ICE's site), other address (a link elsewhere: kept as text, never linked), pending (the cell says so) or none"),
        Column("moa_other_address", S, "the MOA cell's address when it is not ICE's (https on www.ice.gov or ice.gov): kept as text, never a link"),
        Column("addendum_url", S, "ICE's address of the addendum document"),
        Column("fixes_applied", S, "the fix tables (data/manual) that changed this row, ';'-separated"),
        *RAW_COLUMNS,
    ),
    primary_key=("publication_id", "row_number"),
    foreign_keys=(ForeignKey("publication_id", "publications.parquet", "publication_id"),),
)

REJECTED_ROWS = Table(
    "rejected_rows.csv",
    "every row set aside, with the reason (ingest.REJECT_REASONS): with sheet_rows, every row read (rows counts a run of empty rows)",
    (
        Column("publication_id", S, "the list it is a row of"),
        Column("file_name", S, "the name of the workbook it was read from"),
        Column("row_number", I, "its Excel row number in that workbook (the first, for a run of empty rows)"),
        Column("rows", I, "the sheet rows it stands for: 1, or the length of a run of empty rows set aside as one"),
        Column("reason", S, "why it was set aside: a key of ingest.REJECT_REASONS"),
        Column("detail", S, "the offending value, where there is one; for a run of empty rows, its span"),
        *RAW_COLUMNS,
    ),
    primary_key=("publication_id", "row_number"),
    foreign_keys=(ForeignKey("publication_id", "publications.parquet", "publication_id"),),
)

STAGE = Stage(
    name="ingest",
    description="reads every stored workbook and makes the publications and their rows, each row accepted or set aside",
    package="ledger.ingest",
    run="ledger.ingest.stage:run",
    reads=(),
    # The manifest names every stored file by its sha256, so it stands for raw/files too: a stored
    # file never changes (content addressing), and hashing a thousand workbooks per build would not pay.
    inputs=("raw:manifest.csv", *(f"manual:{name}.csv" for name in FIX_TABLES)),
    writes=(PUBLICATIONS, SHEET_ROWS, REJECTED_ROWS, qa_table("ingest")),
    products=(f"cache/raw_rows-v{PARSER_VERSION}.parquet", f"cache/sheet_meta-v{PARSER_VERSION}.parquet"),
    help="parse the raw archive into publications, sheet rows and rejected rows",
)
