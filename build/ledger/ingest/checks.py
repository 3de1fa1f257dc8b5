"""The checks only the ingest stage can make: every workbook's rows reconciled, unreadable files, unused fixes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..common.errors import LedgerError
from ..common.fixes import FixTable
from ..common.qa import check


def ingest_checks(
    per_workbook: pd.DataFrame, fixes: dict[str, FixTable], errors: list[LedgerError], rejected: pd.DataFrame
) -> list[dict]:
    """Checks that only the ingest stage can make: per-workbook reconciliation and stale fixes."""
    qa: list[dict] = []
    bad = per_workbook[per_workbook["rows_in"] != per_workbook["rows_accepted"] + per_workbook["rows_rejected"]]
    for _, row in bad.iterrows():
        qa.append(check("workbook_rows_reconciled", row["sha256"], row["rows_accepted"] + row["rows_rejected"], row["rows_in"], "fail"))
    qa.append(
        check("workbooks_reconciled", "all workbooks", len(per_workbook) - len(bad), len(per_workbook), "pass" if bad.empty else "fail")
    )
    for error in errors:
        qa.append(check("workbook_unreadable", Path(error.path).name, error.reason, "readable", "fail"))
    for name, table in fixes.items():
        for wrong in table.unused():
            qa.append(check("fix_unused", f"{name}.csv: {wrong}", "matched no value", "matches a value", "warn"))
    for reason, count in rejected.groupby("reason")["rows"].sum().sort_index().items():
        qa.append(check("rows_rejected", reason, int(count), "reviewed", "info"))
    return qa


def moa_address_checks(sheet_rows: pd.DataFrame) -> list[dict]:
    """One warning per list whose MOA cells point somewhere other than ICE's site: kept as text, never linked."""
    qa: list[dict] = []
    elsewhere = sheet_rows[sheet_rows["moa_other_address"].notna()]
    for file_name, group in elsewhere.groupby("file_name", sort=True):
        example = str(group["moa_other_address"].iloc[0])[:80]
        qa.append(check("moa_not_on_ice_site", file_name, f"{len(group)} rows, e.g. {example}", "https on www.ice.gov or ice.gov", "warn"))
    return qa
