"""Makes the checks of the site's figure tables and published sources: the figures agree with one another, and every published ICE workbook is the file its name says.

Recomputed from the render stage's saved tables (read through its contract), so a figure table
edited or truncated after the build is caught by `ledger check`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from ..common.contracts import read_table
from ..common.qa import check
from ..downloads.contract import ICE_FOLDER
from ..site.contract import CHANGE_COUNTS, LIST_CHANGES, NATIONAL_FIGURES, STATE_FIGURES, count_column
LISTED = 20  # disagreements listed one by one; the count covers the rest


def figure_checks(build: Path) -> list[dict]:
    """The national figures are the sum of the states'; each list's national change counts are the sum of its states'."""
    qa: list[dict] = []
    if not NATIONAL_FIGURES.path(build).exists():
        return [check("figure_tables_present", str(NATIONAL_FIGURES.path(build)), "missing", "present", "fail")]
    national = read_table(build, NATIONAL_FIGURES).iloc[0]
    states = read_table(build, STATE_FIGURES)
    for column in ("active", "missing", "pending"):
        total = int(states[column].sum())
        qa.append(check(f"national_{column}_is_sum_of_states", "national_figures", int(national[column]), total, "pass" if total == national[column] else "fail"))
    lists = read_table(build, LIST_CHANGES)
    columns = ["new", *(count_column(c) for c in CHANGE_COUNTS)]
    by_state = lists[lists["state"] != ""].groupby("publication_id")[columns].sum()
    whole = lists[lists["state"] == ""].set_index("publication_id")[columns]
    differ = whole.sub(by_state.reindex(whole.index, fill_value=0)).abs().sum(axis=1)
    wrong = sorted(differ[differ > 0].index)
    qa.append(check("list_changes_national_is_sum_of_states", "list_changes", len(wrong), 0, "pass" if not wrong else "fail"))
    for publication_id in wrong[:LISTED]:
        qa.append(check("list_changes_disagree", publication_id, int(differ[publication_id]), 0, "fail"))
    return qa


def workbook_checks(site: Path) -> list[dict]:
    """Every workbook the site publishes is named by its own sha256 and listed in the manifest, and every listed one is there."""
    folder = Path(site) / ICE_FOLDER
    manifest_path = folder / "manifest.csv"
    if not manifest_path.exists():
        return [check("ice_manifest_published", str(manifest_path), "missing", "present", "fail")]
    listed = set(pd.read_csv(manifest_path, dtype=str, usecols=["sha256"])["sha256"])
    files = {p.stem: p for p in folder.glob("*.xlsx")}
    # Hashing the published files (about 30 MB for the real archive) takes a fraction of a second.
    misnamed = sorted(name for name, path in files.items() if hashlib.sha256(path.read_bytes()).hexdigest() != name)
    absent, unlisted = sorted(listed - set(files)), sorted(set(files) - listed)
    qa = [
        check("ice_workbooks_published", "site", len(files), len(listed), "pass" if not absent else "fail"),
        check("ice_workbooks_named_by_sha256", "site", len(misnamed), 0, "pass" if not misnamed else "fail"),
        check("ice_workbooks_unlisted", "site", len(unlisted), 0, "pass" if not unlisted else "fail"),
    ]
    qa += [check("ice_workbook_missing", sha, "missing", "present", "fail") for sha in absent[:LISTED]]
    qa += [check("ice_workbook_misnamed", sha, "other content", "its sha256", "fail") for sha in misnamed[:LISTED]]
    return qa
