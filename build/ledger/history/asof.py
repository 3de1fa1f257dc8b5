"""Answers "what was in force on this day?": the agreements on ICE's lists, those missing then, and the changes published that day.

A query over the history stage's saved tables (and ingest's publications); it writes nothing
unless asked: `ledger asof DATE` prints the counts and can write the tables as CSV. The
agreements in force are exactly the rows of the list in force; the ones missing are told
apart from them, as the statuses do (rules.AGREEMENT_STATUSES): gone from that list, but
from fewer than ENDED_AFTER_LISTS lists in a row and not yet renewed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..common.contracts import read_table
from ..common.lists import list_in_force
from ..ingest.contract import PUBLICATIONS
from .contract import AGREEMENTS, CHANGES
from .rules import ENDED_AFTER_LISTS


def active_on(agreements: pd.DataFrame, publications: pd.DataFrame, day: dt.date, list_kind: str = "participating") -> pd.DataFrame:
    """The agreements on the list in force on `day`: exactly the rows of that list, one per agreement."""
    publication = list_in_force(publications, day, list_kind)
    if publication is None:
        return agreements.iloc[0:0]
    listed = agreements["publication_ids"].map(lambda ids: publication["publication_id"] in set(ids))
    return agreements[(agreements["list_kind"] == list_kind) & listed].assign(as_of_list=publication["publication_id"])


def missing_on(agreements: pd.DataFrame, publications: pd.DataFrame, day: dt.date, list_kind: str = "participating") -> pd.DataFrame:
    """The agreements that were `missing` on `day`: off the list in force, gone from fewer than ENDED_AFTER_LISTS lists, not renewed by then."""
    publication = list_in_force(publications, day, list_kind)
    if publication is None:
        return agreements.iloc[0:0]
    # Only non-empty lists are evidence of what was listed (as in the history stage).
    lists = publications[(publications["list_kind"] == list_kind) & (publications["rows_accepted"].fillna(0) > 0)]
    lists = lists[lists["published_at"] <= publication["published_at"]].sort_values(["published_at", "publication_id"])
    position = {p: i for i, p in enumerate(lists["publication_id"])}
    of_kind = agreements[agreements["list_kind"] == list_kind]
    last = of_kind["publication_ids"].map(lambda ids: max((position[p] for p in ids if p in position), default=-1))
    after = len(lists) - 1 - last
    first_listed = agreements.set_index("agreement_id")["first_listed"]
    model = agreements.set_index("agreement_id")["support_type"]
    successor = of_kind["next_agreement_id"]
    renewed = successor.notna() & (successor.map(model) == of_kind["support_type"]) & (successor.map(first_listed) <= publication["published_at"])
    missing = (last >= 0) & (after > 0) & (after < ENDED_AFTER_LISTS) & ~renewed
    return of_kind[missing].assign(as_of_list=publication["publication_id"], lists_without_it=after[missing].astype(int))


def changes_on(changes: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The changes first seen in a list published on `day`."""
    return changes[changes["published_at"].dt.date == day]


def run(data_dir: Path, day: dt.date, out: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series | None]:
    """(agreements in force on `day`, changes published that day, the participating list in force); CSVs in `out` if given.

    The agreements missing that day are in `missing_on` (and missing-DATE.csv in `out`).
    """
    build = Path(data_dir) / "build"
    publications = read_table(build, PUBLICATIONS)
    agreements = read_table(build, AGREEMENTS)
    changed = changes_on(read_table(build, CHANGES), day)
    active = active_on(agreements, publications, day)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        active.drop(columns=["publication_ids", "signed_dates"], errors="ignore").to_csv(out / f"active-{day}.csv", index=False)
        missing = missing_on(agreements, publications, day)
        missing.drop(columns=["publication_ids", "signed_dates"], errors="ignore").to_csv(out / f"missing-{day}.csv", index=False)
        changed.to_csv(out / f"changes-{day}.csv", index=False)
    return active, changed, list_in_force(publications, day)
