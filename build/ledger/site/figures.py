"""The figures the pages show, national and per state, computed in one step from the agreements and the latest lists.

They are saved as build/national_figures.parquet and build/state_figures.parquet (see contract.py),
and the pages show them from those tables: every count on the site can be traced to a saved row.
"""

from __future__ import annotations

import pandas as pd

from .format import day

FIGURE_COLUMNS = ["active", "agencies", "pending", "ever"]


def state_figures(agreements: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Per state: active agreements, agencies with one, pending requests, agreements ever listed."""
    participating = agreements[agreements["list_kind"] == "participating"]
    active = participating[participating["display_status"] == "active"]
    pending = agreements[(agreements["list_kind"] == "pending") & (agreements["display_status"] == "pending")]
    figures = pd.DataFrame(
        {
            "active": active.groupby("state").size(),
            "agencies": active.groupby("state")["agency_id"].nunique(),
            "pending": pending.groupby("state").size(),
            "ever": participating.groupby("state").size(),
        }
    )
    out = states.set_index("usps").join(figures).fillna(0)
    for column in FIGURE_COLUMNS:
        out[column] = out[column].astype(int)
    return out.reset_index().rename(columns={"index": "usps"})


def figure_tables(agreements: pd.DataFrame, states: pd.DataFrame, latest_p: pd.Series, latest_n: pd.Series | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(national figures: one row, state figures: one row per state), each with the lists they are as of."""
    as_of = {
        "as_of_participating": latest_p["publication_id"],
        "as_of_pending": latest_n["publication_id"] if latest_n is not None else "",
        "as_of_date": day(latest_p["published_at"]),
    }
    per_state = state_figures(agreements, states)[["usps", *FIGURE_COLUMNS]].assign(**as_of)
    active = agreements[(agreements["list_kind"] == "participating") & (agreements["display_status"] == "active")]
    national = pd.DataFrame(
        [
            {
                "active": int(per_state["active"].sum()),
                "agencies": int(active["agency_id"].nunique()),
                "states_with": int((per_state["active"] > 0).sum()),
                "pending": int(per_state["pending"].sum()),
                **as_of,
            }
        ]
    )
    return national, per_state


def with_states(per_state: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """The saved state figures beside each state's name, FIPS code and kind, for the pages."""
    return states.merge(per_state, on="usps", how="left").fillna({c: 0 for c in FIGURE_COLUMNS}).astype({c: int for c in FIGURE_COLUMNS})
