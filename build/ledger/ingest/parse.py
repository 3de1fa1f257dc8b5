"""The raw rows of every stored workbook, every cell as text, parsed once per sha256 and cached.

The cache, <data-dir>/build/cache/raw_rows-v<PARSER_VERSION>.parquet and sheet_meta-v<...>.parquet,
holds raw cells only (no fixes are applied here), so a rebuild reads only workbooks it has not seen.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..common.errors import LedgerError
from ..common.excel import column_letter
from ..sources.readers import read_apart
from ..sources.store import MAX_READERS, Store
from ..sources.workbook import read_sheet
from .contract import PARSER_VERSION  # declared with the stage: it names the cache files

RAW_FIELDS = ["state", "agency", "agency_type", "county", "support_type", "signed", "moa", "addendum"]


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


def parse_one(item: tuple[str, Path]) -> tuple[pa.Table, dict]:
    """One workbook as an Arrow table and its metadata: built in the reader child, so conversion runs in parallel too."""
    sha, path = item
    columns, meta = sheet_to_columns(sha, read_sheet(path))
    return pa.table({name: pa.array(columns[name], type=RAW_ROW_TYPES[name]) for name in RAW_ROW_COLUMNS}), meta


def parse_files(items: list[tuple[str, Path]]):
    """(sha256, parsed or LedgerError) for every workbook, read in reader children on every core.

    Even one new list is read in a child: a reader that aborts on a stored file must not take
    the stage, and the lists beside that file, with it.
    """
    workers = min(os.cpu_count() or 1, MAX_READERS)
    parsed = read_apart(parse_one, items, lambda item: item[1], workers)
    yield from zip((sha for sha, _ in items), parsed)


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
