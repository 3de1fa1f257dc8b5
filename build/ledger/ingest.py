"""Makes the sheet rows: <data-dir>/build/publications.parquet, sheet_rows.parquet and rejected_rows.csv.

Every row of every stored workbook ends in exactly one place: accepted into sheet_rows, or set
aside in rejected_rows with a reason from REJECT_REASONS. Parsing is cached by sha256 under
<data-dir>/build/cache/, so a rebuild reads only workbooks it has not seen.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pandas as pd

from . import __version__
from .checks import check
from .errors import LedgerError
from .fixes import FixTable, load_fixes, manual_dir
from .store import Store
from .workbook import column_letter, read_sheet

# Bump when parsing changes what a workbook yields: it invalidates the parse cache.
PARSER_VERSION = 3

# The one vocabulary for rows set aside. Tests and the methodology page read it from here.
REJECT_REASONS = {
    "empty_row": "a row with no values between rows that have some",
    "repeated_header": "the header row printed again inside the list",
    "cells_outside_header": "values in cells that have no column header",
    "missing_state": "no state given",
    "unknown_state": "a state name that is neither a state, DC, a territory nor a known misspelling",
    "missing_agency": "no agency name given",
    "missing_support_type": "no support model given",
    "unknown_support_type": "a support model that is not one of ICE's models nor a known misspelling",
    "bad_signed_date": "a signing date that cannot be read as a date",
    "implausible_signed_date": "a signing date before 2002 (the program's start) or over a year after the list",
}

SUPPORT_TYPES = ["Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"]
AGENCY_TYPES = ["County", "Municipality", "State Agency"]
RAW_FIELDS = ["state", "agency", "agency_type", "county", "support_type", "signed", "moa", "addendum"]
PROGRAM_START = dt.date(2002, 1, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)

SHEET_ROW_COLUMNS = [
    "publication_id", "kind", "published_at", "file_name", "sha256", "row_number",
    "state", "agency", "agency_type", "county", "support_type", "signed",
    "moa_url", "moa_status", "addendum_url", "fixes_applied",
    "raw_state", "raw_agency", "raw_agency_type", "raw_county", "raw_support_type",
    "raw_signed", "raw_moa", "raw_addendum",
]  # fmt: skip
REJECTED_COLUMNS = [
    "publication_id", "file_name", "row_number", "reason", "detail",
    "raw_state", "raw_agency", "raw_agency_type", "raw_county", "raw_support_type",
    "raw_signed", "raw_moa", "raw_addendum",
]  # fmt: skip
PUBLICATION_COLUMNS = [
    "publication_id", "kind", "published_at", "date_source", "file_name_date", "layout",
    "file_names", "sha256s", "sightings", "rows_in", "rows_accepted", "rows_rejected",
    "formula_cells", "max_signed", "kind_source", "is_sample",
]  # fmt: skip


@dataclass
class IngestResult:
    publications: pd.DataFrame
    sheet_rows: pd.DataFrame
    rejected: pd.DataFrame
    qa: list[dict]
    errors: list[LedgerError] = field(default_factory=list)
    skipped: bool = False


# ---------------------------------------------------------------- reference data


def state_codes() -> dict[str, str]:
    """Upper-case state, DC and territory names to USPS codes."""
    with resources.files("ledger").joinpath("states.csv").open(encoding="utf-8") as fh:
        return {row["name"]: row["usps"] for row in csv.DictReader(fh)}


# ---------------------------------------------------------------- cell cleaning


def clean_text(value: object) -> str:
    """Collapse whitespace (including no-break spaces) and straighten curly apostrophes and quotes."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.replace("\xa0", " ").split())


def key_of(value: object) -> str:
    return clean_text(value).upper()


def clean_state(raw: str, codes: dict[str, str], fixes: FixTable) -> tuple[str | None, str | None, bool]:
    """(USPS code, reject reason, fixed?) for a raw state cell."""
    key = key_of(raw)
    if not key:
        return None, "missing_state", False
    if key in codes:
        return codes[key], None, False
    if len(key) == 2 and key in codes.values():
        return key, None, False
    right = fixes.apply(key)
    if right is not None and right in codes:
        return codes[right], None, True
    return None, "unknown_state", False


