"""Makes every generated page of the site under a source tree: one function per page, called in order here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..messages import Messages
from ..tables import agreement_rows, change_rows, removals_per_year
from .agency import agency_pages
from .api import api_page
from .changes import changes_page, sample_banner
from .data import data_pages
from .early import early_pages
from .common import Figures, Output, Site, common_context, environment
from .ended import ended_page
from .home import home, states_index
from .methodology import methodology_page
from .oig import oig_page
from .removals import removals_page
from .state import state_pages


def prepare(inputs, figures: Figures, rows: pd.DataFrame, latest_p: pd.Series, latest_n: pd.Series | None, source: Path, t: Messages) -> Site:
    """The tables every page draws from; `figures` are the saved figure tables."""
    common = common_context(inputs.publications, latest_p, latest_n, t, archive_start=figures.national["archive_start"])
    env = environment(t, source)
    env.globals.update(common)
    return Site(
        t=t, env=env, inputs=inputs, shown=agreement_rows(inputs.agreements), figures=figures.states, national=figures.national,
        agency_figures=figures.agencies, list_changes=figures.lists, rows=rows, counties=figures.counties,
        series=figures.series, changes=change_rows(inputs.changes, inputs.publications),
        latest=latest_p, latest_pending=latest_n, common=common,
    )  # fmt: skip


def render_pages(site: Site, source: Path, feeds: list[dict] = ()) -> Output:
    """Write every generated page and chart file under `source`. Returns what was written and the SVGs to draw.

    One call per page kind, in order: a new page kind is one import and one line here.
    """
    out = Output(source)
    per_year = removals_per_year(site.inputs.removals_agency, site.inputs.national_removals)
    home(site, out)
    states_index(site, out)
    state_pages(site, out)
    agency_pages(site, out)
    early_pages(site, out, site.inputs.early_agencies)
    changes_page(site, out)
    ended_page(site, out)
    data_pages(site, out, list(feeds))
    methodology_page(site, out)
    removals_page(site, out, per_year)
    oig_page(site, out, per_year)
    api_page(site, out)
    sample_banner(site, out)
    return out
