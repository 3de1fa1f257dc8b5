"""Makes a page for every agency ever listed (agencies/<agency_id>.md), out of the navigation."""

from __future__ import annotations

from ..tables import Records, records_by
from .common import ICE_PREFIX, Output, Site
from .early import early_by_agency


def agency_pages(site: Site, out: Output) -> None:
    by_agency = records_by(site.shown, "agency_id")
    changes_by_agency = records_by(site.changes, "agency_id")
    figures = {row.agency_id: row for row in site.agency_figures.itertuples(index=False)}
    removals = site.inputs.removals_agency
    removals_by_agency = dict(tuple(removals.groupby("agency_id")))
    eras = early_by_agency(site.inputs.early_agencies, removals, site.t)
    titles = site.figures.set_index("usps")["title"]
    no_rows, no_changes = Records(), Records()
    for agency in site.inputs.agencies.itertuples(index=False):
        out.page(
            f"agencies/{agency.agency_id}.md",
            site.render(
                "agency.md.j2", agency=agency, figures=figures[agency.agency_id], ice=f"../../{ICE_PREFIX}", state_title=titles.get(agency.state, agency.state),
                agreements=by_agency.get(agency.agency_id, no_rows), changes=changes_by_agency.get(agency.agency_id, no_changes),
                removals=removals_by_agency.get(agency.agency_id), spellings=list(agency.spellings), era=eras.get(agency.agency_id),
            ),
        )  # fmt: skip
