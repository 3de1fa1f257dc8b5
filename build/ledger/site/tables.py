"""The tables the pages list, made from the build tables: agreements as shown, steps of the timelines, changes, counties, removals."""

from __future__ import annotations

import re

import pandas as pd

from ..common.models import SUPPORT_TYPES

TOP_AGENCIES = 25  # agencies the removals page ranks
# The order agreements are listed in on a page: what is in force first.
DISPLAY_ORDER = {"active": 0, "pending": 1, "missing": 2, "superseded": 3, "ended": 4, "signed": 5, "lapsed": 6}


class Records(list):
    """A table's rows as named tuples, made once, that a template lists as it lists a frame (`rows.itertuples()`).

    pandas' itertuples costs about 3 ms a call whatever the rows, and the agency pages call it
    thousands of times on slices of a few rows: slicing a list made once saves about 7 s a build.
    """

    def itertuples(self, index: bool = False):
        return iter(self)


def records_by(frame: pd.DataFrame, key: str) -> dict[str, Records]:
    """The frame's rows grouped by `key`, each group in the frame's order."""
    groups: dict[str, Records] = {}
    position = list(frame.columns).index(key)
    for row in frame.itertuples(index=False):
        groups.setdefault(row[position], Records()).append(row)
    return groups


def latest(publications: pd.DataFrame, list_kind: str) -> pd.Series | None:
    """The latest list of one kind, or None when there is none."""
    of_kind = publications[publications["list_kind"] == list_kind].sort_values("published_at")
    return of_kind.iloc[-1] if len(of_kind) else None