def clean_choice(raw: str, canonical: list[str], fixes: FixTable) -> tuple[str | None, bool, bool]:
    """(canonical value or None, known?, fixed?) for a value that must be one of a fixed set."""
    key = key_of(raw)
    by_key = {c.upper(): c for c in canonical}
    if key in by_key:
        return by_key[key], True, False
    right = fixes.apply(key)
    if right is not None:
        if right == "":
            return None, True, True
        if right in canonical:
            return right, True, True
    return None, False, False


SLASHED_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-]?(\d{4})$")
SHORT_YEAR_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
TEXT_DATE_FORMATS = ["%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%Y/%m/%d"]


def parse_signed(text: str, cell_type: str) -> dt.date | None:
    """A signing date from a cell as ICE typed it, or None when it cannot be read.

    Handles real dates, Excel serial numbers, and the text forms seen in the lists, including a
    dropped slash before the year ('05/082025', '7/72025').
    """
    text = clean_text(text)
    if not text:
        return None
    if cell_type == "number" or (cell_type == "text" and text.isdigit() and len(text) == 5):
        try:
            serial = float(text)
        except ValueError:
            return None
        if 20000 <= serial <= 80000:
            return EXCEL_EPOCH + dt.timedelta(days=int(serial))
        return None
    match = SLASHED_DATE_RE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    match = SHORT_YEAR_RE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return dt.date(2000 + year, month, day)
        except ValueError:
            return None
    for fmt in TEXT_DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@functools.lru_cache(maxsize=None)
def clean_link(candidate: str) -> str | None:
    """ICE's own address for a link: archive prefixes and Outlook safelinks wrappers removed."""
    if not candidate.lower().startswith(("http://", "https://")):
        return None
    candidate = ARCHIVE_PREFIX_RE.sub("", candidate)
    if not candidate.lower().startswith(("http://", "https://")):
        candidate = "https://" + candidate.lstrip("/")
    parts = urlsplit(candidate)
    if parts.netloc.lower().endswith("safelinks.protection.outlook.com"):
        inner = parse_qs(parts.query).get("url")
        if inner:
            candidate = unquote(inner[0])
    return candidate


ARCHIVE_PREFIX_RE = re.compile(r"^https?://web\.archive\.org/web/\d+[a-z_]*/", re.I)


def clean_url(href: str, text: str) -> str | None:
    """The document a MOA cell points to: its hyperlink target, or the URL typed in the cell.

    Archive captures wrap the URL in a web.archive.org prefix, and some of ICE's links were
    pasted from Outlook with a safelinks wrapper; both are removed to leave ICE's own address.
    """
    return clean_link(clean_text(href) or clean_text(text))


def moa_status(has_url: object, text: str) -> str:
    if has_url:
        return "posted"
    if "pending" in clean_text(text).lower():
        return "pending"
    return "none"


# ---------------------------------------------------------------- parsing (cached)


def sheet_to_columns(sha256: str, sheet) -> tuple[dict[str, list], dict]:
    """One parsed sheet as raw-row columns (every cell as text) and its metadata."""
    position = {name: index for index, name in enumerate(sheet.columns) if name}
    unnamed_positions = [i for i, name in enumerate(sheet.columns) if not name]
    width = len(sheet.columns)
    numbers = [row_number for row_number, _, _ in sheet.rows]
    texts = [cells for _, cells, _ in sheet.rows]
    data: dict[str, list] = {"sha256": [sha256] * len(numbers), "row_number": numbers}
    for name in RAW_FIELDS:
        index = position.get(name)
        data[f"raw_{name}"] = [cells[index] for cells in texts] if index is not None else [None] * len(numbers)
    signed_at = position.get("signed")
    data["signed_cell_type"] = [types[signed_at] for _, _, types in sheet.rows] if signed_at is not None else [None] * len(numbers)
    for name in ("moa", "addendum"):
        index = position.get(name)
        letter = column_letter(index) if index is not None else None
        data[f"{name}_href"] = [sheet.hyperlinks.get(f"{letter}{n}", "") if letter else "" for n in numbers]
    # Values under an empty header, or right of the last header, have no column to go to.
    data["raw_unnamed"] = [
        " | ".join([cells[i] for i in unnamed_positions if cells[i].strip()] + cells[width:]) for cells in texts
    ]
    # Two files are the same list when their cells and links are the same, whatever their bytes.
    fingerprint = hashlib.sha256(repr((sheet.layout, texts, data["moa_href"], data["addendum_href"])).encode())
    meta = {
        "sha256": sha256,
        "layout": sheet.layout,
        "layout_kind": sheet.layout_kind,
        "rows_in": len(numbers),
        "formula_cells": sheet.formula_cells,
        "fingerprint": fingerprint.hexdigest(),
    }
    return data, meta


