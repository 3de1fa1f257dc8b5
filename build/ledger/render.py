"""Makes the site's Markdown pages and chart files in git-ignored folders of site_src/, then the site with MkDocs.

Writes site_src/generated/ (home, states index, changes, methodology includes), site_src/states/<xx>.md
and site_src/states/<xx>/ (chart specs, SVGs, CSVs), site_src/agencies/<agency_id>.md,
site_src/national/ (home charts) and site_src/assets/vendor/ (vega, served by the site itself);
then runs `mkdocs build --strict` into site/. Every number on a page comes from a build table
passed to a template; templates hold words from the message catalog and no figure.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from . import charts, checks
from .common.errors import LedgerError

REPO = Path(__file__).resolve().parents[2]
SITE_SRC = REPO / "site_src"
NODE_MODULES = REPO / "node_modules"
GENERATED_DIRS = ["generated", "states", "agencies", "national", "assets/vendor"]
VENDOR_FILES = {
    "vega.min.js": "vega/build/vega.min.js",
    "vega-lite.min.js": "vega-lite/build/vega-lite.min.js",
    "vega-embed.min.js": "vega-embed/build/vega-embed.min.js",
}
RECENT_CHANGES = 25
# Changes that put a new agreement on the participating list (a renewal replaces one, so it is not counted).
NEW_AGREEMENT_CHANGES = ["added", "moved from pending to signed"]
STATE_CHANGES = 30
# The page's Markdown is nearly all raw HTML; MkDocs adds about 13 KB of theme around it, and a
# state page must stay under 100 KB.
STATE_PAGE_BUDGET = 82 * 1024
AGREEMENT_CSV_COLUMNS = [
    "agreement_id", "agency_id", "agency", "state", "county", "support_type", "signed", "status",
    "first_listed", "last_listed", "first_absent", "moa_url",
]  # fmt: skip


# ---------------------------------------------------------------- messages and escaping


class Messages:
    """The message catalog: every user-facing word of the generated pages and charts."""

    def __init__(self, language: str = "en"):
        with resources.files("ledger").joinpath(f"messages/{language}.json").open(encoding="utf-8") as fh:
            self.catalog: dict[str, str] = json.load(fh)
        self.language = language

    def __call__(self, key: str, **values) -> str:
        if key not in self.catalog:
            raise KeyError(f"message {key!r} is missing from the {self.language} catalog")
        return self.catalog[key].format(**values) if values else self.catalog[key]

    def get(self, key: str, default: str) -> str:
        return self.catalog.get(key, default)


MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def md(value: object) -> str:
    """Text safe inside Markdown: HTML escaped, Markdown punctuation backslashed (names can hold anything)."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = html.escape(" ".join(text.split()), quote=False)
    return MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("&amp;", "&amp;")


def h(value: object) -> str:
    """Text safe inside raw HTML."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    return html.escape(str(value), quote=True)


def num(value: object) -> str:
    """A count with thousands separators; empty for a figure not reported (never 0)."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{int(value):,}"


def day(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        return value[:10]
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def safe_url(value: object) -> str:
    """Only http(s) links leave the site; anything else in a cell is not made a link."""
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return html.escape(text, quote=True) if text.lower().startswith(("https://", "http://")) else ""


def environment(t: Messages, source: Path = SITE_SRC) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(source / "templates"),
        autoescape=False,  # Markdown, not HTML: every value goes through |md or |h explicitly
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md, h=h, num=num, day=day, url=safe_url)
    env.globals.update(t=t)
    return env


# ---------------------------------------------------------------- inputs


@dataclass
class Inputs:
    publications: pd.DataFrame
    agencies: pd.DataFrame
    agreements: pd.DataFrame
    changes: pd.DataFrame
    qa: pd.DataFrame
    rejected: pd.DataFrame
    tiers: pd.DataFrame
    oig: pd.DataFrame
    states: pd.DataFrame
    removals_agency: pd.DataFrame | None
    removals_state: pd.DataFrame | None


