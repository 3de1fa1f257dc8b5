"""Every raw row cleaned and judged: the clean columns, and the reason a row is set aside (or none).

Python runs once per distinct cell value, numpy once per row (common.distinct): the lists repeat
a few hundred values a quarter of a million times.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..common.distinct import per_distinct, spread
from ..common.excel import PROGRAM_START
from ..common.fixes import FixTable
from ..common.models import SUPPORT_TYPES
from ..common.states import state_codes
from ..common.text import clean_text, key_of
from .cells import clean_choice, clean_state, link_addresses, link_column, parse_signed
from .parse import RAW_FIELDS

# The one vocabulary for rows set aside. Tests and the methodology page read it from here.
REJECT_REASONS = {
    "empty_row": "a row with no values between rows that have some (a run of them is one record)",
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

AGENCY_TYPES = ["County", "Municipality", "State Agency"]
# Without the list's publication date only the program's start bounds a signing date.
NO_LATEST_SIGNING = dt.date.max
# ICE dates agreements ahead of signing now and then, never by more than a year.
SIGNING_LEAD = 1  # years


def a_year_after(day: dt.date) -> dt.date:
    """The latest plausible signing date for a list published on `day`: the same day a year later.

    The day is clamped to the 28th so that a list of 29 February has a valid date a year on.
    """
    return dt.date(day.year + SIGNING_LEAD, day.month, min(day.day, 28))


def normalise_rows(raw: pd.DataFrame, fixes: dict[str, FixTable], published: pd.Series | None = None) -> pd.DataFrame:
    """Clean every raw row and decide accept or reject. Adds the clean columns, `reason` and `detail`."""
    codes = state_codes()
    out = raw.copy()
    if out.empty:
        for name in ["state", "agency_name", "county", "support_type", "agency_type", "signed", "moa_url", "moa_status", "moa_other_address", "addendum_url", "fixes_applied", "reason", "detail"]:
            out[name] = pd.Series(dtype=object)
        out["rows"] = pd.Series(dtype="int64")
        return out

    state_index, states = per_distinct(out["raw_state"], lambda v: clean_state(v, codes, fixes["state_names"]))
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

    state_of_row = spread(state_index, states, 0)
    county_key = pd.Series(state_of_row, index=out.index).fillna("") + "|" + out["raw_county"].fillna("")
    county_codes, counties = per_distinct(county_key, county_of)
    # ICE has printed an agency under another state's name; reviewed cases are moved back.
    agency_state_fixes = fixes["agency_states"]
    moved_codes, moved = per_distinct(
        pd.Series(state_of_row, index=out.index).fillna("") + "|" + out["raw_agency"].fillna(""),
        lambda pair: agency_state_fixes.apply(pair.split("|", 1)[0] + "|" + key_of(pair.split("|", 1)[1])),
    )
    moved_to = spread(moved_codes, moved)
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
    moa_urls, moa_elsewhere = link_addresses(out["moa_href"], out["raw_moa"])
    # A link to anywhere but ICE's site is kept as text (moa_other_address), never made a link.
    moa_statuses = np.where(
        pd.notna(moa_urls),
        "posted",
        np.where(
            pd.notna(moa_elsewhere),
            "other address",
            np.where(out["raw_moa"].fillna("").str.contains("pending", case=False).to_numpy(), "pending", "none"),
        ),
    )

    signed_dates = spread(signed_codes, signed, 0)
    signed_texts = spread(signed_codes, signed, 2)
    if published is not None:
        limit_codes, limits = per_distinct(published.astype(str), lambda p: pd.Timestamp(p).date() if p else None)
        limit_values = spread(limit_codes, [a_year_after(d) for d in limits])
    else:
        limit_values = np.full(len(out), NO_LATEST_SIGNING, dtype=object)
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
    state_reason = spread(state_index, states, 1)
    support_text = spread(support_codes, supports, 3)
    # Reasons in order of precedence: the first that applies is the one recorded.
    conditions = [
        ("empty_row", empty, None),
        ("repeated_header", header, None),
        ("cells_outside_header", unnamed.ne("").to_numpy(), spread(*per_distinct(unnamed, clean_text))),
        ("missing_state", state_reason == "missing_state", None),
        ("unknown_state", state_reason == "unknown_state", spread(*per_distinct(out["raw_state"], clean_text))),
        ("missing_agency", spread(agency_codes, agencies) == "", None),
        ("missing_support_type", support_text == "", None),
        ("unknown_support_type", ~spread(support_codes, supports, 1).astype(bool), support_text),
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
        "state_names": spread(state_index, states, 2).astype(bool),
        "support_types": spread(support_codes, supports, 2).astype(bool),
        "agency_types": spread(type_codes, agency_types, 2).astype(bool),
        "county_names": spread(county_codes, counties, 1).astype(bool),
        "agency_states": pd.notna(moved_to),
        "signed_dates": spread(signed_codes, signed, 1).astype(bool),
    }
    mask_bits = sum(flags.astype(np.int64) << bit for bit, flags in enumerate(fixed.values()))
    labels = {m: ";".join(n for b, n in enumerate(fixed) if m >> b & 1) for m in range(1 << len(fixed))}

    out["state"] = np.where(accepted, state_values, None)
    out["agency_name"] = spread(agency_codes, agencies)
    out["county"] = spread(county_codes, counties, 0)
    out["support_type"] = np.where(accepted, spread(support_codes, supports, 0), None)
    out["agency_type"] = spread(type_codes, agency_types, 0)
    out["signed"] = pd.Series(np.where(accepted, signed_dates, None), index=out.index, dtype=object)
    out["moa_url"] = moa_urls
    out["moa_status"] = moa_statuses
    out["moa_other_address"] = moa_elsewhere
    out["addendum_url"] = link_column(out["addendum_href"], out["raw_addendum"])
    out["fixes_applied"] = pd.Series(mask_bits).map(labels).to_numpy()
    out["reason"] = reason
    out["detail"] = detail
    return one_record_per_empty_run(out, empty)


def one_record_per_empty_run(out: pd.DataFrame, empty: np.ndarray) -> pd.DataFrame:
    """Consecutive empty rows of a workbook as one record: the run's first row, `rows` its length.

    One stray cell thousands of rows below a list makes every row between empty: they are one
    fact (a gap), and listing each would cost every page and table that shows set-aside rows.
    """
    follows = np.zeros(len(out), dtype=bool)
    follows[1:] = empty[1:] & empty[:-1]
    if follows.any():
        sha, number = out["sha256"].to_numpy(), out["row_number"].to_numpy()
        follows[1:] &= (sha[1:] == sha[:-1]) & (number[1:] == number[:-1] + 1)
    if not follows.any():  # every real list: no run longer than one row
        out["rows"] = 1
        return out
    starts = ~follows
    kept = out[starts].reset_index(drop=True)
    kept["rows"] = np.bincount(np.cumsum(starts) - 1)
    runs = kept["rows"].to_numpy() > 1
    kept.loc[runs, "detail"] = [
        f"rows {first:,}-{first + n - 1:,}: {n:,} empty rows" for first, n in zip(kept["row_number"][runs], kept["rows"][runs])
    ]
    return kept
