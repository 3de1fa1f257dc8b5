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
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from importlib import resources
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa

from .common import stamps
from .common.qa import check
from .common.errors import LedgerError
from .common.fixes import FixTable, load_fixes, manual_dir
from .store import Store
from .workbook import column_letter, read_sheet

# Bump when parsing changes what a workbook yields: it invalidates the parse cache.
PARSER_VERSION = 4  # the parse cache holds raw cells only: fixes never need a new version

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
    errors: list[LedgerError] = dataclass_field(default_factory=list)
    skipped: bool = False


# ---------------------------------------------------------------- reference data


def state_codes() -> dict[str, str]:
    """Upper-case state, DC and territory names to USPS codes."""
    with resources.files("ledger.common").joinpath("states.csv").open(encoding="utf-8") as fh:
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
    numbers = sheet.row_numbers
    absent = [None] * len(numbers)
    data: dict[str, list] = {"sha256": [sha256] * len(numbers), "row_number": numbers}
    for name in RAW_FIELDS:
        data[f"raw_{name}"] = sheet.cells.get(name, absent)
    data["signed_cell_type"] = sheet.signed_types or absent
    for name in ("moa", "addendum"):
        if name in sheet.cells and sheet.hyperlinks:
            letter = column_letter(sheet.columns.index(name))
            data[f"{name}_href"] = [sheet.hyperlinks.get(f"{letter}{n}", "") for n in numbers]
        else:
            data[f"{name}_href"] = [""] * len(numbers)
    data["raw_unnamed"] = sheet.stray
    # Two files are the same list when their cells and links are the same, whatever their bytes.
    fingerprint = hashlib.sha256(
        repr((sheet.layout, sorted(sheet.cells.items()), sheet.stray, data["moa_href"], data["addendum_href"])).encode()
    )
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
RAW_ROW_TYPES = {name: pa.int64() if name == "row_number" else pa.string() for name in RAW_ROW_COLUMNS}


def empty_raw_rows() -> pd.DataFrame:
    return pa.table({name: pa.array([], type=RAW_ROW_TYPES[name]) for name in RAW_ROW_COLUMNS}).to_pandas()


def parse_one(item: tuple[str, Path]) -> tuple[str, object]:
    """One workbook as an Arrow table and its metadata: built in the worker, so conversion runs in parallel too."""
    sha, path = item
    try:
        columns, meta = sheet_to_columns(sha, read_sheet(path))
    except LedgerError as exc:
        return sha, exc
    return sha, (pa.table({name: pa.array(columns[name], type=RAW_ROW_TYPES[name]) for name in RAW_ROW_COLUMNS}), meta)


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
    new_tables, new_meta, errors = [], [], []
    for sha, parsed in parse_files([(sha, store.path_of(sha)) for sha in sorted(set(shas) - known)]):
        if isinstance(parsed, LedgerError):
            errors.append(parsed)
            continue
        # Content addressing is what makes the cache safe: a file whose bytes changed is a new file.
        table, meta = parsed
        new_tables.append(table)
        new_meta.append(meta)
    frames = [cached_rows] if cached_rows is not None else []
    if new_tables:
        frames.append(pa.concat_tables(new_tables).to_pandas())
    rows = pd.concat(frames, ignore_index=True) if len(frames) > 1 else (frames[0] if frames else empty_raw_rows())
    meta = pd.concat(
        ([cached_meta] if cached_meta is not None else []) + [pd.DataFrame(new_meta)], ignore_index=True
    )
    if new_meta:
        cache_dir.mkdir(parents=True, exist_ok=True)
        rows.to_parquet(rows_path, index=False)
        meta.to_parquet(meta_path, index=False)
    return rows[rows["sha256"].isin(shas)], meta[meta["sha256"].isin(shas)], errors


# ---------------------------------------------------------------- process: table to table


def per_distinct(series: pd.Series, function) -> tuple[np.ndarray, list]:
    """(codes, results): the function applied once per distinct value, results taken back by code.

    The lists repeat the same few hundred values a quarter of a million times, so this is what
    keeps ingest fast: Python runs per distinct value, numpy per row.
    """
    codes, uniques = pd.factorize(series.fillna(""), use_na_sentinel=False)
    return codes, [function(value) for value in uniques]


def field(codes: np.ndarray, results: list, index: int | None = None) -> np.ndarray:
    """One element of each distinct value's result, spread back over the rows."""
    picked = results if index is None else [result[index] for result in results]
    values = np.empty(len(picked), dtype=object)
    values[:] = picked
    return values[codes]


