"""Writes one published table in each format: CSV and XLSX through the one spreadsheet-safe writer, JSON and Parquet as typed data.

The CSV is the data package's resource, so its cells follow Frictionless' defaults for the
declared types: dates YYYY-MM-DD, datetimes ISO 8601, arrays as JSON arrays, booleans
true/false, integers without a decimal point. The XLSX carries the same text. JSON is an array of
objects (arrays as arrays, numbers as numbers); Parquet keeps the build table's own types and
is written in row groups with statistics, so DuckDB can read one by its address and fetch only
the groups a query needs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from ..common.contracts import Table
from ..common.spreadsheet import safe_frame, write_xlsx
from ..common.values import as_text, json_bytes, records

ROW_GROUP = 50_000  # rows per Parquet row group: DuckDB reads a group at a time over HTTP


def write_csv(text: pd.DataFrame, path: Path) -> None:
    """The CSV through the spreadsheet-safe writer, every text cell quoted (Arrow's writer: a second for the sheet rows, not four)."""
    arrow = pa.Table.from_pandas(safe_frame(text), preserve_index=False)
    pa_csv.write_csv(arrow, path, pa_csv.WriteOptions(quoting_style="needed"))


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """The table with its own types, no pandas index, in row groups with statistics (no clock in the file)."""
    arrow = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pq.write_table(arrow, path, row_group_size=ROW_GROUP, compression="zstd", write_statistics=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_formats(name: str, title: str, table: Table, frame: pd.DataFrame, folder: Path, created: dt.datetime, formats=("csv", "json", "parquet")) -> list[Path]:
    """Write data/<name>.<format> for each format asked; returns the paths. XLSX is written by write_workbook (it is the slow one)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    text = as_text(table, frame) if {"csv", "xlsx"} & set(formats) else None  # one conversion for both
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        if fmt == "csv":
            write_csv(text, path)
        elif fmt == "json":
            path.write_bytes(json_bytes(records(table, frame)))
        elif fmt == "parquet":
            write_parquet(frame[table.names], path)
        elif fmt == "xlsx":
            write_xlsx(text, path, name, created, title)
        paths.append(path)
    return paths
