"""The removal tables by state and by year: each source's 287(g) removals beside all ICE removals, and the share shown.

Several sources can cover one state and fiscal year (ICE's statistics by agency and FOIA releases
overlap in FY2012-2013; releases overlap one another). Every source keeps its own row and share;
`share_chosen` marks the one row per state and year the site shows, by SHARE_PRECEDENCE, so the
choice never rests on the order of file names.
"""

from __future__ import annotations

import pandas as pd

from .contract import BY_YEAR, STATE_COLUMNS
from .vocabulary import CRIMINALITY_COLUMNS, LEVEL_COLUMNS

AGENCY_STATS = "agency_stats"
FOIA = "foia"
# Which source's share is shown when several cover one state and year, best first:
# 1. ICE's statistics by agency: ICE's own published count for 287(g), cited per year;
# 2. a FOIA release: counted here from the records, where the release's coverage is not documented.
# Between two releases, the one with more 287(g) removals that fiscal year across the country is
# the more complete count; only an exact tie falls back to the file name, so the choice is stable.
SHARE_PRECEDENCE = (AGENCY_STATS, FOIA)
COUNT_COLUMNS = ["removed", "agencies_reporting", *CRIMINALITY_COLUMNS, *LEVEL_COLUMNS]


def agency_state_rows(by_agency: pd.DataFrame) -> pd.DataFrame:
    """Statistics by agency summed by state and fiscal year, over the agencies that reported a figure."""
    reported = by_agency[by_agency["removed"].notna()]
    keys = ["state", "fiscal_year", "source", "source_url", "source_file"]
    out = (
        reported.groupby(keys, sort=True)
        .agg(removed=("removed", "sum"), agencies_reporting=("agency_name", "nunique"))
        .reset_index()
    )
    return out.assign(source_kind=AGENCY_STATS)


def foia_state_rows(aggregate: pd.DataFrame, sources: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """FOIA aggregates by state and fiscal year, with the criminality and level counts where the release has them."""
    if aggregate.empty:
        columns = ["state", "fiscal_year", "removed", *CRIMINALITY_COLUMNS, *LEVEL_COLUMNS, "source", "source_url", "source_file"]
        return pd.DataFrame(columns=[*columns, "source_kind"])
    keys = ["source_file", "state", "fiscal_year"]
    out = aggregate.groupby(keys, sort=True)["removed"].sum().to_frame()
    for role, columns in (("criminality", CRIMINALITY_COLUMNS), ("threat_level", LEVEL_COLUMNS)):
        # A release without the column leaves its rows empty (unknown), not zero.
        known = aggregate[aggregate[role].notna()]
        if known.empty:
            for column in columns:
                out[column] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        wide = known.pivot_table(index=keys, columns=role, values="removed", aggfunc="sum", fill_value=0)
        for column in columns:
            values = wide[column] if column in wide.columns else pd.Series(0, index=wide.index)
            out[column] = values.reindex(out.index).astype("Int64")
    out = out.reset_index()
    out["source"] = out["source_file"].map(
        lambda f: sources.get(f, (f"ICE enforcement records released under FOIA ({f})", ""))[0]
    )
    out["source_url"] = out["source_file"].map(lambda f: sources.get(f, ("", ""))[1])
    return out.assign(source_kind=FOIA)


def chosen_rows(by_state: pd.DataFrame) -> pd.Series:
    """True on the one row per state and fiscal year whose share is shown (SHARE_PRECEDENCE)."""
    rank = by_state["source_kind"].map({kind: i for i, kind in enumerate(SHARE_PRECEDENCE)})
    release_total = by_state.groupby(["source_file", "fiscal_year"])["removed"].transform("sum")
    order = pd.DataFrame(
        {"state": by_state["state"], "fiscal_year": by_state["fiscal_year"], "rank": rank,
         "completeness": -release_total.astype("int64"), "source_file": by_state["source_file"]}
    ).sort_values(["state", "fiscal_year", "rank", "completeness", "source_file"], kind="stable")  # fmt: skip
    first = ~order.duplicated(["state", "fiscal_year"])
    return first.reindex(by_state.index)


def national_columns(national: pd.DataFrame) -> pd.DataFrame:
    """The national totals with the names the removal tables give them."""
    return national[["fiscal_year", "national_removed", "national_source", "national_source_url"]]


def with_national(by_state: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """Adds each year's national total, the share of it removed through 287(g) in the state, and the row shown."""
    if by_state.empty:  # no removal source imported yet (a fresh archive, or the sample)
        return pd.DataFrame({column: pd.Series(dtype=object) for column in STATE_COLUMNS})
    if "source_kind" not in by_state.columns:  # rows from elsewhere than the two builders above
        by_state = by_state.assign(source_kind=FOIA)
    merged = by_state.reset_index(drop=True).merge(national_columns(national), on="fiscal_year", how="left")
    merged["national_removed"] = merged["national_removed"].astype("Int64")
    merged["share"] = merged["removed"].astype("Float64") / merged["national_removed"].astype("Float64")
    merged["share_chosen"] = chosen_rows(merged).astype(bool)
    for column in [c for c in STATE_COLUMNS if c not in merged.columns]:
        merged[column] = pd.NA
    merged = merged[list(STATE_COLUMNS)]
    for column in COUNT_COLUMNS:
        merged[column] = merged[column].astype("Int64")
    return merged.sort_values(["source_file", "state", "fiscal_year"], kind="stable").reset_index(drop=True)


def by_year_rows(by_agency: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """The whole country's 287(g) removals per fiscal year (statistics by agency) beside all ICE removals.

    The national share is computed here only; the site reads it from removals_by_year.parquet.
    """
    reported = by_agency[by_agency["removed"].notna()]
    if reported.empty:
        return pd.DataFrame({column: pd.Series(dtype=object) for column in BY_YEAR.names})
    # Two agencies of one name in two states ("Washington County Sheriff") are two agencies.
    reported = reported.assign(agency=reported["agency_name"] + "\x1f" + reported["state"])
    # One statistics file is in force and each year cites one document, so `first` is that year's only value.
    per_year = (
        reported.sort_values(["fiscal_year", "source_row"], kind="stable")
        .groupby("fiscal_year", sort=True)
        .agg(removed=("removed", "sum"), agencies_reporting=("agency", "nunique"),
             source=("source", "first"), source_url=("source_url", "first"), source_file=("source_file", "first"))
        .reset_index()
    )  # fmt: skip
    merged = per_year.merge(national_columns(national), on="fiscal_year", how="left")
    merged["removed"] = merged["removed"].astype("Int64")
    merged["national_removed"] = merged["national_removed"].astype("Int64")
    merged["share"] = merged["removed"].astype("Float64") / merged["national_removed"].astype("Float64")
    return merged[BY_YEAR.names]
