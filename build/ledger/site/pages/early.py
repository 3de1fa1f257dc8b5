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
from .common import Output, Site


def read_early(build: Path) -> pd.DataFrame:
    """early_agencies.parquet as the removals stage saved it."""
    return read_table(Path(build), EARLY_AGENCIES)


def era_context(early: pd.Series | None, removals: pd.DataFrame) -> dict | None:
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
        "removals": rows,
        "statistics_names": names,
        # One address per line of sources (removals.early); a source without an address stays plain text.
        "sources": [{"title": s, "url": urls[i] if i < len(urls) else ""} for i, s in enumerate(sources)],
    }


def early_by_agency(early: pd.DataFrame, removals: pd.DataFrame) -> dict[str, dict]:
    """agency_id -> the early-era context, for the archive's agencies that are also early agencies (agency.md.j2 includes it)."""
    linked = early[early["in_archive"].fillna(False).astype(bool)]
    return {row["agency_id"]: era_context(row, removals) for _, row in linked.iterrows()}


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
                era=era_context(row, site.inputs.removals_agency), archive_start=site.common["first"],
            ),
        )  # fmt: skip
        made += 1
    return made