def load_inputs(data_dir: Path) -> Inputs:
    build = Path(data_dir) / "build"
    needed = ["publications.parquet", "agencies.parquet", "agreements.parquet", "changes.parquet"]
    for name in needed:
        if not (build / name).exists():
            raise LedgerError(build / name, "missing: run `ledger ingest` and `ledger history` first")
    with resources.files("ledger.common").joinpath("states.csv").open(encoding="utf-8") as fh:
        states = pd.DataFrame(list(csv.DictReader(fh)))
    states["title"] = states["name"].str.title().str.replace(" Of ", " of ").str.replace("U.S.", "U.S.", regex=False)
    oig_path = REPO / "data" / "published" / "oig_2009_agreements.csv"
    optional = lambda p: pd.read_parquet(p) if p.exists() else None  # noqa: E731
    return Inputs(
        publications=pd.read_parquet(build / "publications.parquet"),
        agencies=pd.read_parquet(build / "agencies.parquet"),
        agreements=pd.read_parquet(build / "agreements.parquet"),
        changes=pd.read_parquet(build / "changes.parquet"),
        # The data checks of this build; the site's own checks run after MkDocs, on the built site.
        qa=checks.run(data_dir, write=False, include_site=False),
        rejected=pd.read_csv(build / "rejected_rows.csv", dtype=str, keep_default_na=False),
        tiers=pd.read_csv(build / "identity_tiers.csv") if (build / "identity_tiers.csv").exists() else pd.DataFrame(),
        oig=pd.read_csv(oig_path, dtype=str, keep_default_na=False) if oig_path.exists() else pd.DataFrame(),
        states=states,
        removals_agency=optional(build / "removals_by_agency.parquet"),
        removals_state=optional(build / "removals_by_state.parquet"),
    )


# ---------------------------------------------------------------- process: tables for pages


def latest(publications: pd.DataFrame, kind: str) -> pd.Series | None:
    of_kind = publications[publications["kind"] == kind].sort_values("published_at")
    return of_kind.iloc[-1] if len(of_kind) else None


