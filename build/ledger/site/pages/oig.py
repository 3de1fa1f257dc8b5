"""Makes the Inspector General page's generated part (generated/oig.md): the 2010 findings beside this build's figures."""

from __future__ import annotations

import pandas as pd

from ..format import figure, num
from ..messages import Messages
from .common import Output, Site

LEVEL_COLUMNS = ["level_1", "level_2", "level_3"]  # removals_by_state's threat levels the OIG sampled


def oig_page(site: Site, out: Output, per_year: pd.DataFrame) -> None:
    context = oig_context(site.inputs.oig_findings, site.national, per_year, site.inputs.removals_state, site.t)
    out.page("generated/oig.md", site.render("oig.md.j2", **context))


def oig_context(findings: pd.DataFrame, national: pd.Series, per_year: pd.DataFrame, by_state: pd.DataFrame, t: Messages) -> dict:
    """The Inspector General's 2010 findings, each beside what this build's data shows."""
    cite = findings.set_index("figure_id")
    value = cite["value"].map(figure)

    def row(question: str, then: str, figure_id: str, now: str) -> dict:
        return {"question": t(question), "then": then, "then_source": cite.loc[figure_id, "report"], "then_url": cite.loc[figure_id, "source_url"], "now": now}

    level_count = int(by_state[LEVEL_COLUMNS].fillna(0).to_numpy().sum()) if not by_state.empty else 0
    foia = t("oig.now_levels_foia", count=num(level_count)) if level_count else t("oig.now_levels_none")
    removed_now = (
        t("oig.now_removals", total=num(per_year["removed"].sum()), first=int(per_year["fiscal_year"].min()), last=int(per_year["fiscal_year"].max()))
        if len(per_year) else t("removals.none")
    )  # fmt: skip
    rows = [
        row("oig.q_size", t("oig.then_size", agreements=value["active_agreements"], states=value["states_with_agreements"]), "active_agreements",
            t("oig.now_size", agreements=num(national["active"]), states=num(national["states_with"]), date=national["as_of_date"])),
        row("oig.q_levels", t("oig.then_levels", people=value["sample_people"], l1=value["sample_level_1"], l2=value["sample_level_2"], l3=value["sample_level_3"]),
            "sample_level_1", t("oig.now_levels", foia=foia)),
        row("oig.q_profiling", t("oig.then_profiling", total=value["recommendations"]), "recommendations_contested", t("oig.now_profiling")),
        row("oig.q_removals", t("oig.then_removals"), "sample_people", removed_now),
    ]  # fmt: skip
    return {"rows": rows, "findings": findings}
