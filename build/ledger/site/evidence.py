"""What a figure links as its source: the ICE workbooks the build used, published content-addressed, and the sheet rows a figure counts.

The site publishes each list's first file as data/ice/<sha256>.xlsx, with data/ice/manifest.csv
(sha256, file names, list kind, date and how it was dated), and beside each figure block a CSV of
the accepted sheet rows it counts, each with its row number and agreement.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd

from ..common.errors import LedgerError
from ..sources.store import Store
from .contract import ICE_FOLDER  # noqa: F401 (re-exported for the stage)
from .format import day

MANIFEST_COLUMNS = ["sha256", "file_names", "list_kind", "published_at", "date_source", "publication_id"]
ROW_COLUMNS = [
    "list_kind", "publication_id", "file_name", "sha256", "row_number", "agreement_id", "agency_id",
    "state", "agency_name", "county", "support_type", "signed", "moa_url",
]  # fmt: skip


def ice_manifest(publications: pd.DataFrame) -> pd.DataFrame:
    """One row per published workbook: each list's first file (the others are identical copies)."""
    pubs = publications.sort_values(["published_at", "publication_id"])
    return pd.DataFrame(
        {
            "sha256": pubs["sha256s"].map(lambda shas: str(list(shas)[0])).values,
            "file_names": pubs["file_names"].map(lambda names: "; ".join(map(str, names))).values,
            "list_kind": pubs["list_kind"].values,
            "published_at": pubs["published_at"].map(lambda t: pd.Timestamp(t).isoformat()).values,
            "date_source": pubs["date_source"].values,
            "publication_id": pubs["publication_id"].values,
        }
    )[MANIFEST_COLUMNS]


def publish_workbooks(data_dir: Path, folder: Path, manifest: pd.DataFrame) -> set[Path]:
    """Copy the listed workbooks from the raw store into `folder` (only those missing or changed); remove any other. Returns the paths."""
    store = Store(Path(data_dir))
    folder.mkdir(parents=True, exist_ok=True)
    wanted = set()
    for sha in sorted(set(manifest["sha256"])):
        source, target = store.path_of(sha), folder / f"{sha}.xlsx"
        if not source.exists():
            raise LedgerError(source, "missing from the raw store: the build used this list's file (run `ledger fetch` or import it again)")
        if not target.exists() or target.stat().st_size != source.stat().st_size:
            shutil.copyfile(source, target)
        wanted.add(target)
    for path in folder.glob("*.xlsx"):
        if path not in wanted:
            path.unlink()
    return wanted


def mapped_rows(rows: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The sheet rows with the agreement and agency each one is, from history's row_agreements table."""
    return rows.merge(links[["publication_id", "row_number", "agreement_id", "agency_id"]], on=["publication_id", "row_number"], how="left")


def rows_for(rows: pd.DataFrame, state: str | None = None) -> pd.DataFrame:
    """The rows a figure block counts, as its CSV offers them: one state's, or every row."""
    mine = rows if state is None else rows[rows["state"] == state]
    out = mine.assign(signed=mine["signed"].map(day))
    return out.sort_values(["list_kind", "state", "row_number"], ascending=[False, True, True])[ROW_COLUMNS]
