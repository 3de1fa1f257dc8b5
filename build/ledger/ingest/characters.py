"""Reports the characters the cleaning rule removes: one warning per workbook that had any, with the cells counted.

common.text.clean_text removes control and invisible format characters from every cell (a NUL,
a bidirectional override, a zero-width space). Removing them silently would hide that a list
carried them, so each workbook that had any is named here with how many of its cells did.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..common.distinct import per_distinct, spread
from ..common.qa import check
from ..common.text import removed_characters
from .parse import RAW_FIELDS

# Every cell that reaches a table or a page: the typed values, the links behind them, and the
# cells outside the header (they are shown as the reason a row was set aside).
CHECKED_COLUMNS = [f"raw_{name}" for name in RAW_FIELDS] + ["moa_href", "addendum_href", "raw_unnamed"]
# A workbook's warning names at most this many distinct characters: enough to say what was there.
CODES_SHOWN = 8


def code_points(characters: set[str]) -> str:
    shown = sorted(characters)[:CODES_SHOWN]
    more = len(characters) - len(shown)
    return ", ".join(f"U+{ord(c):04X}" for c in shown) + (f" and {more} more" if more > 0 else "")


def character_checks(raw: pd.DataFrame, file_names: dict[str, str] | None = None) -> list[dict]:
    """One `characters_removed` warning per workbook (by file name, else sha256) with cells that had characters removed."""
    file_names = file_names or {}
    columns = [c for c in CHECKED_COLUMNS if c in raw.columns]
    if raw.empty or not columns:
        return []
    touched = np.zeros(len(raw), dtype=np.int64)
    found_in_row = np.full(len(raw), "", dtype=object)
    for column in columns:
        # Arrow finds the few cells that are not plain printable ASCII (about one in ten of the
        # archive's agency cells, for a curly apostrophe) in a few milliseconds; only those are
        # looked at in Python, once per distinct value.
        values = pa.array(raw[column].array, type=pa.string(), from_pandas=True)
        suspect = np.asarray(pc.invert(pc.fill_null(pc.ascii_is_printable(values), True)), dtype=bool)
        if not suspect.any():
            continue
        codes, removed = per_distinct(raw[column][suspect].reset_index(drop=True), lambda v: removed_characters(v) if isinstance(v, str) else "")
        found = spread(codes, removed)
        hit = found != ""
        if not hit.any():
            continue
        rows = np.flatnonzero(suspect)[hit]
        touched[rows] += 1
        found_in_row[rows] = found_in_row[rows] + found[hit]
    if not touched.any():
        return []
    hits = pd.DataFrame({"sha256": raw["sha256"].to_numpy(), "cells": touched, "found": found_in_row})
    hits = hits[hits["cells"] > 0]
    qa = []
    for sha, group in hits.groupby("sha256", sort=True):
        name = file_names.get(sha) or sha
        characters = set("".join(group["found"]))
        qa.append(check("characters_removed", f"{name}: {code_points(characters)}", int(group["cells"].sum()), 0, "warn"))
    return qa
