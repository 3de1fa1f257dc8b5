"""The render stage: reads the build tables, saves the site's figure tables, writes the pages under build/site_src and builds the site with MkDocs.

Every number on a page comes from a build table passed to a template; templates hold words
from the message catalog and no figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..common.contracts import read_table, save_table
from ..common.paths import DEFAULT_SITE
from .contract import NATIONAL_FIGURES, STATE_FIGURES
from .figures import figure_tables, with_states
from .inputs import load_inputs
from .messages import Messages
from .mkdocs import run_mkdocs
from .pages import prepare, render_pages
from .source import prepare_source, remove_stale
from .svgs import render_svgs
from .tables import latest, with_display_status
from .vendor import copy_vendor


@dataclass
class RenderResult:
    pages: int
    charts: int
    svgs_drawn: int
    mkdocs_seconds: float


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
    inputs.agreements = with_display_status(
        inputs.agreements, latest_p["publication_id"], latest_n["publication_id"] if latest_n is not None else None
    )
    national, per_state = figure_tables(inputs.agreements, inputs.states, latest_p, latest_n)
    save_table(build, NATIONAL_FIGURES, national)
    save_table(build, STATE_FIGURES, per_state)
    # The pages show the figures as saved, so what a page says is what the table says.
    national = read_table(build, NATIONAL_FIGURES).iloc[0]
    figures = with_states(read_table(build, STATE_FIGURES), inputs.states)

    source, config = prepare_source(Path(work_dir) if work_dir else build)
    copy_vendor(source / "assets" / "vendor")
    site = prepare(inputs, figures, national, latest_p, latest_n, source, t)
    out = render_pages(site, source)
    remove_stale(source, out.written)
    drawn = render_svgs(out.jobs, build / "cache" / "svg")
    seconds = run_mkdocs(config, Path(site_dir or DEFAULT_SITE)) if mkdocs else 0.0
    return RenderResult(pages=out.pages, charts=len(out.jobs), svgs_drawn=drawn, mkdocs_seconds=seconds)