RAW_ROW_COLUMNS = (
    ["sha256", "row_number"]
    + [f"raw_{name}" for name in RAW_FIELDS]
    + ["signed_cell_type", "moa_href", "addendum_href", "raw_unnamed"]
)


def parse_one(item: tuple[str, Path]) -> tuple[str, object]:
    sha, path = item
    try:
        return sha, sheet_to_columns(sha, read_sheet(path))
    except LedgerError as exc:
        return sha, exc


def parse_files(items: list[tuple[str, Path]]):
    """Parse workbooks, on every core when there are many: each is independent of the others."""
    workers = min(os.cpu_count() or 1, 4)
    if len(items) < 40 or workers < 2:
        yield from map(parse_one, items)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(parse_one, items, chunksize=16)


def parse_all(store: Store, shas: list[str], cache_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[LedgerError]]:
    """Raw rows and metadata for every sha256, parsing only those not in the cache."""
    rows_path = cache_dir / f"raw_rows-v{PARSER_VERSION}.parquet"
    meta_path = cache_dir / f"sheet_meta-v{PARSER_VERSION}.parquet"
    cached_rows = pd.read_parquet(rows_path) if rows_path.exists() and meta_path.exists() else None
    cached_meta = pd.read_parquet(meta_path) if cached_rows is not None else None
    known = set(cached_meta["sha256"]) if cached_meta is not None else set()
    new_columns: dict[str, list] = {name: [] for name in RAW_ROW_COLUMNS}
    new_meta, errors = [], []
    for sha, parsed in parse_files([(sha, store.path_of(sha)) for sha in sorted(set(shas) - known)]):
        if isinstance(parsed, LedgerError):
            errors.append(parsed)
            continue
        # Content addressing is what makes the cache safe: a file whose bytes changed is a new file.
        columns, meta = parsed
        for name in RAW_ROW_COLUMNS:
            new_columns[name].extend(columns[name])
        new_meta.append(meta)
    frames = ([cached_rows] if cached_rows is not None else []) + [pd.DataFrame(new_columns, columns=RAW_ROW_COLUMNS)]
    rows = pd.concat([f for f in frames if not f.empty] or frames[-1:], ignore_index=True)
    meta = pd.concat(
        ([cached_meta] if cached_meta is not None else []) + [pd.DataFrame(new_meta)], ignore_index=True
    )
    if new_meta:
        cache_dir.mkdir(parents=True, exist_ok=True)
        rows.to_parquet(rows_path, index=False)
        meta.to_parquet(meta_path, index=False)
    return rows[rows["sha256"].isin(shas)], meta[meta["sha256"].isin(shas)], errors


# ---------------------------------------------------------------- process: table to table


def per_value(values: list, function) -> list:
    """Apply a function once per distinct value: the lists repeat the same few values thousands of times."""
    cache: dict = {}
    out = []
    for value in values:
        if value not in cache:
            cache[value] = function(value)
        out.append(cache[value])
    return out


def column(frame: pd.DataFrame, name: str) -> list[str]:
    """A raw column as plain Python strings ('' for absent): far faster to loop over than an Arrow array."""
    return ["" if v is None or v != v else v for v in frame[name].to_numpy(dtype=object)]


