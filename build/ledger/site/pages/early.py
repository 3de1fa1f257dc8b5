"""Makes the pages of agencies known only before 2021 (agencies/<agency_id>.md) and the early-era section of the others.

The agencies come from the removals stage's early_agencies.parquet: the 2009 Inspector General
list and ICE's FY2006-2013 statistics, one row per agency. An agency that is also on ICE's
lists since 2021 keeps its one page, which includes `_early_era.md.j2` with `early_era(...)`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ...common.contracts import read_table
from ...removals.contract import EARLY_AGENCIES
from ..messages import Messages
from .common import Output, Site

BEFORE_2021 = "status.before 2021"  # the label of the agency status `before 2021` (history.rules.EARLY_AGENCY_STATUS)
# The report's own words for a model and a status, and the catalog's label for each.
OIG_MODELS = {"Task Force": "early.oig_model.task_force", "Jail Enforcement": "early.oig_model.jail", "Hybrid": "early.oig_model.hybrid"}
OIG_STATUSES = {"signed": "early.oig_status.signed", "pending": "early.oig_status.pending"}


def read_early(build: Path) -> pd.DataFrame:
    """early_agencies.parquet as the removals stage saved it."""
    return read_table(Path(build), EARLY_AGENCIES)


def label(t: Messages, keys: dict[str, str], value: object) -> str:
    """The catalog's label for a word of the report; a word the catalog lacks is shown as printed (several are joined by '; ')."""
    if not isinstance(value, str):
        return ""
    return "; ".join(t(keys[v]) if v in keys else v for v in value.split("; "))


def era_context(early: pd.Series | None, removals: pd.DataFrame, t: Messages) -> dict | None:
    """What `_early_era.md.j2` shows for one agency: its 2009 row, its removals by year and its sources; None when it has none."""
    if early is None:
        return None
    names = list(early["statistics_names"]) if early["statistics_names"] is not None else []
    rows = removals[removals["state"].eq(early["state"]) & removals["agency_name"].isin(names)].sort_values("fiscal_year")
    urls = list(early["source_urls"]) if early["source_urls"] is not None else []
    sources = early["sources"].splitlines() if isinstance(early["sources"], str) else []
    return {
        "agency": early,
        "oig": isinstance(early["oig_model"], str) or isinstance(early["oig_status"], str),
        "model": label(t, OIG_MODELS, early["oig_model"]),
        "status": label(t, OIG_STATUSES, early["oig_status"]),
        "removals": rows,
        "statistics_names": names,
        # One address per line of sources (removals.early); a source without an address stays plain text.
        "sources": [{"title": s, "url": urls[i] if i < len(urls) else ""} for i, s in enumerate(sources)],
    }


def early_by_agency(early: pd.DataFrame, removals: pd.DataFrame, t: Messages) -> dict[str, dict]:
    """agency_id -> the early-era context, for the archive's agencies that are also early agencies (agency.md.j2 includes it)."""
    linked = early[early["in_archive"].fillna(False).astype(bool)]
    return {row["agency_id"]: era_context(row, removals, t) for _, row in linked.iterrows()}


def early_pages(site: Site, out: Output, early: pd.DataFrame) -> int:
    """Write agencies/<agency_id>.md for every early agency not on ICE's lists since 2021; returns how many."""
    titles = site.figures.set_index("usps")["title"] if "usps" in site.figures.columns else pd.Series(dtype=str)
    listed = set(site.inputs.agencies["agency_id"])
    made = 0
    for _, row in early[~early["in_archive"].fillna(False).astype(bool)].iterrows():
        if row["agency_id"] in listed:
            continue  # never over an archive agency's page (the removals stage fails such a clash too)
        out.page(
            f"agencies/{row['agency_id']}.md",
            site.render(
                "early_agency.md.j2", agency=row, state_title=titles.get(row["state"], row["state"]),
                era=era_context(row, site.inputs.removals_agency, site.t),
                status_label=site.t(BEFORE_2021),
            ),
        )  # fmt: skip
        made += 1
    return made
