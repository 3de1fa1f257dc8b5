"""287(g) removals of one FOIA release by state, fiscal year, criminality and threat level, and where every other record went."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd

from ..common.distinct import per_distinct
from ..common.excel import PROGRAM_START, date_of_serial
from ..common.states import state_codes, state_names
from ..common.text import clean_text, key_of
from .vocabulary import CRIMINALITY, FISCAL_YEAR_START_MONTH, REDACTION_RE

METHOD_CODE_287G = 287  # releases that code the method give 287(g) as the number 287 (INA section 287)
METHOD_287G_RE = re.compile(r"287(?:\.0+)?|287\s*\(\s*g\s*\)(?:\s+program)?", re.I)


def method_reason(value: object) -> str:
    """'loaded' for the 287(g) program (either spelling), else the reason the record is set aside."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "method_missing"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return "loaded" if float(value) == METHOD_CODE_287G else "not_287g"
    text = clean_text(value)
    if not text:
        return "method_missing"
    if REDACTION_RE.match(text):
        return "method_redacted"
    return "loaded" if METHOD_287G_RE.fullmatch(text) else "not_287g"


# A departure more than this long after the next-latest departure of its release is a
# typing error (2099 for 2019): a release covers a stretch of time with no year-long gap at its end.
TYPO_GAP = pd.Timedelta(days=366)