def normalise_rows(raw: pd.DataFrame, fixes: dict[str, FixTable], published: pd.Series | None = None) -> pd.DataFrame:
    """Clean every raw row and decide accept or reject. Adds the clean columns, `reason` and `detail`."""
    codes = state_codes()
    cols = {name: column(raw, f"raw_{name}") for name in RAW_FIELDS}
    present = {name: raw[f"raw_{name}"].notna().to_numpy() for name in RAW_FIELDS}
    unnamed = column(raw, "raw_unnamed")
    count = len(raw)

    states = per_value(cols["state"], lambda v: clean_state(v, codes, fixes["state_names"]))
    agencies = per_value(cols["agency"], clean_text)
    counties = per_value(cols["county"], lambda v: clean_text(v) or None)
    supports = per_value(cols["support_type"], lambda v: clean_choice(v, SUPPORT_TYPES, fixes["support_types"]))
    # An agency type ICE did not state, or states in a way we do not know, is kept empty with its raw
    # text beside it: the type describes the agency, so a row is not set aside for it.
    agency_types = per_value(cols["agency_type"], lambda v: clean_choice(v, AGENCY_TYPES, fixes["agency_types"]))

    signed_fix = fixes["signed_dates"]

    def signed_of(pair: tuple[str, str]) -> tuple[dt.date | None, bool]:
        text, cell_type = pair
        right = signed_fix.apply(clean_text(text))
        if right is not None:
            return parse_signed(right, "text"), True
        return parse_signed(text, cell_type), False

    signed = per_value(list(zip(cols["signed"], column(raw, "signed_cell_type"))), signed_of)
    moa_urls = [clean_url(h, t) for h, t in zip(column(raw, "moa_href"), cols["moa"])]
    moa_statuses = per_value(list(zip([u is not None for u in moa_urls], cols["moa"])), lambda p: moa_status(p[0], p[1]))
    addenda = per_value(list(zip(column(raw, "addendum_href"), cols["addendum"])), lambda pair: clean_url(*pair))

    limits = (
        per_value(list(published), lambda p: dt.date(p.year + 1, p.month, min(p.day, 28)))
        if published is not None
        else [dt.date(2100, 1, 1)] * count
    )
    reasons: list[str | None] = []
    details: list[str] = []
    fixes_applied: list[str] = []
    for i in range(count):
        state, state_reason, state_fixed = states[i]
        support, support_known, support_fixed = supports[i]
        signed_date, signed_fixed = signed[i]
        reason, detail = None, ""
        if unnamed[i]:
            cells_empty = False
        else:
            cells_empty = not any(cols[name][i].strip() for name in RAW_FIELDS)
        # Reasons in order of precedence: the first that applies is the one recorded.
        if cells_empty:
            reason = "empty_row"
        elif key_of(cols["state"][i]) == "STATE" and key_of(cols["agency"][i]) == "LAW ENFORCEMENT AGENCY":
            reason = "repeated_header"
        elif unnamed[i]:
            reason, detail = "cells_outside_header", clean_text(unnamed[i])
        elif state_reason:
            reason, detail = state_reason, clean_text(cols["state"][i])
        elif not agencies[i]:
            reason = "missing_agency"
        elif not clean_text(cols["support_type"][i]):
            reason = "missing_support_type"
        elif not support_known:
            reason, detail = "unknown_support_type", clean_text(cols["support_type"][i])
        elif present["signed"][i] and cols["signed"][i].strip() and signed_date is None:
            reason, detail = "bad_signed_date", clean_text(cols["signed"][i])
        elif signed_date is not None and (signed_date < PROGRAM_START or signed_date > limits[i]):
            reason, detail = "implausible_signed_date", clean_text(cols["signed"][i])
        reasons.append(reason)
        details.append(detail)
        fixes_applied.append(
            ";".join(
                name
                for name, hit in (
                    ("state_names", state_fixed),
                    ("support_types", support_fixed),
                    ("agency_types", agency_types[i][2]),
                    ("signed_dates", signed_fixed),
                )
                if hit
            )
        )

    out = raw.copy()
    accepted = [r is None for r in reasons]
    out["state"] = [s[0] if ok else None for s, ok in zip(states, accepted)]
    out["agency"] = agencies
    out["county"] = counties
    out["support_type"] = [s[0] if ok else None for s, ok in zip(supports, accepted)]
    out["agency_type"] = [a[0] for a in agency_types]
    out["signed"] = pd.Series([s[0] if ok else None for s, ok in zip(signed, accepted)], index=out.index, dtype=object)
    out["moa_url"] = moa_urls
    out["moa_status"] = moa_statuses
    out["addendum_url"] = addenda
    out["fixes_applied"] = fixes_applied
    out["reason"] = reasons
    out["detail"] = details
    return out


