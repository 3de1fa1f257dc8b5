"""Answers "what was in force on this day?": the agreements on ICE's lists and the changes published that day.

A query over the history stage's saved tables (and ingest's publications); it writes nothing
unless asked: `ledger asof DATE` prints the counts and can write both tables as CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..common.contracts import read_table
from ..common.lists import list_in_force
from ..ingest.contract import PUBLICATIONS
from .contract import AGREEMENTS, CHANGES


def active_on(agreements: pd.DataFrame, publications: pd.DataFrame, day: dt.date, list_kind: str = "participating") -> pd.DataFrame:
    """The agreements on the list in force on `day`: exactly the rows of that list, one per agreement."""
    publication = list_in_force(publications, day, list_kind)
    if publication is None:
        return agreements.iloc[0:0]
    listed = agreements["publication_ids"].map(lambda ids: publication["publication_id"] in set(ids))
    return agreements[(agreements["list_kind"] == list_kind) & listed].assign(as_of_list=publication["publication_id"])


def changes_on(changes: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """The changes first seen in a list published on `day`."""
    return changes[changes["published_at"].dt.date == day]


def run(data_dir: Path, day: dt.date, out: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series | None]:
    """(agreements in force on `day`, changes published that day, the participating list in force); CSVs in `out` if given."""
    build = Path(data_dir) / "build"
    publications = read_table(build, PUBLICATIONS)
    agreements = read_table(build, AGREEMENTS)
    changed = changes_on(read_table(build, CHANGES), day)
    active = active_on(agreements, publications, day)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        active.drop(columns=["publication_ids", "signed_dates"], errors="ignore").to_csv(out / f"active-{day}.csv", index=False)
        changed.to_csv(out / f"changes-{day}.csv", index=False)
    return active, changed, list_in_force(publications, day)