def date_of(value: object) -> tuple[pd.Timestamp | None, str]:
    """(date, status) for one cell: status ok, missing, redacted or bad."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None, "missing"
    if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value), "ok"
    if isinstance(value, (int, float, np.integer, np.floating)):
        # An Excel serial number: a date cell that lost its format.
        day = date_of_serial(float(value))
        return (pd.Timestamp(day), "ok") if day is not None else (None, "bad")
    text = clean_text(value)
    if not text:
        return None, "missing"
    if REDACTION_RE.match(text):
        return None, "redacted"
    for fmt in ("ISO8601", "%m/%d/%Y", "%m/%d/%y"):
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed is not pd.NaT and not pd.isna(parsed):
            return parsed, "ok"
    return None, "bad"


def departure_dates(columns: list[pd.Series]) -> tuple[pd.Series, np.ndarray]:
    """The first readable departure date of each record across the date columns, and its status."""
    dates, status = None, None
    for column in columns:
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            these = column.dt.tz_localize(None) if getattr(column.dt, "tz", None) else column
            these = these.astype("datetime64[ns]")
            this_status = np.where(these.notna().to_numpy(), "ok", "missing")
        else:
            codes, parsed = per_distinct(column, date_of, missing=None)
            nat = np.datetime64("NaT", "ns")
            values = np.array([p[0].to_datetime64() if p[0] is not None else nat for p in parsed], dtype="datetime64[ns]")
            these = pd.Series(values[codes], index=column.index)
            this_status = np.array([p[1] for p in parsed], dtype=object)[codes]
        if dates is None:
            dates, status = these, this_status
            continue
        take = (status != "ok") & (this_status == "ok")
        dates = dates.mask(pd.Series(take, index=dates.index), these)
        status = np.where(take | ((status == "missing") & (this_status != "missing")), this_status, status)
    return dates, status


def state_of(value: object) -> tuple[str, str]:
    """(USPS code or 'unknown', the value when it is not a state, DC or territory) for an apprehension state."""
    key = key_of(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else ""
    if not key or REDACTION_RE.match(key) or key in ("UNKNOWN", "NULL", "N/A"):
        return "unknown", ""
    codes = state_codes()
    if key in codes:
        return codes[key], ""
    if key in state_names():
        return key, ""
    return "unknown", key


def criminality_of(value: object) -> str:
    text = clean_text(value).lower() if value is not None and not (isinstance(value, float) and math.isnan(value)) else ""
    digit = re.match(r"([123])\b", text)
    if digit:
        return CRIMINALITY[digit.group(1)]
    for word, name in (("convicted", "1"), ("pending", "2"), ("other immigration violator", "3")):
        if word in text:
            return CRIMINALITY[name]
    return "criminality_unknown"


def level_of(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "level_unknown"
    text = clean_text(value).lower()
    match = re.search(r"\blevel\s*([123])\b", text) or re.fullmatch(r"l?([123])(?:\.0+)?", text)
    return f"level_{match.group(1)}" if match else "level_unknown"


def latest_plausible(dates: pd.Series) -> pd.Timestamp | None:
    """The latest departure date of a release that is not alone more than TYPO_GAP past the others.

    Over distinct dates, so one typing error repeated on several records is still caught.
    """
    distinct = np.sort(dates.dropna().unique())
    top = len(distinct)
    while top > 1 and distinct[top - 1] - distinct[top - 2] > TYPO_GAP.to_timedelta64():
        top -= 1
    return pd.Timestamp(distinct[top - 1]) if top else None


def aggregate_records(
    records: pd.DataFrame, empty_rows: int = 0
) -> tuple[pd.DataFrame, dict[str, int], dict[int, int], dict[str, int]]:
    """287(g) removals by state, fiscal year, criminality and threat level; where every other record went.

    Returns (aggregate, counts by outcome, loaded records by fiscal year, unrecognised state values).
    """
    counts = {
        "loaded": 0,
        **{r: 0 for r in ("not_287g", "method_missing", "method_redacted", "not_removed", "date_redacted", "bad_date")},
    }
    counts["empty_row"] = empty_rows
    codes, reasons = per_distinct(records["method"], method_reason, missing=None)
    row_reason = np.array(reasons, dtype=object)[codes]
    for reason, count in zip(*np.unique(row_reason, return_counts=True)):
        counts[reason] += int(count)
    chosen = records[row_reason == "loaded"]
    departed = [chosen[c] for c in records.columns if c.startswith("departed_")]
    dates, status = departure_dates(departed)
    # A 287(g) removal before the program began, or alone far past the release's other departures,
    # is a typing error, not a date. Both bounds come from the data, never from today's date.
    early = ((dates < pd.Timestamp(PROGRAM_START)) & pd.Series(status == "ok", index=dates.index)).to_numpy()
    latest = latest_plausible(dates[(status == "ok") & ~early])
    late = (dates > latest).to_numpy() if latest is not None else np.zeros(len(dates), dtype=bool)
    implausible = (status == "ok") & (early | late)
    status = np.where(implausible, "bad", status)
    for outcome, reason in (("missing", "not_removed"), ("redacted", "date_redacted"), ("bad", "bad_date")):
        moved = int((status == outcome).sum())
        counts[reason] += moved
        counts["loaded"] -= moved
    ok = status == "ok"
    chosen, dates = chosen[ok], dates[ok]
    fiscal_year = (dates.dt.year + (dates.dt.month >= FISCAL_YEAR_START_MONTH).astype(int)).astype("int64").to_numpy()

    unrecognised: dict[str, int] = {}
    if "state" in chosen.columns:
        codes, found = per_distinct(chosen["state"], state_of, missing=None)
        state = np.array([code for code, _ in found], dtype=object)[codes]
        odd = np.array([value for _, value in found], dtype=object)[codes]
        for value, count in zip(*np.unique(odd[odd != ""], return_counts=True)):
            unrecognised[value] = int(count)
    else:
        state = np.full(len(chosen), "unknown", dtype=object)
    frame = pd.DataFrame({"state": state, "fiscal_year": fiscal_year})
    for role, function in (("criminality", criminality_of), ("threat_level", level_of)):
        if role in chosen.columns:
            codes, labels = per_distinct(chosen[role], function, missing=None)
            frame[role] = np.array(labels, dtype=object)[codes]
        else:
            frame[role] = None
    aggregate = (
        frame.groupby(["state", "fiscal_year", "criminality", "threat_level"], dropna=False, sort=True)
        .size()
        .rename("removed")
        .reset_index()
    )
    by_year = {int(y): int(n) for y, n in zip(*np.unique(fiscal_year, return_counts=True))}
    return aggregate, counts, by_year, unrecognised

