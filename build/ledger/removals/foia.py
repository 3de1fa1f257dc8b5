"""ICE enforcement records released under FOIA (xlsx or Parquet): each release read by column role and made into aggregates.

Only the 287(g) rows are kept, and only ever as counts: the records themselves are never written.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from ..common.errors import LedgerError
from ..common.excel import HEADER_SEARCH_ROWS
from ..common.text import clean_text
from ..sources.workbook import check_zip
from .foia_aggregate import aggregate_records
from .names import column_key
from .vocabulary import exception_text

# Column names across the releases (compared lower-case, non-alphanumerics as '_'), best first.
# Departure dates are coalesced in this order: UWCHR's removals carry both departed and removal dates.
FOIA_COLUMNS = {
    "method": ("apprehension_method", "apprehension_method_code", "arrest_method"),
    "state": ("apprehension_state", "state"),
    "departed": ("departed_date", "departure_date", "removal_date"),
    "criminality": ("apprehension_criminality", "case_criminality"),
    "threat_level": ("removal_threat_level", "case_threat_level", "apprehension_threat_level"),
}
# Real releases run to hundreds of MiB of sheet XML, far past the ICE lists' 50 MiB cap in
# workbook.check_zip; the compression-ratio rule against zip bombs is the same.
MAX_RELEASE_BYTES = 8 * 1024**3


@dataclass
class FoiaFile:
    """What one release gave: its 287(g) removals as aggregates, and where every other row went."""

    name: str
    rows_in: int
    counts: dict[str, int]  # "loaded" and SET_ASIDE_REASONS keys
    aggregate: pd.DataFrame  # state, fiscal_year, criminality, threat_level, removed
    loaded_by_year: dict[int, int]
    unrecognised_states: dict[str, int] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)


def foia_layout(path: object, names: list[str]) -> dict[str, list[str]]:
    """Role -> the release's own column names (several for departure dates, else one)."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(column_key(name), name)
    layout = {role: [by_key[k] for k in keys if k in by_key] for role, keys in FOIA_COLUMNS.items()}
    if not layout["method"]:
        raise LedgerError(path, "no apprehension method column (Apprehension Method, Apprehension Method Code, Arrest Method)")
    if not layout["departed"]:
        raise LedgerError(path, "no departure date column (Departed Date, Departure Date, Removal Date)")
    return {role: (cols if role == "departed" else cols[:1]) for role, cols in layout.items() if cols}


def role_columns(layout: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(role column, release column) pairs: method, state, ..., and departed_0, departed_1 in priority order."""
    return [
        (f"{role}_{i}" if role == "departed" else role, name) for role, names in layout.items() for i, name in enumerate(names)
    ]


def find_header(rows) -> tuple[int, list[str]] | None:
    """(index, cells) of the first row among the first rows that names a method and a departure date."""
    for index, row in enumerate(rows):
        if index >= HEADER_SEARCH_ROWS:
            return None
        keys = {column_key(c) for c in row}
        if keys & set(FOIA_COLUMNS["method"]) and keys & set(FOIA_COLUMNS["departed"]):
            return index, [clean_text(c) for c in row]
    return None


def sheet_columns(rows, wanted: list[int], width: int) -> tuple[list[list], int, int]:
    """The wanted columns of the rows below a header, and (rows kept, empty rows passed over)."""
    columns: list[list] = [[] for _ in wanted]
    kept = empty = 0
    for row in rows:
        values = [row[i] if i < len(row) else "" for i in wanted]
        # Check the whole row only when the wanted cells are blank: rare, and the loop is hot.
        if all(v == "" or v is None for v in values) and all(v == "" or v is None for v in row[:width]):
            empty += 1
            continue
        kept += 1
        for column, value in zip(columns, values):
            column.append(value)
    return columns, kept, empty


def read_foia_workbook(path: Path) -> tuple[pd.DataFrame, int, int, list[str]]:
    """(records with role columns, rows read, empty rows, sheets used) from every sheet with a header.

    Releases put banner rows above the header and split the records over several sheets; a sheet
    without the header (a notes page) is passed over, a workbook without any is refused.
    """
    check_zip(path, limit=MAX_RELEASE_BYTES)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_names = workbook.sheet_names
    except Exception as exc:  # calamine raises many types; all mean "unreadable"
        raise LedgerError(path, f"unreadable workbook ({exception_text(exc)})") from None
    parts, rows_in, empty, used = [], 0, 0, []
    for sheet_name in sheet_names:
        try:
            rows = workbook.get_sheet_by_name(sheet_name).iter_rows()
            head = []
            for row in rows:
                head.append(row)
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            found = find_header(head)
            if found is None:
                continue
            index, header = found
            pairs = role_columns(foia_layout(path, header))
            columns, read, blank = sheet_columns(
                itertools.chain(head[index + 1 :], rows), [header.index(n) for _, n in pairs], len(header)
            )
            rows_in, empty = rows_in + read, empty + blank
        except LedgerError:
            raise
        except Exception as exc:
            raise LedgerError(path, f"unreadable sheet {sheet_name!r} ({exception_text(exc)})") from None
        parts.append(pd.DataFrame({role: column for (role, _), column in zip(pairs, columns)}))
        used.append(sheet_name)
    if not used:
        raise LedgerError(
            path, f"no sheet has a header with an apprehension method and a departure date in its first {HEADER_SEARCH_ROWS} rows"
        )
    records = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return records, rows_in + empty, empty, used


def read_foia_parquet(path: Path) -> pd.DataFrame:
    """The role columns of a Parquet release, read alone, text as categories."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise LedgerError(path, f"not a Parquet file ({exception_text(exc)})") from None
    layout = foia_layout(path, schema.names)
    names = list(dict.fromkeys(n for cols in layout.values() for n in cols))
    text = [n for n in names if pa.types.is_string(schema.field(n).type) or pa.types.is_large_string(schema.field(n).type)]
    try:
        table = pq.read_table(path, columns=names, read_dictionary=text)
    except (pa.ArrowException, OSError) as exc:
        raise LedgerError(path, f"unreadable Parquet file ({exception_text(exc)})") from None
    frame = table.to_pandas(date_as_object=False)
    return pd.DataFrame({role: frame[name] for role, name in role_columns(layout)})


def load_foia(path: Path) -> FoiaFile:
    """One release (xlsx or Parquet) as aggregates; LedgerError when it cannot be read as one."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        records, empty, sheets = read_foia_parquet(path), 0, []
        rows_in = len(records)
    elif suffix == ".xlsx":
        records, rows_in, empty, sheets = read_foia_workbook(path)
    else:
        raise LedgerError(path, "not a FOIA release: expected .xlsx or .parquet")
    aggregate, counts, by_year, unrecognised = aggregate_records(records, empty)
    return FoiaFile(path.name, rows_in, counts, aggregate, by_year, unrecognised, sheets)


def aggregate_foia(paths: list[Path]) -> pd.DataFrame:
    """287(g) removals by source file, state, fiscal year, criminality and threat level, over every release."""
    frames = [load_foia(p).aggregate.assign(source_file=Path(p).name) for p in paths]
    columns = ["source_file", "state", "fiscal_year", "criminality", "threat_level", "removed"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)

