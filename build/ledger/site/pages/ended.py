"""Makes the ended agreements page's generated part (generated/ended.md) and ended/ended.csv: every ended or missing agreement."""

from __future__ import annotations

from ..changelog import ENDED_CSV, ended_counts, ended_csv, ended_rows
from .common import Output, Site


def ended_page(site: Site, out: Output) -> None:
    rows = ended_rows(site.inputs.agreements, site.inputs.publications, site.common["status"])
    out.csv(out.root / ENDED_CSV, ended_csv(rows))
    out.page("generated/ended.md", site.render("ended.md.j2", rows=rows, counts=ended_counts(rows), csv=ENDED_CSV.split("/")[-1]))
