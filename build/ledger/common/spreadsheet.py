"""Cells safe to open in a spreadsheet: the one writer every published CSV and XLSX goes through.

Agency names come from downloaded files and can hold anything. A text cell that begins with
`=`, `+`, `-`, `@`, a tab or a carriage return is run as a formula by Excel, LibreOffice and
Google Sheets; OWASP's advice (CSV injection) is to prefix such a cell with a single quote, so
it is shown as the text it is. Numbers stay numbers: only text cells are touched.
"""

from __future__ import annotations

import datetime as dt
import math

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
            # Vectorised over the column (a quarter of a million rows in the sheet rows download);
            # a non-text cell in an object column is left as it is.
            if pd.api.types.is_string_dtype(series) and not pd.api.types.is_object_dtype(series):
                text = series.fillna("")  # text throughout: no cell to test one by one
            else:
                text = series.where(series.map(lambda v: isinstance(v, str)).astype(bool), "").astype(str)
            runs = text.str.startswith(FORMULA_START)
            if runs.any():
                out[column] = series.where(~runs, "'" + text)
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """A frame as CSV text that is safe to open in a spreadsheet."""
    return safe_frame(frame).to_csv(index=False)


# XlsxWriter would turn a text cell that looks like a formula, a number or an address into one;
# every option below keeps text as text (a name "=HYPERLINK(...)" is stored as those characters).
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False, "nan_inf_to_errors": True}
XLSX_MAX_TEXT = 32767  # Excel's longest cell text


def write_xlsx(frame: pd.DataFrame, path, sheet: str, created: dt.datetime, title: str = "") -> None:
    """A frame as one worksheet; text cells written as strings, never as formulas; the document's dates set to `created`.

    `created` comes from the data (the latest list's day), so the same table gives the same bytes on
    any day. Numbers and booleans stay typed; dates are written as YYYY-MM-DD text, as in the CSV.
    """
    import xlsxwriter  # only the downloads write workbooks

    workbook = xlsxwriter.Workbook(str(path), {**XLSX_OPTIONS, "constant_memory": False})
    workbook.set_properties({"title": title, "created": created.replace(tzinfo=None), "author": "287(g) Ledger"})
    sheet_ = workbook.add_worksheet(sheet[:31])
    bold = workbook.add_format({"bold": True})
    for j, name in enumerate(frame.columns):
        sheet_.write_string(0, j, str(name), bold)
    sheet_.freeze_panes(1, 0)
    for j, column in enumerate(frame.columns):
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            for i, v in enumerate(values.tolist(), 1):
                if v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA:
                    sheet_.write_boolean(i, j, v) if isinstance(v, bool) else sheet_.write_number(i, j, v)
        else:
            for i, v in enumerate(values.tolist(), 1):
                if isinstance(v, str) and v:
                    sheet_.write_string(i, j, v[:XLSX_MAX_TEXT])
    workbook.close()