def link_column(hrefs: pd.Series, texts: pd.Series) -> np.ndarray:
    """Clean URLs for a column of link cells: the hyperlink target, else the URL typed in the cell.

    Archive captures put the capture time in every URL, which would make each cell distinct; the
    prefix is cut off for the whole column at once first, leaving a few thousand distinct links.
    """
    hrefs = hrefs.fillna("").astype("str")
    candidates = hrefs.where(hrefs.str.strip() != "", texts.fillna("").astype("str")).astype("str").str.strip()
    candidates = candidates.str.replace(r"^[hH][tT][tT][pP][sS]?://web\.archive\.org/web/[0-9]+[a-z_]*/", "", regex=True)
    codes, urls = per_distinct(candidates, lambda value: clean_url("", value))
    return field(codes, urls)


def normalise_rows(raw: pd.DataFrame, fixes: dict[str, FixTable], published: pd.Series | None = None) -> pd.DataFrame:
    """Clean every raw row and decide accept or reject. Adds the clean columns, `reason` and `detail`."""
    codes = state_codes()
    out = raw.copy()
    if out.empty:
        for name in ["state", "agency", "county", "support_type", "agency_type", "signed", "moa_url", "moa_status", "addendum_url", "fixes_applied", "reason", "detail"]:
            out[name] = pd.Series(dtype=object)
        return out

    state_codes_, states = per_distinct(out["raw_state"], lambda v: clean_state(v, codes, fixes["state_names"]))
    agency_codes, agencies = per_distinct(out["raw_agency"], clean_text)
    county_fixes = fixes["county_names"]

    def county_of(pair: str) -> tuple[str | None, bool]:
        state, _, text = pair.partition("|")
        cleaned = clean_text(text)
        # A fix keyed on state and county is preferred to one keyed on the county alone.
        for key in (f"{state}|{cleaned.upper()}", cleaned.upper()):
            right = county_fixes.apply(key) if cleaned else None
            if right is not None:
                return right or None, True
        return cleaned or None, False

    state_of_row = field(state_codes_, states, 0)
    county_key = pd.Series(state_of_row, index=out.index).fillna("") + "|" + out["raw_county"].fillna("")
    county_codes, counties = per_distinct(county_key, county_of)
    # ICE has printed an agency under another state's name; reviewed cases are moved back.
    agency_state_fixes = fixes["agency_states"]
    moved_codes, moved = per_distinct(
        pd.Series(state_of_row, index=out.index).fillna("") + "|" + out["raw_agency"].fillna(""),
        lambda pair: agency_state_fixes.apply(pair.split("|", 1)[0] + "|" + key_of(pair.split("|", 1)[1])),
    )
    moved_to = field(moved_codes, moved)
    state_values = np.where(pd.notna(moved_to), moved_to, state_of_row)
    support_codes, supports = per_distinct(
        out["raw_support_type"], lambda v: (*clean_choice(v, SUPPORT_TYPES, fixes["support_types"]), clean_text(v))
    )
    # An agency type ICE did not state, or states in a way we do not know, is kept empty with its raw
    # text beside it: the type describes the agency, so a row is not set aside for it.
    type_codes, agency_types = per_distinct(
        out["raw_agency_type"], lambda v: clean_choice(v, AGENCY_TYPES, fixes["agency_types"])
    )
    signed_fix = fixes["signed_dates"]

    def signed_of(pair: str) -> tuple[dt.date | None, bool, str]:
        cell_type, _, text = pair.partition("|")
        cleaned = clean_text(text)
        right = signed_fix.apply(cleaned)
        if right is not None:
            return parse_signed(right, "text"), True, cleaned
        return parse_signed(text, cell_type), False, cleaned

    signed_key = out["signed_cell_type"].fillna("") + "|" + out["raw_signed"].fillna("")
    signed_codes, signed = per_distinct(signed_key, signed_of)
    moa_urls = link_column(out["moa_href"], out["raw_moa"])
    moa_statuses = np.where(
        pd.notna(moa_urls),
        "posted",
        np.where(out["raw_moa"].fillna("").str.contains("pending", case=False).to_numpy(), "pending", "none"),
    )

    signed_dates = field(signed_codes, signed, 0)
    signed_texts = field(signed_codes, signed, 2)
    if published is not None:
        limit_codes, limits = per_distinct(published.astype(str), lambda p: pd.Timestamp(p).date() if p else None)
        limit_values = field(limit_codes, [dt.date(d.year + 1, d.month, min(d.day, 28)) for d in limits])
    else:
        limit_values = np.full(len(out), dt.date(2100, 1, 1), dtype=object)
    has_date = pd.notna(signed_dates)
    implausible = np.zeros(len(out), dtype=bool)
    implausible[has_date] = [
        d < PROGRAM_START or d > limit for d, limit in zip(signed_dates[has_date], limit_values[has_date])
    ]

    raw_cells = out[[f"raw_{n}" for n in RAW_FIELDS]].fillna("")
    unnamed = out["raw_unnamed"].fillna("")
    empty = raw_cells.apply(lambda col: col.str.strip().eq("")).all(axis=1).to_numpy() & unnamed.eq("").to_numpy()
    state_upper = out["raw_state"].fillna("").str.strip().str.upper()
    agency_upper = out["raw_agency"].fillna("").str.strip().str.upper()
    header = (state_upper.eq("STATE") & agency_upper.eq("LAW ENFORCEMENT AGENCY")).to_numpy()
    state_reason = field(state_codes_, states, 1)
    support_text = field(support_codes, supports, 3)
    # Reasons in order of precedence: the first that applies is the one recorded.
    conditions = [
        ("empty_row", empty, None),
        ("repeated_header", header, None),
        ("cells_outside_header", unnamed.ne("").to_numpy(), field(*per_distinct(unnamed, clean_text))),
        ("missing_state", state_reason == "missing_state", None),
        ("unknown_state", state_reason == "unknown_state", field(state_codes_, [clean_text(v) for v in pd.factorize(out["raw_state"].fillna(""), use_na_sentinel=False)[1]])),
        ("missing_agency", field(agency_codes, agencies) == "", None),
        ("missing_support_type", support_text == "", None),
        ("unknown_support_type", ~field(support_codes, supports, 1).astype(bool), support_text),
        ("bad_signed_date", (signed_texts != "") & ~has_date, signed_texts),
        ("implausible_signed_date", implausible, signed_texts),
    ]
    reason = np.full(len(out), None, dtype=object)
    detail = np.full(len(out), "", dtype=object)
    for name, mask, text in reversed(conditions):  # reversed, so the first condition wins
        mask = np.asarray(mask, dtype=bool)
        reason[mask] = name
        detail[mask] = text[mask] if text is not None else ""
    accepted = pd.isna(reason)

    fixed = {
        "state_names": field(state_codes_, states, 2).astype(bool),
        "support_types": field(support_codes, supports, 2).astype(bool),
        "agency_types": field(type_codes, agency_types, 2).astype(bool),
        "county_names": field(county_codes, counties, 1).astype(bool),
        "agency_states": pd.notna(moved_to),
        "signed_dates": field(signed_codes, signed, 1).astype(bool),
    }
    mask_bits = sum(flags.astype(np.int64) << bit for bit, flags in enumerate(fixed.values()))
    labels = {m: ";".join(n for b, n in enumerate(fixed) if m >> b & 1) for m in range(1 << len(fixed))}

    out["state"] = np.where(accepted, state_values, None)
    out["agency"] = field(agency_codes, agencies)
    out["county"] = field(county_codes, counties, 0)
    out["support_type"] = np.where(accepted, field(support_codes, supports, 0), None)
    out["agency_type"] = field(type_codes, agency_types, 0)
    out["signed"] = pd.Series(np.where(accepted, signed_dates, None), index=out.index, dtype=object)
    out["moa_url"] = moa_urls
    out["moa_status"] = moa_statuses
    out["addendum_url"] = link_column(out["addendum_href"], out["raw_addendum"])
    out["fixes_applied"] = pd.Series(mask_bits).map(labels).to_numpy()
    out["reason"] = reason
    out["detail"] = detail
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
    """Everything ingest reads besides the stored files, which the manifest names by sha256."""
    return stamps.signature([Path(__file__), store.manifest_path, *sorted(manual.glob("*.csv"))]) + f":{PARSER_VERSION}"


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
    outcome = pd.DataFrame({"sha256": rows["sha256"], "rows_accepted": accepted, "rows_rejected": ~accepted})
    per_workbook = meta[["sha256", "rows_in"]].merge(
        outcome.groupby("sha256").sum().reset_index(), on="sha256", how="left"
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
