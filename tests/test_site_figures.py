"""Every figure the home page and three state pages show, recomputed here from the saved tables alone.

The recount is written from the tables' plain meanings (active = on the latest list of its kind,
missing = listed before and not on it, not ended), not with the site's own functions, and compared
with what the generated Markdown says: on the sample archive, and on the real shared archive
(Florida, Maryland and Texas; marked `archive`, skipped when the archive is absent).
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import pandas as pd
import pytest

from ledger import cli
from ledger import site as render


T = render.Messages("en")
FIGURE = re.compile(r"<div(?: class=\"[^\"]*\")?><dt>(.*?)</dt><dd>(.*?)</dd></div>")


def shown_figures(page: str) -> dict[str, str]:
    """The page's figure block: label -> value, as printed."""
    return {html.unescape(label): html.unescape(value) for label, value in FIGURE.findall(page)}


def n(value: int) -> str:
    return f"{int(value):,}"


class Recount:
    """The figures of one build, counted again from agreements, changes and publications."""

    def __init__(self, build: Path):
        self.pubs = pd.read_parquet(build / "publications.parquet").sort_values("published_at")
        self.agreements = pd.read_parquet(build / "agreements.parquet")
        self.changes = pd.read_parquet(build / "changes.parquet")
        self.latest = {kind: group.iloc[-1] for kind, group in self.pubs.groupby("list_kind")}
        on_latest = [self.latest[k]["publication_id"] in set(ids) if k in self.latest else False for k, ids in zip(self.agreements["list_kind"], self.agreements["publication_ids"])]
        self.agreements["on_latest"] = on_latest

    def figures(self, state: str | None = None) -> dict[str, str]:
        mine = self.agreements if state is None else self.agreements[self.agreements["state"] == state]
        participating = mine[mine["list_kind"] == "participating"]
        active = participating[participating["on_latest"]]
        # Listed before, not on the latest list, and neither ended nor replaced: missing.
        missing = participating[~participating["on_latest"] & ~participating["status"].isin(["ended", "superseded"])]
        pending = mine[(mine["list_kind"] == "pending") & mine["on_latest"]]
        latest = self.latest["participating"]
        changes = self.changes[self.changes["publication_id"] == latest["publication_id"]]
        if state is not None:
            changes = changes[changes["state"] == state]
        earlier = self.pubs[(self.pubs["list_kind"] == "participating") & (self.pubs["published_at"] < latest["published_at"])]
        counts = changes["change"].value_counts()
        summary = [f"{n(counts.get('added', 0) + counts.get('moved from pending to signed', 0))} added", f"{n(counts.get('dropped', 0))} dropped"]
        summary += [f"{n(counts[c])} {T(f'summary.{c}').split('} ')[1]}" for c in ["ended", "back", "renamed", "lapsed"] if counts.get(c, 0)]
        out = {
            T("figure.active"): n(len(active)),
            T("figure.agencies"): n(active["agency_id"].nunique()),
            T("figure.pending"): n(len(pending)),
            T("figure.change", previous=earlier["published_at"].max().strftime("%Y-%m-%d")): ", ".join(summary),
        }
        if len(missing):
            out[T("figure.missing")] = n(len(missing))
        if state is None:
            out[T("figure.states")] = n(active["state"].nunique())
        return out

    def dropped(self, state: str | None = None) -> list[str]:
        changes = self.changes[(self.changes["publication_id"] == self.latest["participating"]["publication_id"]) & (self.changes["change"] == "dropped")]
        return sorted(changes["agreement_id"] if state is None else changes[changes["state"] == state]["agreement_id"])


def check_page(data: Path, site_src: Path, site: Path, state: str | None) -> None:
    recount = Recount(data / "build")
    page = (site_src / ("generated/home.md" if state is None else f"states/{state.lower()}.md")).read_text(encoding="utf-8")
    assert shown_figures(page) == recount.figures(state)
    # The chart's description: the same total, and by model.
    mine = recount.agreements if state is None else recount.agreements[recount.agreements["state"] == state]
    active = mine[(mine["list_kind"] == "participating") & mine["on_latest"]]
    by_model = ", ".join(f"{T(f'model.{m}')} {n((active['support_type'] == m).sum())}" for m in ["Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"])
    if len(active):
        assert f": {n(len(active))} at the latest list ({by_model})." in html.unescape(page)
    if state is not None:
        assert T("state.all_agreements", name=re.search(r"# 287\\\(g\\\) in (.*)", page).group(1), count=n((mine["list_kind"] == "participating").sum())) in html.unescape(page)
    # How many changes there are in all, below the latest ones.
    if state is None:
        participating = recount.changes[recount.changes["list_kind"] == "participating"]
        assert T("home.changes_shown", shown=n(min(25, len(participating))), total=n(len(participating))) in html.unescape(page)
    else:
        total = (recount.changes["state"] == state).sum()
        assert total <= 30 or T("state.changes_shown", shown="30", total=n(total), name=re.search(r"# 287\\\(g\\\) in (.*)", page).group(1)) in html.unescape(page)
    # Each dropped agreement is listed, linked to its agency.
    for agreement_id in recount.dropped(state):
        agency = recount.agreements.set_index("agreement_id").loc[agreement_id, "agency_id"]
        assert f"agencies/{agency}/" in page
    # Its sources: the latest lists' workbooks, published under their sha256, and the rows it counts.
    prefix = "" if state is None else "../../"
    for kind in ("participating", "pending"):
        if kind not in recount.latest:
            continue
        sha = str(list(recount.latest[kind]["sha256s"])[0])
        assert f'href="{prefix}data/ice/{sha}.xlsx"' in page
        assert hashlib.sha256((site / "data" / "ice" / f"{sha}.xlsx").read_bytes()).hexdigest() == sha
    rows = pd.read_csv(site_src / ("national" if state is None else f"states/{state.lower()}") / "rows.csv", dtype=str, keep_default_na=False)
    counted = rows[rows["list_kind"] == "participating"]
    assert set(counted["agreement_id"]) == set(active["agreement_id"]) and (counted["agreement_id"] != "").all()
    assert set(rows["publication_id"]) <= {p["publication_id"] for p in recount.latest.values()}
    # The saved figure tables say what the page says.
    saved = pd.read_parquet(data / "build" / ("national_figures.parquet" if state is None else "state_figures.parquet"))
    row = saved.iloc[0] if state is None else saved.set_index("usps").loc[state]
    assert n(row["active"]) == recount.figures(state)[T("figure.active")]


def test_the_sample_pages_figures_are_recounted_from_the_saved_tables(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    data, site = root / "data", root / "site"
    assert cli.main(["--data-dir", str(data), "sample"]) == 0
    assert cli.main(["--data-dir", str(data), "--site-dir", str(site), "build"]) == 0
    for state in (None, "FL", "TX"):
        check_page(data, data / "build" / "site_src", site, state)
    manifest = pd.read_csv(site / "data" / "ice" / "manifest.csv", dtype=str)
    assert sorted(p.stem for p in (site / "data" / "ice").glob("*.xlsx")) == sorted(manifest["sha256"])


@pytest.mark.archive
@pytest.mark.parametrize("state", [None, "FL", "MD", "TX"], ids=["home", "FL", "MD", "TX"])
def test_the_real_pages_figures_are_recounted_from_the_saved_tables(real_build, state):
    data, site = real_build
    check_page(data, data / "build" / "site_src", site, state)
