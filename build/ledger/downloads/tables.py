"""The published tables, made from the build tables: plain functions from table to table, no I/O."""

from __future__ import annotations

import pandas as pd

from .contract import BY_NAME, SHEET_ROW_COLUMNS, workbook_path


def publications(frame: pd.DataFrame) -> pd.DataFrame:
    """ICE's lists, each with the address of its published workbook (the first of its files, the one read)."""
    return frame.assign(workbook=frame["sha256s"].map(lambda shas: workbook_path(str(list(shas)[0]))))


def sheet_rows(rows: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """Every accepted row with the agreement and agency it was counted as (history's row_agreements)."""
    keys = ["publication_id", "row_number"]
    out = rows[list(SHEET_ROW_COLUMNS)].merge(links[keys + ["agreement_id", "agency_id"]], on=keys, how="left", validate="one_to_one")
    return out.sort_values(keys, kind="stable")[BY_NAME["sheet_rows"].columns]


def quality_checks(stages: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every stage's checks in one table, with the stage beside each."""
    frames = [frame.assign(stage=stage) for stage, frame in stages.items()]
    return pd.concat(frames, ignore_index=True)[BY_NAME["quality_checks"].columns]


def manifest(publications_: pd.DataFrame) -> pd.DataFrame:
    """One row per published workbook: each list's first file (the others are identical copies)."""
    pubs = publications_.sort_values(["published_at", "publication_id"])
    return pd.DataFrame(
        {
            "sha256": pubs["sha256s"].map(lambda shas: str(list(shas)[0])).values,
            "file_names": pubs["file_names"].map(lambda names: "; ".join(map(str, names))).values,
            "list_kind": pubs["list_kind"].values,
            "published_at": pubs["published_at"].map(lambda t: pd.Timestamp(t).isoformat()).values,
            "date_source": pubs["date_source"].values,
            "publication_id": pubs["publication_id"].values,
        }
    )
