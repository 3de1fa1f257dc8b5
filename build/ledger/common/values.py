"""How a value of a declared column type is written out as text or JSON: the one rule every published file follows (CSV, XLSX, JSON, the API).

Frictionless' defaults for the contract types (common.contracts.TYPES): dates YYYY-MM-DD,
datetimes ISO 8601, arrays as JSON arrays, booleans true/false, integers without a decimal
point, missing as empty (CSV) or null (JSON).
"""

from __future__ import annotations

import json

import pandas as pd

from .contracts import Table


def missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def text_cell(kind: str, value: object) -> object:
    """A value of a declared type as its CSV cell (None when missing)."""
    if missing(value):
        return None
    if kind == "date":
        return value[:10] if isinstance(value, str) else pd.Timestamp(value).strftime("%Y-%m-%d")
    if kind == "datetime":
        return value if isinstance(value, str) else pd.Timestamp(value).isoformat()
    if kind == "array":
        return json.dumps([str(v) for v in list(value)], ensure_ascii=False)
    if kind == "boolean":
        return "true" if bool(value) else "false"
    return value


def json_value(kind: str, value: object) -> object:
    """A value of a declared type as JSON data: arrays as lists, numbers as numbers, booleans as booleans, dates as text, missing as None."""
    if missing(value):
        return None
    if kind == "array":
        return [str(v) for v in list(value)]
    if kind == "boolean":
        return bool(value)
    if kind == "integer":
        return int(value)
    if kind == "number":
        return float(value)
    if kind in ("date", "datetime"):
        return text_cell(kind, value)
    return str(value)


def as_text(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as its CSV and XLSX cells: integers and numbers stay numeric (nullable), everything else text or None."""
    out = {}
    for column in table.columns:
        values = frame[column.name]
        if column.type == "integer":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Int64")
        elif column.type == "number":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Float64")
        elif column.type == "string":
            out[column.name] = values.astype(object).where(values.notna(), None)
        else:
            out[column.name] = [text_cell(column.type, v) for v in values.tolist()]
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def records(table: Table, frame: pd.DataFrame) -> list[dict]:
    """The rows as JSON objects, each value by its declared type."""
    names = table.names
    columns = [[json_value(c.type, v) for v in frame[c.name].tolist()] for c in table.columns]
    return [dict(zip(names, row)) for row in zip(*columns)]
