"""Makes the changes page's generated part (generated/changes.md): the latest changes of every list."""

from __future__ import annotations

from .common import Output, Site

# The page lists this many changes, newest first, and says how many there are in all: the full
# log is in build/changes.parquet.
CHANGES_LISTED = 500


def changes_page(site: Site, out: Output) -> None:
    out.page("generated/changes.md", site.render("changes.md.j2", changes=site.changes.head(CHANGES_LISTED), total=len(site.changes)))


def sample_banner(site: Site, out: Output) -> None:
    out.page("generated/sample_banner.md", site.render("sample_banner.md.j2"))
