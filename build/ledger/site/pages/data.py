"""Makes the data page (data/index.md) and the data dictionary (data/dictionary.md) from the downloads stage's table and the published tables' contracts."""

from __future__ import annotations

import pandas as pd

from ...common.addresses import site_url
from ...downloads.contract import DATA_FOLDER, FORMATS, ICE_FOLDER, MANIFEST, PACKAGE_FILE, PUBLISHED
from .common import Output, Site

# The tables the page shows how to load in pandas, R and DuckDB.
LOADED = ("agreements", "agencies", "changes", "sheet_rows")


def table_rows(downloads: pd.DataFrame) -> list[dict]:
    """One entry per published table: its contract, rows, and each format's file and size, from downloads.parquet."""
    entries = []
    for p in (*PUBLISHED, MANIFEST):
        files = downloads[downloads["name"] == p.name]
        formats = []
        for fmt in FORMATS:
            mine = files[files["format"] == fmt].sort_values("path")
            # A table written in parts (the sheet rows' workbooks, one per year) names each part.
            parts = [{"label": part_label(fmt, row.path, p.name), "path": row.path, "bytes": row.bytes} for row in mine.itertuples()]
            formats += parts
        whole = files[files["format"] == "csv"]["rows"]
        entries.append({"published": p, "rows": int(whole.iloc[0]) if len(whole) else None, "formats": formats})
    return entries


def part_label(fmt: str, path: str, name: str) -> str:
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return f"{fmt.upper()} {stem[len(name) + 1:]}" if stem != name and stem.startswith(name + "_") else fmt.upper()


def data_pages(site: Site, out: Output, feeds: list[dict]) -> None:
    downloads = site.inputs.downloads
    workbooks = downloads[downloads["format"] == "xlsx-original"]
    package = downloads[downloads["path"] == PACKAGE_FILE].iloc[0]
    base = site_url()
    out.page(
        f"{DATA_FOLDER}/index.md",
        site.render(
            "data.md.j2", tables=table_rows(downloads), loaded=LOADED, base=base, data=f"{base}{DATA_FOLDER}/",
            workbooks=len(workbooks), workbook_bytes=int(workbooks["bytes"].sum()), package=package,
            manifest=f"{ICE_FOLDER.split('/', 1)[1]}/manifest.csv", feeds=feeds,
        ),
    )  # fmt: skip
    out.page(f"{DATA_FOLDER}/dictionary.md", site.render("dictionary.md.j2", tables=[*PUBLISHED, MANIFEST]))
