"""Cells safe to open in a spreadsheet: the one writer every published CSV goes through.

Agency names come from downloaded files and can hold anything. A text cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel, LibreOffice and
Google Sheets; OWASP's advice (CSV injection) is to prefix such a cell with a single quote, so
it is shown as the text it is. Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell a spreadsheet would run, made inert; any other value unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell neutralised; numeric, boolean and date columns as they are."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise, na_action="ignore")
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text that is safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False)
