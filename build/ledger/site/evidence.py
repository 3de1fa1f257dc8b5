"""What a figure links as its source besides ICE's workbook (which the downloads stage publishes as data/ice/<sha256>.xlsx): the sheet rows it counts.

Beside each figure block the site offers a CSV of the accepted sheet rows it counts, each with
its row number and agreement.
"""

from __future__ import annotations

import pandas as pd

from .format import day

ROW_COLUMNS = [
    "list_kind", "publication_id", "file_name", "sha256", "row_number", "agreement_id", "agency_id",
    "state", "agency_name", "county", "support_type", "signed", "moa_url",
]  # fmt: skip


def mapped_rows(rows: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The sheet rows with the agreement and agency each one is, from history's row_agreements table."""
    return rows.merge(links[["publication_id", "row_number", "agreement_id", "agency_id"]], on=["publication_id", "row_number"], how="left")


def rows_for(rows: pd.DataFrame, state: str | None = None) -> pd.DataFrame:
    """The rows a figure block counts, as its CSV offers them: one state's, or every row."""
    mine = rows if state is None else rows[rows["state"] == state]
    out = mine.assign(signed=mine["signed"].map(day))
    return out.sort_values(["list_kind", "state", "row_number"], ascending=[False, True, True])[ROW_COLUMNS]
