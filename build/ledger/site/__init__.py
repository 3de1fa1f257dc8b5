"""The render stage: the site's pages, charts and figure tables from the build tables, then the site with MkDocs.

inputs (read the build tables) -> figures (saved as build tables) and tables (what pages list) ->
pages (one function per page) and charts -> source (the tree under build/site_src) -> mkdocs;
stage.py does the I/O; contract.py declares the tables.

The names below are reachable as `site.<name>` but loaded only when first used: importing
`ledger.site.contract` (the pipeline does) runs this file, and must not load pandas and Altair.
"""

from __future__ import annotations

import importlib

# name -> the module of this package that provides it
EXPORTS = {
    "SITE_SRC": "source",
    **dict.fromkeys(["state_figures", "figure_tables", "list_changes"], "figures"),
    **dict.fromkeys(["day", "h", "md", "num", "safe_url"], "format"),
    "Messages": "messages",
    **dict.fromkeys(["RenderResult", "run"], "stage"),
    **dict.fromkeys(["county_matches", "normalise_county", "removals_per_year", "steps"], "tables"),
}
__all__ = sorted(EXPORTS)


def __getattr__(name: str):
    if name not in EXPORTS:
        raise AttributeError(f"module 'ledger.site' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{EXPORTS[name]}"), name)
