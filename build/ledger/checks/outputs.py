"""Makes the checks that can be recomputed from ingest's saved tables alone: every row accounted for, ids and dates in order."""

from __future__ import annotations

import pandas as pd

from ..common.qa import check


def publication_checks(publications: pd.DataFrame, sheet_rows: pd.DataFrame, rejected: pd.DataFrame) -> list[dict]:
    """Rows in = rows accepted + rows rejected for every publication, and ids and dates in order."""
    qa: list[dict] = []
    accepted = sheet_rows.groupby("publication_id").size()
    # A set-aside record may stand for a run of empty rows: its `rows` says how many.
    set_aside = rejected.groupby("publication_id")["rows"].sum() if not rejected.empty else pd.Series(dtype=int)
    rejected_rows = int(rejected["rows"].sum()) if not rejected.empty else 0
    unaccounted = 0
    for pub in publications.itertuples(index=False):
        found = int(accepted.get(pub.publication_id, 0)) + int(set_aside.get(pub.publication_id, 0))
        if found != pub.rows_in or int(accepted.get(pub.publication_id, 0)) != pub.rows_accepted:
            unaccounted += abs(pub.rows_in - found) or 1
            qa.append(check("publication_rows_reconciled", pub.publication_id, found, pub.rows_in, "fail"))
    qa.append(check("unaccounted_rows", "all publications", unaccounted, 0, "pass" if unaccounted == 0 else "fail"))
    total_in = int(publications["rows_in"].sum())
    qa.append(
        check(
            "rows_accepted_plus_rejected",
            "all publications",
            len(sheet_rows) + rejected_rows,
            total_in,
            "pass" if len(sheet_rows) + rejected_rows == total_in else "fail",
        )
    )
    duplicated = publications["publication_id"].duplicated().sum()
    qa.append(check("publication_ids_unique", "all publications", int(duplicated), 0, "pass" if duplicated == 0 else "fail"))
    # Publication dates in strict order are history's check (it orders the lists): not repeated here.
    for list_kind, group in publications.groupby("list_kind"):
        qa.append(check("publications", list_kind, len(group), "at least 1", "info"))
    unknown = sheet_rows["state"].isna().sum() + sheet_rows["support_type"].isna().sum()
    qa.append(check("accepted_rows_have_state_and_model", "all rows", int(unknown), 0, "pass" if unknown == 0 else "fail"))
    participating = sheet_rows[sheet_rows["list_kind"] == "participating"]
    undated = int(participating["signed"].isna().sum())
    qa.append(check("participating_rows_without_signing_date", "all rows", undated, 0, "pass" if undated == 0 else "warn"))
    late = publications[publications["max_signed"].notna()]
    late = late[late["max_signed"] > late["published_at"].dt.date]
    qa.append(check("lists_dated_before_their_signing_dates", "all publications", len(late), 0, "pass" if late.empty else "fail"))
    formulas = int(publications["formula_cells"].sum())
    qa.append(check("formula_cells", "all publications", formulas, 0, "pass" if formulas == 0 else "warn"))
    return qa
