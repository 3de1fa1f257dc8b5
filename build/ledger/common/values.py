"""How a value of a declared column type is written out as text or JSON: the one rule every published file follows (CSV, XLSX, JSON, the API).

Frictionless' defaults for the contract types (common.contracts.TYPES): dates YYYY-MM-DD,
datetimes ISO 8601, arrays as JSON arrays, booleans true/false, integers without a decimal
point, missing as empty (CSV) or null (JSON).
"""

from __future__ import annotations

import orjson
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
        return orjson.dumps([str(v) for v in list(value)]).decode()
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


def _dates_as_text(kind: str, values: pd.Series) -> pd.Series:
    """A date or datetime column as text, the whole column at once (text_cell's format), missing as missing."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        if values.map(lambda v: isinstance(v, str), na_action="ignore").fillna(False).astype(bool).any():
            return pd.Series([text_cell(kind, v) for v in values.tolist()], index=values.index, dtype="str")
        values = pd.to_datetime(values)
    text = values.dt.strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%dT%H:%M:%S")
    if kind == "datetime":  # isoformat's precision: fractions of a second only when there are some
        fractional = values.dt.microsecond.fillna(0) != 0
        if fractional.any():
            text = text.where(~fractional, values[fractional].map(lambda v: v.isoformat()))
    return text.astype("str")


def as_text(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The table as its CSV and XLSX cells: integers and numbers stay numeric (nullable), text stays text, everything else as text_cell writes it."""
    out = {}
    for column in table.columns:
        values = frame[column.name]
        if column.type == "integer":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Int64")
        elif column.type == "number":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Float64")
        elif column.type == "string":
            out[column.name] = values.astype("str")  # missing stays missing (an empty cell)
        elif column.type in ("date", "datetime"):
            out[column.name] = _dates_as_text(column.type, values)
        else:
            out[column.name] = pd.Series([text_cell(column.type, v) for v in values.tolist()], index=frame.index, dtype="str")
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _json_column(kind: str, values: pd.Series) -> list:
    """A column's values as JSON data; whole columns at once where the type allows it (a quarter of a million rows)."""
    if kind == "string":
        return values.astype(object).where(values.notna(), None).tolist()
    if kind in ("integer", "number"):
        numbers = pd.to_numeric(values, errors="raise").astype("Int64" if kind == "integer" else "Float64")
        return numbers.astype(object).where(numbers.notna(), None).tolist()
    if kind in ("date", "datetime"):
        text = _dates_as_text(kind, values)
        return text.astype(object).where(text.notna(), None).tolist()
    return [json_value(kind, v) for v in values.tolist()]


def records(table: Table, frame: pd.DataFrame) -> list[dict]:
    """The rows as JSON objects, each value by its declared type."""
    names = table.names
    columns = [_json_column(c.type, frame[c.name]) for c in table.columns]
    return [dict(zip(names, row)) for row in zip(*columns)]


def json_bytes(data: object) -> bytes:
    """JSON as the site publishes it: UTF-8, compact, keys in the order given, a newline at the end."""
    return orjson.dumps(data) + b"\n"
