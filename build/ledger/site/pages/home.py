"""Makes the home page (generated/home.md: map, timeline, ranking, latest changes) and the states index."""

from __future__ import annotations

from ...common.paths import NODE_MODULES
from .. import charts
from ..evidence import rows_for
from ..figures import latest_changes
from ..format import day, num
from ..tables import steps
from .common import ICE_PREFIX, Output, Site, dated, dropped_agreements, model_breakdown

RECENT_CHANGES = 25  # changes the home page lists; the changes page has the rest
TOP_STATES = 3  # states the map's description names
ROWS_CSV = "national/rows.csv"  # the latest lists' accepted rows: what the home page's figures count


def home(site: Site, out: Output) -> None:
    t, latest_p, figures, national = site.t, site.latest, site.figures, site.national
    labels = site.common["labels"]
    folder = out.root / "national"
    total = site.series.groupby(["date", "support_type"])["agreements"].sum().reset_index()
    total_steps = steps(total.assign(state="US"))
    breakdown = model_breakdown(national, labels)
    timeline = out.chart(
        charts.timeline(total_steps, labels, t), folder, "timeline",
        t("chart.timeline.desc", place=t("place.national"), first=site.common["first"], last=day(latest_p["published_at"]), total=num(national["active"]), breakdown=breakdown),
        dated(total_steps), "national/",
    )  # fmt: skip
    by_fips = figures.set_index("fips")["active"]
    map_features = [
        {**f, "properties": {"name": f["properties"]["name"], "value": int(by_fips.get(f["id"], 0))}} for f in charts.atlas(str(NODE_MODULES), "states")
    ]
    ranked = figures.sort_values(["active", "title"], ascending=[False, True])
    top = ", ".join(f"{r.title} ({num(r.active)})" for r in ranked.head(TOP_STATES).itertuples() if r.active)
    us_map = out.chart(
        charts.choropleth(map_features, t("chart.map.title"), t("chart.map.legend"), "albersUsa"), folder, "map",
        t("chart.map.desc", date=day(latest_p["published_at"]), top=top or "-"),
        ranked[["usps", "title", "active", "agencies", "pending"]], "national/",
    )  # fmt: skip
    monthly = total.assign(month=total["date"].dt.to_period("M")).sort_values("date").groupby(["month", "support_type"])["agreements"].last().unstack(fill_value=0)
    counts = latest_changes(site.list_changes, latest_p["publication_id"])
    out.csv(out.root / ROWS_CSV, rows_for(site.rows))
    last_list = site.changes[site.changes["publication_id"] == latest_p["publication_id"]]
    out.page(
        "generated/home.md",
        site.render(
            "home.md.j2", national=national, figures=figures, ranked=ranked, timeline=timeline, us_map=us_map, monthly=monthly,
            active=int(national["active"]), agencies=int(national["agencies"]), states_with=int(national["states_with"]),
            pending=int(national["pending"]), counts=counts, previous=counts["previous_published_at"],
            dropped=dropped_agreements(site, last_list), rows_csv=ROWS_CSV, ice=ICE_PREFIX, changes_total=int(national["participating_changes"]),
            recent=site.changes[site.changes["list_kind"] == "participating"].head(RECENT_CHANGES),
        ),
    )  # fmt: skip


def states_index(site: Site, out: Output) -> None:
    out.page("states/index.md", site.render("states_index.md.j2", ranked=site.figures.sort_values("title")))
