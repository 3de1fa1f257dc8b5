"""Which ICE list was in force: the one rule for "the latest list", over the publications table."""

from __future__ import annotations

import datetime as dt

import pandas as pd


def list_in_force(publications: pd.DataFrame, day: dt.date | None = None, list_kind: str = "participating") -> pd.Series | None:
    """The last list of this kind published on or before the end of `day` (the latest when None), or None."""
    of_kind = publications[publications["list_kind"] == list_kind]
    if day is not None:
        of_kind = of_kind[of_kind["published_at"].dt.date <= day]
    return of_kind.sort_values(["published_at", "publication_id"]).iloc[-1] if len(of_kind) else None