def active_series(agreements: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """Active agreements per participating list, by state and model: date, state, support_type, agreements.

    One point per day (the day's last list), and only the days where a count changed, since the
    chart draws steps: the same picture from a fraction of the points.
    """
    participating = publications[publications["kind"] == "participating"].sort_values("published_at")
    last_of_day = participating.groupby(participating["published_at"].dt.date)["publication_id"].last()
    wanted = pd.DataFrame({"publication_id": last_of_day.values, "date": pd.to_datetime(last_of_day.index)})
    listed = agreements[agreements["kind"] == "participating"][["state", "support_type", "publication_ids"]].explode("publication_ids")
    listed = listed.rename(columns={"publication_ids": "publication_id"}).merge(wanted, on="publication_id")
    counts = listed.groupby(["date", "state", "support_type"]).size().rename("agreements").reset_index()
    grid = pd.MultiIndex.from_product(
        [wanted["date"], sorted(agreements["state"].dropna().unique()), charts.MODEL_ORDER], names=["date", "state", "support_type"]
    )
    return counts.set_index(["date", "state", "support_type"]).reindex(grid, fill_value=0).reset_index()


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


def on_latest(agreements: pd.DataFrame, publication_id: str) -> pd.Series:
    return agreements["publication_ids"].map(lambda ids: publication_id in set(ids))


def with_display_status(agreements: pd.DataFrame, latest_participating: str, latest_pending: str | None) -> pd.DataFrame:
    """The status a reader sees: `active` only for agreements on ICE's latest list.

    An agreement absent from the latest list but not yet counted as ended (see the methodology's
    rule on gaps) is shown as missing from the latest list rather than as active, so the pages'
    counts always equal the rows of the latest list.
    """
    out = agreements.copy()
    latest_id = out["kind"].map({"participating": latest_participating, "pending": latest_pending})
    listed = [lid in set(ids) for lid, ids in zip(latest_id, out["publication_ids"])]
    out["on_latest"] = listed
    out["display_status"] = out["status"]
    out.loc[(out["status"].isin(["active", "pending"])) & ~out["on_latest"], "display_status"] = "absent_latest"
    return out


def agreement_rows(agreements: pd.DataFrame) -> pd.DataFrame:
    """Agreements as listed on pages: participating ones, plus pending requests still pending."""
    shown = agreements[(agreements["kind"] == "participating") | (agreements["display_status"] == "pending")].copy()
    order = {"active": 0, "pending": 1, "absent_latest": 2, "superseded": 3, "ended": 4}
    shown["order"] = shown["display_status"].map(order).fillna(5)
    return shown.sort_values(["order", "agency", "support_type", "signed"], na_position="last")


def state_figures(agreements: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Per state: active agreements, agencies with one, pending requests, agreements ever listed."""
    participating = agreements[agreements["kind"] == "participating"]
    active = participating[participating["display_status"] == "active"]
    pending = agreements[(agreements["kind"] == "pending") & (agreements["display_status"] == "pending")]
    figures = pd.DataFrame(
        {
            "active": active.groupby("state").size(),
            "agencies": active.groupby("state")["agency_id"].nunique(),
            "pending": pending.groupby("state").size(),
            "ever": participating.groupby("state").size(),
        }
    )
    out = states.set_index("usps").join(figures).fillna(0)
    for column in ["active", "agencies", "pending", "ever"]:
        out[column] = out[column].astype(int)
    return out.reset_index().rename(columns={"index": "usps"})


def change_rows(changes: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    files = publications.set_index("publication_id")["file_names"].map(lambda names: list(names)[0])
    out = changes.sort_values(["published_at", "state", "agency"], ascending=[False, True, True]).copy()
    out["file_name"] = out["publication_id"].map(files)
    return out


def normalise_county(name: str) -> str:
    text = re.sub(r"[^a-z ]", "", str(name).lower().replace("saint ", "st ").replace("st. ", "st "))
    text = re.sub(r"\b(county|parish|borough|census area|city and borough|municipality)\b", "", text)
    return " ".join(text.split())


def county_matches(agreements: pd.DataFrame, features: tuple[dict, ...], fips: str) -> tuple[dict[str, int], list[str]]:
    """Active agreements per county FIPS code for one state, and ICE's county names that match none."""
    lookup = {normalise_county(f["properties"]["name"]): f["id"] for f in features if str(f["id"]).startswith(fips)}
    counts: dict[str, int] = {}
    unmatched: set[str] = set()
    active = agreements[(agreements["kind"] == "participating") & (agreements["display_status"] == "active")]
    for county in active["county"].dropna():
        parts = [p for p in re.split(r",|/|&| and ", county) if p.strip()]
        for part in parts:
            code = lookup.get(normalise_county(part))
            if code:
                counts[code] = counts.get(code, 0) + 1
            else:
                unmatched.add(" ".join(part.split()))
    return counts, sorted(unmatched)


# ---------------------------------------------------------------- outputs


WRITTEN: set[Path] = set()


def write(path: Path, text: str) -> None:
    """Write only when the content changed, so MkDocs and the browser cache see stable files."""
    WRITTEN.add(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    write(path, frame.to_csv(index=False))


def chart_block(spec: dict, folder: Path, name: str, description: str, data: pd.DataFrame, t: Messages, jobs: list, prefix: str = "") -> dict:
    """Write a chart's spec and data beside its page; queue its SVG. Returns what the template needs.

    `prefix` is the folder's address relative to the page (the home page's charts live in national/).
    """
    spec_json = json.dumps(spec, separators=(",", ":"), sort_keys=True)
    write(folder / f"{name}.vl.json", spec_json)
    write_csv(folder / f"{name}.csv", data)
    jobs.append((spec_json, folder / f"{name}.svg"))
    return {"spec": f"{prefix}{name}.vl.json", "svg": f"{prefix}{name}.svg", "csv": f"{prefix}{name}.csv", "description": description, "id": name}


def copy_vendor(target: Path) -> None:
    """The chart runtime, from the npm packages, served by the site itself."""
    target.mkdir(parents=True, exist_ok=True)
    for name, source in VENDOR_FILES.items():
        path = NODE_MODULES / source
        if not path.exists():
            raise LedgerError(path, "missing: run `make setup` (npm ci) first")
        if not (target / name).exists() or (target / name).stat().st_size != path.stat().st_size:
            shutil.copyfile(path, target / name)
    interpreter = target / "vega-interpreter.min.js"
    if not interpreter.exists():
        # The interpreter lets vega-embed draw without eval (ast: true); it ships as an ES module only.
        entry = target / "interpreter-entry.mjs"
        entry.write_text("export { expressionInterpreter } from 'vega-interpreter';\n")
        subprocess.run(
            [str(NODE_MODULES / ".bin" / "esbuild"), str(entry), "--bundle", "--minify", "--format=iife",
             "--global-name=vegaInterpreter", f"--outfile={interpreter}", "--log-level=warning"],
            check=True, cwd=REPO, env={**os.environ, "NODE_PATH": str(NODE_MODULES)},
        )  # fmt: skip
        entry.unlink()


@dataclass
class RenderResult:
    pages: int
    charts: int
    svgs_drawn: int
    mkdocs_seconds: float


def render_pages(inputs: Inputs, out: Path, t: Messages) -> tuple[int, list]:
    """Write every generated page and chart file under `out` (site_src). Returns (pages, svg jobs)."""
    env = environment(t, out)
    jobs: list = []
    pubs = inputs.publications
    latest_p = latest(pubs, "participating")
    latest_n = latest(pubs, "pending")
    is_sample = bool(pubs["is_sample"].any())
    inputs.agreements = with_display_status(
        inputs.agreements, latest_p["publication_id"], latest_n["publication_id"] if latest_n is not None else None
    )
    shown = agreement_rows(inputs.agreements)
    figures = state_figures(inputs.agreements, inputs.states)
    series = active_series(inputs.agreements, pubs)
    changes = change_rows(inputs.changes, pubs)
    labels = {m: t(f"model.{m}") for m in charts.MODEL_ORDER}
    agency_names = inputs.agencies.set_index("agency_id")["name"]
    first_date, last_date = day(pubs["published_at"].min()), day(pubs["published_at"].max())
    earlier = pubs[(pubs["kind"] == "participating") & (pubs["published_at"] < latest_p["published_at"])]
    previous_date = day(earlier["published_at"].max()) if len(earlier) else ""
    last_changes = changes[changes["publication_id"] == latest_p["publication_id"]]
    common = {
        "is_sample": is_sample,
        "first": first_date,
        "last": last_date,
        "latest": latest_p,
        "latest_pending": latest_n,
        "latest_file": list(latest_p["file_names"])[0],
        "lists": len(pubs),
        "labels": labels,
        "status": lambda s: t.get(f"status.{s}", s),
        "change_label": lambda c: t.get(f"change.{c}", c),
    }
    pages = 0

    # National: map, timeline, ranking, latest changes.
    national = out / "national"
    total = series.groupby(["date", "support_type"])["agreements"].sum().reset_index()
    total_steps = steps(total.assign(state="US"))
    active_now = figures["active"].sum()
    breakdown = ", ".join(f"{labels[m]} {num(total[(total['date'] == total['date'].max()) & (total['support_type'] == m)]['agreements'].sum())}" for m in charts.MODEL_ORDER)
    timeline = chart_block(
        charts.timeline(total_steps, labels, t), national, "timeline",
        t("chart.timeline.desc", place=t("place.national"), first=first_date, last=day(latest_p["published_at"]), total=num(active_now), breakdown=breakdown),
        total_steps.assign(date=total_steps["date"].dt.strftime("%Y-%m-%d"))[["date", "support_type", "agreements"]], t, jobs, "national/",
    )  # fmt: skip
    state_features = charts.atlas(str(NODE_MODULES), "states")
    by_fips = figures.set_index("fips")
    map_features = []
    for feature in state_features:
        row = by_fips.loc[feature["id"]] if feature["id"] in by_fips.index else None
        value = int(row["active"]) if row is not None else 0
        map_features.append({**feature, "properties": {"name": feature["properties"]["name"], "value": value}})
    ranked = figures.sort_values(["active", "title"], ascending=[False, True])
    top = ", ".join(f"{r.title} ({num(r.active)})" for r in ranked.head(3).itertuples() if r.active)
    us_map = chart_block(
        charts.choropleth(map_features, t("chart.map.title"), t("chart.map.legend"), "albersUsa"), national, "map",
        t("chart.map.desc", date=day(latest_p["published_at"]), top=top or "-"),
        ranked[["usps", "title", "active", "agencies", "pending"]], t, jobs, "national/",
    )  # fmt: skip
    monthly = total.assign(month=total["date"].dt.to_period("M")).sort_values("date").groupby(["month", "support_type"])["agreements"].last().unstack(fill_value=0)
    write(
        out / "generated" / "home.md",
        env.get_template("home.md.j2").render(
            **common, figures=figures, ranked=ranked, timeline=timeline, us_map=us_map, monthly=monthly,
            active=active_now, agencies=int(figures["agencies"].sum()), states_with=int((figures["active"] > 0).sum()),
            pending=int(figures["pending"].sum()), added=int(last_changes["change"].isin(NEW_AGREEMENT_CHANGES).sum()),
            ended=int((last_changes["change"] == "ended").sum()), previous=previous_date,
            recent=changes[changes["kind"] == "participating"].head(RECENT_CHANGES), agency_names=agency_names,
        ),
    )  # fmt: skip
    write(out / "states" / "index.md", env.get_template("states_index.md.j2").render(**common, ranked=figures.sort_values("title")))
    pages += 2

    # A page for every state, DC and territory, including those with no agreement.
    county_features = charts.atlas(str(NODE_MODULES), "counties")
    for state in figures.itertuples(index=False):
        folder = out / "states" / state.usps.lower()
        mine = shown[shown["state"] == state.usps]
        state_series = steps(series[series["state"] == state.usps]) if state.ever else None
        blocks = {}
        if state_series is not None:
            latest_counts = series[(series["state"] == state.usps) & (series["date"] == series["date"].max())]
            breakdown = ", ".join(f"{labels[r.support_type]} {num(r.agreements)}" for r in latest_counts.itertuples())
            blocks["timeline"] = chart_block(
                charts.timeline(state_series, labels, t), folder, "timeline",
                t("chart.timeline.desc", place=state.title, first=first_date, last=day(latest_p["published_at"]), total=num(state.active), breakdown=breakdown),
                state_series.assign(date=state_series["date"].dt.strftime("%Y-%m-%d"))[["date", "support_type", "agreements"]], t, jobs,
            )  # fmt: skip
        counts, unmatched = county_matches(mine, county_features, state.fips)
        counties_here = [f for f in county_features if str(f["id"]).startswith(state.fips)]
        if counts and counties_here:
            features = [{**f, "properties": {"name": f["properties"]["name"], "value": counts.get(f["id"], 0)}} for f in counties_here]
            projection = "albersUsa" if state.kind != "territory" else "mercator"
            table = pd.DataFrame([{"fips": f["id"], "county": f["properties"]["name"], "active": counts.get(f["id"], 0)} for f in counties_here])
            blocks["counties"] = chart_block(
                charts.choropleth(features, t("chart.counties.title"), t("chart.map.legend"), projection, height=360), folder, "counties",
                t("chart.counties.desc", place=state.title, date=day(latest_p["published_at"]), matched=len(counts)),
                table.sort_values(["active", "county"], ascending=[False, True]), t, jobs,
            )  # fmt: skip
        oig = inputs.oig[inputs.oig["state"] == state.usps] if not inputs.oig.empty else inputs.oig
        removals = removals_for_state(inputs, state.usps)
        removal_table, state_removals, removal_sources = removal_details(removals, inputs.removals_state, state.usps)
        if removals is not None and not removals.empty:
            by_agency = removals.groupby(["fiscal_year", "agency"], as_index=False)["removed"].sum()
            blocks["removals"] = chart_block(
                charts.removals_bars(by_agency, t), folder, "removals",
                t("chart.removals.desc", place=state.title, first=int(by_agency["fiscal_year"].min()), last=int(by_agency["fiscal_year"].max()), total=num(by_agency["removed"].sum())),
                by_agency, t, jobs,
            )  # fmt: skip
        context = dict(
            **common, state=state, agreements=mine, blocks=blocks, unmatched=unmatched,
            changes=changes[(changes["state"] == state.usps)].head(STATE_CHANGES), oig=oig, removals=removals,
            removal_table=removal_table, state_removals=state_removals, removal_sources=removal_sources,
        )  # fmt: skip
        page = env.get_template("state.md.j2").render(**context, moa_column=True)
        if len(page.encode()) > STATE_PAGE_BUDGET:
            page = env.get_template("state.md.j2").render(**context, moa_column=False)
        write(out / "states" / f"{state.usps.lower()}.md", page)
        write_csv(folder / "agreements.csv", mine[AGREEMENT_CSV_COLUMNS].assign(status=mine["display_status"]))
        pages += 1

    # A page for every agency ever listed, out of the navigation.
    by_agency = {key: group for key, group in agreement_rows(inputs.agreements).groupby("agency_id", sort=False)}
    changes_by_agency = {key: group for key, group in changes.groupby("agency_id")}
    removals_by_agency = (
        {key: g for key, g in inputs.removals_agency.groupby("agency_id")} if inputs.removals_agency is not None and "agency_id" in inputs.removals_agency else {}
    )
    titles = figures.set_index("usps")["title"]
    template = env.get_template("agency.md.j2")
    for agency in inputs.agencies.itertuples(index=False):
        rows = by_agency.get(agency.agency_id, shown.iloc[0:0])
        write(
            out / "agencies" / f"{agency.agency_id}.md",
            template.render(
                **common, agency=agency, state_title=titles.get(agency.state, agency.state), agreements=rows,
                changes=changes_by_agency.get(agency.agency_id, changes.iloc[0:0]), removals=removals_by_agency.get(agency.agency_id),
                spellings=list(agency.spellings),
            ),
        )  # fmt: skip
        pages += 1

    write(out / "generated" / "changes.md", env.get_template("changes.md.j2").render(**common, changes=changes.head(500), total=len(changes), agency_names=agency_names))
    write(
        out / "generated" / "methodology.md",
        env.get_template("methodology.md.j2").render(
            **common, qa=inputs.qa, rejected=inputs.rejected, tiers=inputs.tiers, pubs=pubs,
            participating=int((pubs["kind"] == "participating").sum()), pending=int((pubs["kind"] == "pending").sum()),
            files=int(pubs["file_names"].map(len).sum()), sightings=int(pubs["sightings"].sum() - len(pubs)),
        ),
    )  # fmt: skip
    national_removals = read_published("national_removals.csv")
    per_year = removals_per_year(inputs.removals_agency, national_removals)
    removal_context: dict = {"per_year": per_year, "top": None, "unlinked": 0, "per_year_chart": None}
    if len(per_year):
        peak = per_year.sort_values("removed").iloc[-1]
        removal_context["per_year_chart"] = chart_block(
            charts.yearly_bars(per_year, t("chart.removals_national.title"), t("chart.removals.x"), t("chart.removals.y")),
            out / "national", "removals",
            t("chart.removals_national.desc", first=int(per_year["fiscal_year"].min()), last=int(per_year["fiscal_year"].max()),
              total=num(per_year["removed"].sum()), peak_year=int(peak["fiscal_year"]), peak=num(peak["removed"]), peak_share=peak["share_text"]),
            per_year[["fiscal_year", "removed", "agencies", "national_removed", "share"]], t, jobs, "../national/",
        )  # fmt: skip
        removal_context.update(top_agencies(inputs.removals_agency))
    write(out / "generated" / "removals.md", env.get_template("removals.md.j2").render(**common, **removal_context))
    write(out / "generated" / "oig.md", env.get_template("oig.md.j2").render(**common, **oig_context(read_published("oig_2010_findings.csv"), figures, per_year, inputs, t)))
    write(out / "generated" / "sample_banner.md", env.get_template("sample_banner.md.j2").render(**common))
    write(out / "generated" / "identity.md", identity_text(inputs))
    pages += 3
    return pages, jobs


def read_published(name: str) -> pd.DataFrame:
    path = REPO / "data" / "published" / name
    if not path.exists():
        raise LedgerError(path, "missing: the project's cited figures")
    return pd.read_csv(path, dtype={"source_url": str}, keep_default_na=False)


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


def top_agencies(by_agency: pd.DataFrame, count: int = 25) -> dict:
    known = by_agency[by_agency["removed"].notna()]
    totals = known.groupby(["agency_name", "state"], dropna=False).agg(
        removed=("removed", "sum"), identified=("identified", "sum"), agency_id=("agency_id", "first"),
        first=("fiscal_year", "min"), last=("fiscal_year", "max"),
    ).reset_index()  # fmt: skip
    totals["years"] = totals["first"].astype(int).astype(str) + "-" + totals["last"].astype(int).astype(str)
    unlinked = int(totals["agency_id"].isna().sum())
    return {"top": totals.sort_values("removed", ascending=False).head(count), "unlinked": unlinked}


def oig_context(findings: pd.DataFrame, figures: pd.DataFrame, per_year: pd.DataFrame, inputs: Inputs, t: Messages) -> dict:
    """The Inspector General's 2010 findings, each beside what this build's data shows."""
    value = findings.set_index("figure_id")["value"]
    cite = findings.set_index("figure_id")
    latest_p = latest(inputs.publications, "participating")

    def row(question: str, then: str, figure: str, now: str) -> dict:
        return {"question": t(question), "then": then, "then_source": cite.loc[figure, "report"], "then_url": cite.loc[figure, "source_url"], "now": now}

    levels = inputs.removals_state
    level_count = 0
    if levels is not None and not levels.empty and "level_1" in levels:
        level_count = int(levels[["level_1", "level_2", "level_3"]].fillna(0).to_numpy().sum())
    foia = t("oig.now_levels_foia", count=num(level_count)) if level_count else t("oig.now_levels_none")
    removed_now = (
        t("oig.now_removals", total=num(per_year["removed"].sum()), first=int(per_year["fiscal_year"].min()), last=int(per_year["fiscal_year"].max()))
        if len(per_year) else t("removals.none")
    )  # fmt: skip
    rows = [
        row("oig.q_size", t("oig.then_size", agreements=value["active_agreements"], states=value["states_with_agreements"]), "active_agreements",
            t("oig.now_size", agreements=num(figures["active"].sum()), states=num((figures["active"] > 0).sum()), date=day(latest_p["published_at"]))),
        row("oig.q_levels", t("oig.then_levels", people=value["sample_people"], l1=value["sample_level_1"], l2=value["sample_level_2"], l3=value["sample_level_3"]),
            "sample_level_1", t("oig.now_levels", foia=foia)),
        row("oig.q_profiling", t("oig.then_profiling", total=value["recommendations"]), "recommendations_contested", t("oig.now_profiling")),
        row("oig.q_removals", t("oig.then_removals"), "sample_people", removed_now),
    ]  # fmt: skip
    return {"rows": rows, "findings": findings}


def identity_text(inputs: Inputs) -> str:
    """The identity rules, with the tier counts of this build (the text lives beside the history stage)."""
    from . import history

    template = Path(history.__file__).parent / "templates" / "methodology_identity.md"
    if not template.exists():
        raise LedgerError(template, "missing: the methodology text of the identity rules")
    tiers = {row.tier: int(row.merges) for row in inputs.tiers.itertuples()} if not inputs.tiers.empty else {}
    context = {name: value for name, value in vars(history).items() if name.isupper()}
    context["tiers"] = tiers
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters.update(md=md, num=num)
    return env.from_string(template.read_text(encoding="utf-8")).render(**context)


def removal_details(removals: pd.DataFrame | None, by_state: pd.DataFrame | None, usps: str) -> tuple[pd.DataFrame, dict, list]:
    """The state's removals as agency x fiscal year, its share of all ICE removals per year, and its sources."""
    if removals is None or removals.empty:
        return pd.DataFrame(), {}, []
    table = removals.pivot_table(index="agency", columns="fiscal_year", values="removed", aggfunc="sum")
    shares: dict = {}
    if by_state is not None and not by_state.empty:
        mine = by_state[(by_state["state"] == usps) & by_state["share"].notna()]
        shares = {int(r.fiscal_year): f"{float(r.share):.2%}" for r in mine.itertuples()}
    sources = list(dict.fromkeys(zip(removals["source"], removals["source_url"].fillna(""))))
    return table, shares, sources


def removals_for_state(inputs: Inputs, usps: str) -> pd.DataFrame | None:
    frame = inputs.removals_agency
    if frame is None or "state" not in frame:
        return None
    mine = frame[(frame["state"] == usps) & frame["removed"].notna()]
    name_column = "agency_name" if "agency_name" in mine else "agency_id"
    return mine.assign(agency=mine[name_column], fiscal_year=mine["fiscal_year"].astype(int), removed=mine["removed"].astype(int))


def remove_stale(out: Path, written: set[Path]) -> None:
    """Remove generated pages of states or agencies no longer in the data, so the site never shows stale ones.

    Files are otherwise rewritten only when their content changed (see `write`)."""
    for name in ["states", "agencies"]:
        folder = out / name
        for path in folder.rglob("*.md") if folder.exists() else []:
            if path not in written:
                path.unlink()


def run_mkdocs(config: Path, site_dir: Path) -> float:
    started = dt.datetime.now()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(config), "--site-dir", str(site_dir)],
        capture_output=True, text=True, env=env, cwd=config.parent,
    )  # fmt: skip
    if result.returncode != 0:
        lines = [line for line in (result.stderr + result.stdout).splitlines() if line.strip() and "MkDocs 2" not in line]
        raise LedgerError(config, "mkdocs build --strict failed: " + " | ".join(lines[-5:]))
    return (dt.datetime.now() - started).total_seconds()


def private_source(work: Path) -> Path:
    """A copy of site_src's hand-written files and of mkdocs.yml under `work`, for builds (tests)
    that must not touch the working tree's generated pages."""
    import yaml

    source = work / "site_src"
    if source.exists():
        shutil.rmtree(source)
    ignored = shutil.ignore_patterns(*[Path(d).name for d in GENERATED_DIRS])
    shutil.copytree(SITE_SRC, source, ignore=ignored)
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    config["docs_dir"] = str(source)
    for extension in config["markdown_extensions"]:
        if isinstance(extension, dict) and "pymdownx.snippets" in extension:
            extension["pymdownx.snippets"]["base_path"] = [str(source)]
    (work / "mkdocs.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    return source


def run(data_dir: Path, site_dir: Path | None = None, mkdocs: bool = True, work_dir: Path | None = None) -> RenderResult:
    """Load the build tables, write pages and charts into site_src/ (or a copy under work_dir), then build the site."""
    t = Messages("en")
    inputs = load_inputs(data_dir)
    source = private_source(Path(work_dir)) if work_dir else SITE_SRC
    config = Path(work_dir) / "mkdocs.yml" if work_dir else REPO / "mkdocs.yml"
    WRITTEN.clear()
    copy_vendor(source / "assets" / "vendor")
    pages, jobs = render_pages(inputs, source, t)
    remove_stale(source, WRITTEN)
    drawn = charts.render_svgs(jobs, Path(data_dir) / "build" / "cache" / "svg")
    seconds = run_mkdocs(config, Path(site_dir or REPO / "site")) if mkdocs else 0.0
    return RenderResult(pages=pages, charts=len(jobs), svgs_drawn=drawn, mkdocs_seconds=seconds)