def date_sightings(
    manifest: pd.DataFrame, meta: pd.DataFrame, max_signed: pd.Series, publication_fixes: FixTable
) -> tuple[pd.DataFrame, list[dict]]:
    """Each sighting's kind and publication moment, corrected where the list itself proves the name wrong.

    A list cannot predate the agreements it lists: when its signing dates lie after its file-name
    date, a reviewed date from data/manual/publication_dates.csv is used, or else the latest
    signing date, and either way it is reported.
    """
    qa: list[dict] = []
    sightings = manifest.merge(meta, on="sha256", how="inner")
    sightings["file_name_date"] = pd.to_datetime(sightings["published_at"])
    sightings["published_at"] = sightings["file_name_date"]
    sightings["max_signed"] = sightings["sha256"].map(max_signed)
    sightings["kind_source"] = "file_name"
    relabelled = sightings["layout_kind"] != sightings["kind"]
    for name in sightings.loc[relabelled, "original_name"]:
        qa.append(check("kind_taken_from_layout", name, "layout has no signing dates", "named as its layout", "warn"))
    sightings.loc[relabelled, "kind"] = sightings.loc[relabelled, "layout_kind"]
    sightings.loc[relabelled, "kind_source"] = "layout"

    for index, row in sightings.iterrows():
        right = publication_fixes.apply(row["original_name"])
        if right is not None:
            sightings.at[index, "published_at"] = pd.Timestamp(right)
            sightings.at[index, "date_source"] = "manual_fix"
        latest = row["max_signed"]
        published = sightings.at[index, "published_at"]
        if latest is None or pd.isna(latest) or latest <= published.date():
            continue
        if sightings.at[index, "date_source"] == "manual_fix":
            qa.append(
                check("manual_date_before_signing", row["original_name"], str(published.date()), f">= {latest}", "fail")
            )
            continue
        sightings.at[index, "published_at"] = pd.Timestamp(dt.datetime.combine(latest, published.time()))
        sightings.at[index, "date_source"] = "signing_dates"
        qa.append(
            check(
                "signing_date_after_file_name_date",
                row["original_name"],
                f"signed up to {latest}",
                f"on or before {row['file_name_date'].date()}",
                "warn",
            )
        )
    for name, right in publication_fixes.mapping.items():
        if name in publication_fixes.used:
            fixed = sightings[sightings["original_name"] == name]
            for _, row in fixed.iterrows():
                qa.append(
                    check("publication_date_fixed", name, str(row["published_at"]), f"not {row['file_name_date']}", "info")
                )
    return sightings, qa


def fold_publications(sightings: pd.DataFrame) -> pd.DataFrame:
    """Group sightings into publications: consecutive sightings of identical content are one list.

    Only consecutive ones: a list that returns after a different list was published is a new
    publication, or the change between them would be lost.
    """
    ordered = sightings.sort_values(["kind", "published_at", "original_name"]).reset_index(drop=True)
    new_publication = (ordered["fingerprint"] != ordered.groupby("kind")["fingerprint"].shift()) | (
        ordered["kind"] != ordered["kind"].shift()
    )
    ordered["group"] = new_publication.cumsum()
    publications = (
        ordered.groupby("group", sort=True)
        .agg(
            kind=("kind", "first"),
            published_at=("published_at", "first"),
            date_source=("date_source", "first"),
            file_name_date=("file_name_date", "first"),
            layout=("layout", "first"),
            file_names=("original_name", list),
            sha256s=("sha256", lambda s: list(dict.fromkeys(s))),
            sightings=("sha256", "size"),
            rows_in=("rows_in", "first"),
            formula_cells=("formula_cells", "first"),
            max_signed=("max_signed", "first"),
            kind_source=("kind_source", "first"),
            is_sample=("source", lambda s: bool(s.str.startswith("sample:").any())),
        )
        .reset_index(drop=True)
    )
    publications["publication_id"] = publications["kind"] + "-" + publications["published_at"].dt.strftime("%Y%m%d-%H%M%S")
    return publications


