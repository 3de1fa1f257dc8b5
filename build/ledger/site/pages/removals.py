"""Makes the removals page's generated part (generated/removals.md) and its national chart (national/removals.*)."""

from __future__ import annotations

import pandas as pd

from .. import charts
from ..format import num
from ..tables import top_agencies
from .common import Output, Site

PER_YEAR_COLUMNS = ["fiscal_year", "removed", "agencies", "national_removed", "share"]


def removals_page(site: Site, out: Output, per_year: pd.DataFrame) -> None:
    t = site.t
    context: dict = {"per_year": per_year, "top": None, "unlinked": 0, "per_year_chart": None}
    if len(per_year):
        peak = per_year.sort_values("removed").iloc[-1]
        context["per_year_chart"] = out.chart(
            charts.yearly_bars(per_year, t("chart.removals_national.title"), t("chart.removals.x"), t("chart.removals.y")),
            out.root / "national", "removals",
            t("chart.removals_national.desc", first=int(per_year["fiscal_year"].min()), last=int(per_year["fiscal_year"].max()),
              total=num(per_year["removed"].sum()), peak_year=int(peak["fiscal_year"]), peak=num(peak["removed"]), peak_share=peak["share_text"]),
            per_year[PER_YEAR_COLUMNS], "../national/",
        )  # fmt: skip
        context.update(top_agencies(site.inputs.removals_agency))
    out.page("generated/removals.md", site.render("removals.md.j2", **context))
