"""Makes the change log's pages: /changes/ (the latest lists' changes, the years, the full CSV) and a page per year or month."""

from __future__ import annotations

from ..changelog import CHANGES_CSV, CHANGES_FOLDER, change_csv, change_pages, latest_changes, year_summary
from ..format import day
from .common import Output, Site


def changes_page(site: Site, out: Output) -> None:
    """/changes/ and every page of the log under changes/: each change on exactly one of them, and all in changes/changes.csv."""
    pages = change_pages(site.changes)
    years = year_summary(pages)
    latest = [p for p in (site.latest, site.latest_pending) if p is not None]
    shown = latest_changes(site.changes, [p["publication_id"] for p in latest])
    out.csv(out.root / CHANGES_CSV, change_csv(site.changes, site.inputs.publications))
    out.page(
        "generated/changes.md",
        site.render(
            "changes.md.j2", changes=shown, total=len(site.changes), years=years, csv="changes.csv",
            latest_lists=[{"kind": p["list_kind"], "date": day(p["published_at"]), "count": int((shown["publication_id"] == p["publication_id"]).sum())} for p in latest],
        ),
    )  # fmt: skip
    for page in pages:
        out.page(page.path, site.render("changes_page.md.j2", page=page, total=len(site.changes), csv=f"{page.root}{CHANGES_CSV}"))
    for year in years[years["months"].map(len) > 0].itertuples():  # a year split by month: its page links the months
        out.page(f"{CHANGES_FOLDER}/{year.year}/index.md", site.render("changes_months.md.j2", year=year, total=len(site.changes), csv=f"../../{CHANGES_CSV}"))


def sample_banner(site: Site, out: Output) -> None:
    out.page("generated/sample_banner.md", site.render("sample_banner.md.j2"))
