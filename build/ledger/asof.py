"""Answers "what was in force on this day?": the agreements on ICE's lists and the changes published that day.

Reads <data-dir>/build/ (publications, agreements, changes) and writes nothing unless asked:
`ledger asof DATE` prints the counts and can write both tables as CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .common.errors import LedgerError


def list_in_force(publications: pd.DataFrame, day: dt.date, kind: str = "participating") -> pd.Series | None:
    """The last list of this kind published on or before the end of `day`, or None before the first."""
    of_kind = publications[(publications["kind"] == kind) & (publications["published_at"].dt.date <= day)]
    return of_kind.sort_values("published_at").iloc[-1] if len(of_kind) else None


def active_on(agreements: pd.DataFrame, publications: pd.DataFrame, day: dt.date, kind: str = "participating") -> pd.DataFrame:
    """The agreements on the list in force on `day`: exactly the rows of that list, one per agreement."""
    publication = list_in_force(publications, day, kind)
    if publication is None:
        return agreements.iloc[0:0]
    listed = agreements["publication_ids"].map(lambda ids: publication["publication_id"] in set(ids))
    return agreements[(agreements["kind"] == kind) & listed].assign(as_of_list=publication["publication_id"])


def changes_on(changes: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return changes[changes["published_at"].dt.date == day]


def run(data_dir: Path, day: dt.date, out: Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series | None]:
    build = Path(data_dir) / "build"
    for name in ("publications", "agreements", "changes"):
        if not (build / f"{name}.parquet").exists():
            raise LedgerError(build / f"{name}.parquet", "missing: run `ledger build` first")
    publications = pd.read_parquet(build / "publications.parquet")
    agreements = pd.read_parquet(build / "agreements.parquet")
    active = active_on(agreements, publications, day)
    changed = changes_on(pd.read_parquet(build / "changes.parquet"), day)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        active.drop(columns=["publication_ids", "signed_dates"], errors="ignore").to_csv(out / f"active-{day}.csv", index=False)
        changed.to_csv(out / f"changes-{day}.csv", index=False)
    return active, changed, list_in_force(publications, day)