def active_series(agreements: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """Active agreements per participating list, by state and model: date, state, support_type, agreements.

    One point per day (the day's last list), and only the days where a count changed, since the
    chart draws steps: the same picture from a fraction of the points.
    """
    participating = publications[publications["list_kind"] == "participating"].sort_values("published_at")
    last_of_day = participating.groupby(participating["published_at"].dt.date)["publication_id"].last()
    wanted = pd.DataFrame({"publication_id": last_of_day.values, "date": pd.to_datetime(last_of_day.index)})
    listed = agreements[agreements["list_kind"] == "participating"][["state", "support_type", "publication_ids"]].explode("publication_ids")
    listed = listed.rename(columns={"publication_ids": "publication_id"}).merge(wanted, on="publication_id")
    counts = listed.groupby(["date", "state", "support_type"]).size().rename("agreements").reset_index()
    grid = pd.MultiIndex.from_product(
        [wanted["date"], sorted(agreements["state"].dropna().unique()), SUPPORT_TYPES], names=["date", "state", "support_type"]
    )
    out = counts.set_index(["date", "state", "support_type"]).reindex(grid, fill_value=0).reset_index()
    return out.merge(wanted, on="date")


def steps(series: pd.DataFrame) -> pd.DataFrame:
    """Keep the first and last date and each date where any model's count changed."""
    wide = series.pivot_table(index="date", columns="support_type", values="agreements", aggfunc="sum").sort_index()
    changed = wide.ne(wide.shift()).any(axis=1)
    changed.iloc[[0, -1]] = True
    kept = series[series["date"].isin(wide.index[changed])]
    # Steps are drawn from each point to the next; a closing point a day after the latest list
    # gives the latest list's counts a visible step of their own.
    closing = series[series["date"] == wide.index[-1]].assign(date=wide.index[-1] + pd.Timedelta(days=1))
    return pd.concat([kept, closing]).sort_values(["date", "support_type"])


def agreement_rows(agreements: pd.DataFrame) -> pd.DataFrame:
    """Agreements as listed on pages: participating ones, plus pending requests still pending."""
    pending = agreements["list_kind"] == "pending"
    shown = agreements[~pending | agreements["status"].isin(["pending", "missing"])].copy()
    shown["order"] = shown["status"].map(DISPLAY_ORDER).fillna(len(DISPLAY_ORDER))
    return shown.sort_values(["order", "agency_name", "support_type", "signed"], na_position="last")


def change_rows(changes: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """The change log, newest first, each change with the file of the list that showed it."""
    files = publications.set_index("publication_id")["file_names"].map(lambda names: list(names)[0])
    out = changes.sort_values(["published_at", "state", "agency_name"], ascending=[False, True, True]).copy()
    out["file_name"] = out["publication_id"].map(files)
    return out


def normalise_county(name: str) -> str:
    """A county's name without its kind or punctuation, so ICE's names and the atlas's can be compared."""
    text = re.sub(r"[^a-z ]", "", str(name).lower().replace("saint ", "st ").replace("st. ", "st "))
    text = re.sub(r"\b(county|parish|borough|census area|city and borough|municipality)\b", "", text)
    return " ".join(text.split())


def county_matches(agreements: pd.DataFrame, features: tuple[dict, ...], fips: str) -> tuple[dict[str, int], list[str]]:
    """Active agreements per county FIPS code for one state, and ICE's county names that match none."""
    lookup = {normalise_county(f["properties"]["name"]): f["id"] for f in features if str(f["id"]).startswith(fips)}
    counts: dict[str, int] = {}
    unmatched: set[str] = set()
    active = agreements[(agreements["list_kind"] == "participating") & (agreements["status"] == "active")]
    for county in active["county"].dropna():
        parts = [p for p in re.split(r",|/|&| and ", county) if p.strip()]
        for part in parts:
            county_fips = lookup.get(normalise_county(part))
            if county_fips:
                counts[county_fips] = counts.get(county_fips, 0) + 1
            else:
                unmatched.add(" ".join(part.split()))
    return counts, sorted(unmatched)


def removals_per_year(by_agency: pd.DataFrame | None, national: pd.DataFrame) -> pd.DataFrame:
    """287(g) removals per fiscal year (ICE's figures by agency) beside all ICE removals, with both sources."""
    if by_agency is None or by_agency.empty:
        return pd.DataFrame()
    known = by_agency[by_agency["removed"].notna()]
    per_year = known.groupby("fiscal_year").agg(
        removed=("removed", "sum"), agencies=("agency_name", "nunique"), source=("source", "first"), source_url=("source_url", "first")
    ).reset_index()
    national = national.rename(columns={"removals": "national_removed", "source": "national_source", "source_url": "national_source_url"})
    per_year = per_year.merge(national[["fiscal_year", "national_removed", "national_source", "national_source_url"]], on="fiscal_year", how="left")
    per_year["removed"] = per_year["removed"].astype(int)
    per_year["share"] = per_year["removed"] / per_year["national_removed"]
    per_year["share_text"] = per_year["share"].map(lambda v: "" if pd.isna(v) else f"{v:.1%}")
    return per_year


def top_agencies(by_agency: pd.DataFrame, count: int = TOP_AGENCIES) -> dict:
    """The agencies with the most removals, and how many agencies with figures are linked to no agreement."""
    known = by_agency[by_agency["removed"].notna()]
    totals = known.groupby(["agency_name", "state"], dropna=False).agg(
        removed=("removed", "sum"), identified=("identified", "sum"), agency_id=("agency_id", "first"),
        first=("fiscal_year", "min"), last=("fiscal_year", "max"),
    ).reset_index()  # fmt: skip
    totals["years"] = totals["first"].astype(int).astype(str) + "-" + totals["last"].astype(int).astype(str)
    unlinked = int(totals["agency_id"].isna().sum())
    return {"top": totals.sort_values("removed", ascending=False).head(count), "unlinked": unlinked}


def removals_for_state(by_agency: pd.DataFrame, usps: str) -> pd.DataFrame:
    """The state's reported removals by agency and fiscal year, as whole numbers."""
    mine = by_agency[(by_agency["state"] == usps) & by_agency["removed"].notna()]
    return mine.assign(fiscal_year=mine["fiscal_year"].astype(int), removed=mine["removed"].astype(int))


def removal_details(removals: pd.DataFrame | None, by_state: pd.DataFrame | None, usps: str) -> tuple[pd.DataFrame, dict, list]:
    """The state's removals as agency x fiscal year, its share of all ICE removals per year, and its sources.

    The share is the removals stage's (removals_by_state.share, the row it chose per year): the site never recomputes it.
    """
    if removals is None or removals.empty:
        return pd.DataFrame(), {}, []
    table = removals.pivot_table(index="agency_name", columns="fiscal_year", values="removed", aggfunc="sum")
    shares: dict = {}
    if by_state is not None and not by_state.empty:
        chosen = by_state["share_chosen"].fillna(False).astype(bool) if "share_chosen" in by_state else True
        mine = by_state[(by_state["state"] == usps) & by_state["share"].notna() & chosen]
        shares = {int(r.fiscal_year): f"{float(r.share):.2%}" for r in mine.itertuples()}
    sources = list(dict.fromkeys(zip(removals["source"], removals["source_url"].fillna(""))))
    return table, shares, sources
