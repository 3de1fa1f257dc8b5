"""The Frictionless data package, data/datapackage.json, generated from the published tables' contracts.

One resource per table: its CSV (path, bytes, sha256, schema with every column's type and
description, primary and foreign keys), with the same table's XLSX, JSON and Parquet files
listed beside it under `alternates` (Frictionless validates the CSV; the others carry the same
rows). Written from the contracts and the files as written, never by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..common.addresses import site_url
from ..common.contracts import Table
from ..common.ice import ICE_PAGE_URL
from .contract import DATA_FOLDER, MANIFEST, PACKAGE_FILE, PUBLISHED

MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def schema(table: Table) -> dict:
    """A Table Schema from a contract: every column typed and described, the keys as declared."""
    out: dict = {"fields": [{"name": c.name, "type": c.type, "description": c.description} for c in table.columns], "missingValues": [""]}
    if table.primary_key:
        out["primaryKey"] = list(table.primary_key)
    if table.foreign_keys:
        out["foreignKeys"] = [{"fields": [k.column], "reference": {"resource": k.table, "fields": [k.reference]}} for k in table.foreign_keys]
    return out


def _file(row: pd.Series, base: str) -> dict:
    return {"path": row["path"][len(base):], "format": row["format"], "mediatype": MEDIA_TYPES[row["format"]], "bytes": int(row["bytes"]), "hash": f"sha256:{row['sha256']}"}


def descriptor(listed: pd.DataFrame, counts: dict[str, int], created: dt.datetime) -> dict:
    """The package's descriptor; paths relative to data/, where it lives."""
    base = f"{DATA_FOLDER}/"
    resources = []
    for p in (*PUBLISHED, MANIFEST):
        files = listed[(listed["name"] == p.name) & listed["format"].isin(list(MEDIA_TYPES))].sort_values("format")
        csv = files[files["format"] == "csv"].iloc[0]
        resource = {"name": p.name, "title": p.title, "description": p.table.description, **_file(csv, base), "encoding": "utf-8"}
        resource.update(rows=counts[p.name], schema=schema(p.table))
        alternates = [_file(row, base) for _, row in files.iterrows() if row["format"] != "csv"]
        if alternates:
            resource["alternates"] = alternates
        resources.append(resource)
    return {
        "name": "287g-ledger",
        "title": "287(g) Ledger",
        "description": "ICE's 287(g) agreement lists since 2021, reconciled into agencies, agreements and a change log, with ICE's 287(g) removal statistics (FY2006-2013).",
        "homepage": site_url(),
        "created": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [{"title": "U.S. Immigration and Customs Enforcement, 287(g) program page", "path": ICE_PAGE_URL}],
        "licenses": [{"name": "other-pd", "title": "ICE's lists and statistics are U.S. government works, in the public domain", "path": "https://www.usa.gov/government-works"}],
        "resources": resources,
    }


def write_package(root: Path, listed: pd.DataFrame, counts: dict[str, int], created: dt.datetime) -> Path:
    path = root / PACKAGE_FILE
    path.write_text(json.dumps(descriptor(listed, counts, created), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
