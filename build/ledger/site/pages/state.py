"""Makes a page for every state, DC and territory (states/<xx>.md), with its charts and agreements.csv in states/<xx>/."""

from __future__ import annotations

import pandas as pd

from ...common.addresses import state_feed
from ...common.paths import NODE_MODULES
from .. import charts
from ..evidence import rows_for
from ..figures import latest_changes
from ..format import day, num
from ..tables import removal_details, removals_for_state, steps
from .common import ICE_PREFIX, Output, Site, dated, dropped_agreements, model_breakdown, status_text

STATE_CHANGES = 30  # changes a state page lists, newest first
COUNTY_MAP_HEIGHT = 360
# The page's Markdown is nearly all raw HTML; MkDocs adds about 13 KB of theme around it, and a
# state page must stay under 100 KB: over budget, the page leaves out its MOA column.
STATE_PAGE_BUDGET = 82 * 1024
LAYOUTS = [(True, True), (False, True), (False, False)]  # (MOA column, closed cells), fullest first
AGREEMENT_CSV_COLUMNS = [
    "agreement_id", "agency_id", "agency_name", "state", "county", "support_type", "signed", "status", "status_text",
    "first_listed", "last_listed", "first_absent", "moa_url",
]  # fmt: skip


def state_pages(site: Site, out: Output) -> None:
    """One page per row of the state figures, including states with no agreement."""
    county_features = charts.atlas(str(NODE_MODULES), "counties")
    for state in site.figures.itertuples(index=False):
        state_page(site, out, state, county_features)


def state_page(site: Site, out: Output, state, county_features: tuple[dict, ...]) -> None:
    t, latest_p, series = site.t, site.latest, site.series
    labels = site.common["labels"]
    folder = out.root / "states" / state.usps.lower()
    mine = site.shown[site.shown["state"] == state.usps]
    blocks = {}
    if state.ever:
        state_series = steps(series[series["state"] == state.usps])
        breakdown = model_breakdown(state, labels)
        blocks["timeline"] = out.chart(
            charts.timeline(state_series, labels, t), folder, "timeline",
            t("chart.timeline.desc", place=state.title, first=site.common["first"], last=day(latest_p["published_at"]), total=num(state.active), breakdown=breakdown),
            dated(state_series),
        )  # fmt: skip
    saved = site.counties[site.counties["usps"] == state.usps]
    counts = dict(zip(saved.loc[saved["fips"] != "", "fips"], saved.loc[saved["fips"] != "", "active"].astype(int)))
    unmatched = saved.loc[saved["fips"] == "", "county"].tolist()
    counties_here = [f for f in county_features if str(f["id"]).startswith(state.fips)]
    if counts and counties_here:
        features = [{**f, "properties": {"name": f["properties"]["name"], "value": counts.get(f["id"], 0)}} for f in counties_here]
        projection = "albersUsa" if state.kind != "territory" else "mercator"
        table = pd.DataFrame([{"fips": f["id"], "county": f["properties"]["name"], "active": counts.get(f["id"], 0)} for f in counties_here])
        blocks["counties"] = out.chart(
            charts.choropleth(features, t("chart.counties.title"), t("chart.map.legend"), projection, height=COUNTY_MAP_HEIGHT), folder, "counties",
            t("chart.counties.desc", place=state.title, date=day(latest_p["published_at"]), matched=len(counts)),
            table.sort_values(["active", "county"], ascending=[False, True]),
        )  # fmt: skip
    removals = removals_for_state(site.inputs.removals_agency, state.usps)
    removal_table, state_removals, removal_sources = removal_details(removals, site.inputs.removals_state, state.usps)
    if not removals.empty:
        by_agency = removals.groupby(["fiscal_year", "agency_name"], as_index=False)["removed"].sum()
        blocks["removals"] = out.chart(
            charts.removals_bars(by_agency, t), folder, "removals",
            t("chart.removals.desc", place=state.title, first=int(by_agency["fiscal_year"].min()), last=int(by_agency["fiscal_year"].max()), total=num(by_agency["removed"].sum())),
            by_agency,
        )  # fmt: skip
    latest_id = latest_p["publication_id"]
    in_latest = site.changes[(site.changes["state"] == state.usps) & (site.changes["publication_id"] == latest_id)]
    context = dict(
        state=state, agreements=mine, blocks=blocks, unmatched=unmatched, ice=f"../../{ICE_PREFIX}", rows_csv="rows.csv",
        counts=latest_changes(site.list_changes, latest_id, state.usps), dropped=dropped_agreements(site, in_latest),
        changes=site.changes[site.changes["state"] == state.usps].head(STATE_CHANGES), oig=site.inputs.oig[site.inputs.oig["state"] == state.usps],
        removal_table=removal_table, state_removals=state_removals, removal_sources=removal_sources,
        early=early_of(site.inputs.early_agencies, state.usps), feed=state_feed(state.usps) if state.ever else "",
    )  # fmt: skip
    # The fullest page that fits: closed cells with the MOA column, then without it, then open cells.
    for moa, closed in LAYOUTS:
        page = site.render("state.md.j2", **context, moa_column=moa, closed=closed)
        if len(page.encode()) <= STATE_PAGE_BUDGET:
            break
    out.page(f"states/{state.usps.lower()}.md", page)
    texts = [status_text(t, *v) for v in zip(mine["status"], mine["last_listed"], mine["first_absent"])]
    out.csv(folder / "agreements.csv", mine.assign(status_text=texts)[AGREEMENT_CSV_COLUMNS])
    out.csv(folder / "rows.csv", rows_for(site.rows, state.usps))


def early_of(early, usps: str):
    """The state's agencies known from before 2021 (early_agencies.parquet): each OIG name's page, and those with no page since 2021."""
    mine = early[early["state"] == usps]
    pages = dict(zip(mine["agency_name"], mine["agency_id"]))
    only = mine[~mine["in_archive"].fillna(False).astype(bool)].sort_values("agency_name")
    return {"pages": pages, "only": list(only.itertuples(index=False))}
