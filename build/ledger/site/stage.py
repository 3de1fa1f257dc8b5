"""The render stage: reads the build tables, saves the site's figure tables, writes the pages under build/site_src and builds the site with MkDocs.

Every number on a page comes from a saved figure table passed to a template; templates hold
words from the message catalog and no figure.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..common.addresses import build_moment
from ..common.contracts import read_table, save_table
import pandas as pd

from ..common.paths import DEFAULT_SITE, NODE_MODULES
from ..downloads.contract import PRODUCTS as DOWNLOADS_TREE
from .api import API_FOLDER, write_api
from .charts import atlas
from .contract import ACTIVE_BY_DAY, AGENCY_FIGURES, COUNTY_FIGURES, LIST_CHANGES, NATIONAL_FIGURES, STATE_FIGURES
from .evidence import mapped_rows
from .feeds import FeedFile, write_feeds
from .figures import figure_tables, with_states
from .inputs import load_inputs, sheet_rows_of
from .messages import Messages
from .mkdocs import run_mkdocs
from .pages import Figures, prepare, render_pages
from .source import link_downloads, prepare_source, remove_stale
from .svgs import render_svgs
from .tables import latest
from .vendor import copy_vendor

FIGURE_TABLES = (NATIONAL_FIGURES, STATE_FIGURES, AGENCY_FIGURES, LIST_CHANGES, ACTIVE_BY_DAY, COUNTY_FIGURES)


@dataclass
class RenderResult:
    pages: int
    charts: int
    svgs_drawn: int
    mkdocs_seconds: float
    feeds: list[FeedFile]  # the Atom feeds written (path from the site's root, title, entries)
    feeds_seconds: float = 0.0  # what the feeds and the API take, so `make bench` can report what the downloads add
    api_seconds: float = 0.0


def run(data_dir: Path, site_dir: Path | None = None, mkdocs: bool = True, work_dir: Path | None = None) -> RenderResult:
    """Build the site of one data directory into site_dir (default: site/).

    The MkDocs source tree and its mkdocs.yml are made under <data-dir>/build (or under
    `work_dir` when given), never in the checkout.
    """
    build = Path(data_dir) / "build"
    t = Messages("en")
    inputs = load_inputs(data_dir)
    latest_p = latest(inputs.publications, "participating")
    latest_n = latest(inputs.publications, "pending")
    counties = atlas(str(NODE_MODULES), "counties")
    tables = figure_tables(inputs.agreements, inputs.agencies, inputs.publications, inputs.changes, inputs.states, latest_p, latest_n, counties)
    for table in FIGURE_TABLES:
        save_table(build, table, tables[table.file])
    # The pages show the figures as saved, so what a page says is what the table says.
    figures = Figures(
        national=read_table(build, NATIONAL_FIGURES).iloc[0],
        states=with_states(read_table(build, STATE_FIGURES), inputs.states),
        agencies=read_table(build, AGENCY_FIGURES).set_index("agency_id", drop=False),
        lists=read_table(build, LIST_CHANGES),
        series=read_table(build, ACTIVE_BY_DAY).assign(date=lambda f: pd.to_datetime(f["date"])),
        counties=read_table(build, COUNTY_FIGURES),
    )
    latest_ids = [p["publication_id"] for p in (latest_p, latest_n) if p is not None]
    rows = mapped_rows(sheet_rows_of(data_dir, latest_ids), inputs.row_links)

    source, config = prepare_source(Path(work_dir) if work_dir else build)
    copy_vendor(source / "assets" / "vendor")
    linked = link_downloads(build / DOWNLOADS_TREE, source)
    site = prepare(inputs, figures, rows, latest_p, latest_n, source, t)
    started = time.perf_counter()
    feeds = write_feeds(site, source)  # before the pages: the data page lists them
    feeds_seconds = time.perf_counter() - started
    out = render_pages(site, source, feeds)
    started = time.perf_counter()
    write_api(site, source / API_FOLDER)
    api_seconds = time.perf_counter() - started
    remove_stale(source, out.written | linked)
    drawn = render_svgs(out.jobs, build / "cache" / "svg")
    seconds = run_mkdocs(config, Path(site_dir or DEFAULT_SITE), build_moment(inputs.publications)) if mkdocs else 0.0
    return RenderResult(
        pages=out.pages, charts=len(out.jobs), svgs_drawn=drawn, mkdocs_seconds=seconds, feeds=feeds,
        feeds_seconds=feeds_seconds, api_seconds=api_seconds,
    )  # fmt: skip