def split_rows(rows: pd.DataFrame, publications: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accepted and the rejected rows of each publication (from its first workbook)."""
    first = publications.assign(sha256=publications["sha256s"].str[0], file_name=publications["file_names"].str[0])
    joined = first[["publication_id", "kind", "published_at", "sha256", "file_name"]].merge(rows, on="sha256")
    joined = joined.sort_values(["published_at", "publication_id", "row_number"]).reset_index(drop=True)
    accepted = joined[joined["reason"].isna()][SHEET_ROW_COLUMNS].reset_index(drop=True)
    rejected = joined[joined["reason"].notna()][REJECTED_COLUMNS].reset_index(drop=True)
    return accepted, rejected


def ingest_checks(
    per_workbook: pd.DataFrame, fixes: dict[str, FixTable], errors: list[LedgerError], rejected: pd.DataFrame
) -> list[dict]:
    """Checks that only the ingest stage can make: per-workbook reconciliation and stale fixes."""
    qa: list[dict] = []
    bad = per_workbook[per_workbook["rows_in"] != per_workbook["rows_accepted"] + per_workbook["rows_rejected"]]
    for _, row in bad.iterrows():
        qa.append(check("workbook_rows_reconciled", row["sha256"], row["rows_accepted"] + row["rows_rejected"], row["rows_in"], "fail"))
    qa.append(
        check("workbooks_reconciled", "all workbooks", len(per_workbook) - len(bad), len(per_workbook), "pass" if bad.empty else "fail")
    )
    for error in errors:
        qa.append(check("workbook_unreadable", Path(error.path).name, error.reason, "readable", "fail"))
    for name, table in fixes.items():
        for wrong in table.unused():
            qa.append(check("fix_unused", f"{name}.csv: {wrong}", "matched no value", "matches a value", "warn"))
    for reason, count in rejected["reason"].value_counts().sort_index().items():
        qa.append(check("rows_rejected", reason, int(count), "reviewed", "info"))
    return qa


# ---------------------------------------------------------------- the stage


def inputs_signature(store: Store, manual: Path) -> str:
    digest = hashlib.sha256(f"{__version__}:{PARSER_VERSION}".encode())
    digest.update(Path(__file__).read_bytes())
    if store.manifest_path.exists():
        digest.update(store.manifest_path.read_bytes())
    for path in sorted(manual.glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def run(data_dir: Path, force: bool = False) -> IngestResult:
    """Load the raw archive, process every list, save the four outputs. Skips when nothing changed."""
    data_dir = Path(data_dir)
    store = Store(data_dir)
    build = data_dir / "build"
    manual = manual_dir(data_dir)
    stamp = build / "cache" / "ingest.stamp"
    outputs = [build / "publications.parquet", build / "sheet_rows.parquet", build / "rejected_rows.csv", build / "qa" / "ingest.csv"]
    signature = inputs_signature(store, manual)
    if not force and stamp.exists() and stamp.read_text() == signature and all(p.exists() for p in outputs):
        return IngestResult(pd.read_parquet(outputs[0]), pd.DataFrame(), pd.DataFrame(), [], skipped=True)

    manifest = pd.DataFrame(store.manifest())
    if manifest.empty:
        raise LedgerError(store.manifest_path, "the raw archive is empty: run `ledger import PATH`, `ledger fetch` or `ledger sample`")
    fixes = load_fixes(manual)
    raw, meta, errors = parse_all(store, manifest["sha256"].unique().tolist(), build / "cache")
    dated = manifest.drop_duplicates("sha256").set_index("sha256")["published_at"].map(pd.Timestamp)
    rows = normalise_rows(raw.reset_index(drop=True), fixes, raw["sha256"].map(dated).reset_index(drop=True))

    accepted = rows["reason"].isna()
    per_workbook = meta[["sha256", "rows_in"]].merge(
        rows.groupby("sha256").agg(rows_accepted=("reason", lambda r: int(r.isna().sum())), rows_rejected=("reason", lambda r: int(r.notna().sum()))),
        on="sha256",
        how="left",
    ).fillna({"rows_accepted": 0, "rows_rejected": 0})
    max_signed = rows[accepted].groupby("sha256")["signed"].max()

    sightings, date_qa = date_sightings(manifest, meta, max_signed, fixes["publication_dates"])
    publications = fold_publications(sightings)
    sheet_rows, rejected = split_rows(rows, publications)
    counts = sheet_rows.groupby("publication_id").size()
    publications["rows_accepted"] = publications["publication_id"].map(counts).fillna(0).astype(int)
    publications["rows_rejected"] = publications["rows_in"] - publications["rows_accepted"]
    publications = publications[PUBLICATION_COLUMNS]

    qa = date_qa + ingest_checks(per_workbook, fixes, errors, rejected)
    save(build, publications, sheet_rows, rejected, qa)
    stamp.write_text(signature)
    return IngestResult(publications, sheet_rows, rejected, qa, errors)


def save(build: Path, publications: pd.DataFrame, sheet_rows: pd.DataFrame, rejected: pd.DataFrame, qa: list[dict]) -> None:
    (build / "qa").mkdir(parents=True, exist_ok=True)
    publications.to_parquet(build / "publications.parquet", index=False)
    sheet_rows.to_parquet(build / "sheet_rows.parquet", index=False)
    rejected.to_csv(build / "rejected_rows.csv", index=False)
    pd.DataFrame(qa, columns=["check", "scope", "value", "expected", "status"]).to_csv(build / "qa" / "ingest.csv", index=False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run `ledger ingest`")
