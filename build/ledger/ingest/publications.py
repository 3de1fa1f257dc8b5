"""The publications: sightings of the stored workbooks dated, folded into lists, and their rows split.

A sighting is one manifest row (a file seen under a name); a publication is one list ICE put out,
seen once or many times. Only the publication's first workbook's rows are kept.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..common.fixes import FixTable
from ..common.qa import check
from .contract import REJECTED_ROWS, SHEET_ROWS


def date_sightings(
    manifest: pd.DataFrame, meta: pd.DataFrame, max_signed: pd.Series, publication_fixes: FixTable
) -> tuple[pd.DataFrame, list[dict]]:
    """Each sighting's list kind and publication moment, corrected where the list itself proves the name wrong.

    A list cannot predate the agreements it lists: when its signing dates lie after its file-name
    date, a reviewed date from data/manual/publication_dates.csv is used, or else the latest
    signing date, and either way it is reported.
    """
    qa: list[dict] = []
    sightings = manifest.merge(meta, on="sha256", how="inner")
    sightings["file_name_date"] = pd.to_datetime(sightings["published_at"])
    sightings["published_at"] = sightings["file_name_date"]
    sightings["max_signed"] = sightings["sha256"].map(max_signed)
    sightings["list_kind_source"] = "file_name"
    relabelled = sightings["layout_kind"] != sightings["list_kind"]
    for name in sightings.loc[relabelled, "original_name"]:
        qa.append(check("kind_taken_from_layout", name, "layout has no signing dates", "named as its layout", "warn"))
    sightings.loc[relabelled, "list_kind"] = sightings.loc[relabelled, "layout_kind"]
    sightings.loc[relabelled, "list_kind_source"] = "layout"

    for index, row in sightings.iterrows():
        right = publication_fixes.apply(row["original_name"])
        if right is not None:
            sightings.at[index, "published_at"] = pd.Timestamp(right)
            sightings.at[index, "date_source"] = "manual_fix"
        latest = row["max_signed"]
        published = sightings.at[index, "published_at"]
        if latest is None or pd.isna(latest) or latest <= published.date():
            continue
        if sightings.at[index, "date_source"] == "manual_fix":
            qa.append(
                check("manual_date_before_signing", row["original_name"], str(published.date()), f">= {latest}", "fail")
            )
            continue
        sightings.at[index, "published_at"] = pd.Timestamp(dt.datetime.combine(latest, published.time()))
        sightings.at[index, "date_source"] = "signing_dates"
        qa.append(
            check(
                "signing_date_after_file_name_date",
                row["original_name"],
                f"signed up to {latest}",
                f"on or before {row['file_name_date'].date()}",
                "warn",
            )
        )
    for name, right in publication_fixes.mapping.items():
        if name in publication_fixes.used:
            fixed = sightings[sightings["original_name"] == name]
            for _, row in fixed.iterrows():
                qa.append(
                    check("publication_date_fixed", name, str(row["published_at"]), f"not {row['file_name_date']}", "info")
                )
    return sightings, qa


def fold_publications(sightings: pd.DataFrame) -> pd.DataFrame:
    """Group sightings into publications: consecutive sightings of identical content are one list.

    Only consecutive ones: a list that returns after a different list was published is a new
    publication, or the change between them would be lost.
    """
    ordered = sightings.sort_values(["list_kind", "published_at", "original_name"]).reset_index(drop=True)
    new_publication = (ordered["fingerprint"] != ordered.groupby("list_kind")["fingerprint"].shift()) | (
        ordered["list_kind"] != ordered["list_kind"].shift()
    )
    ordered["group"] = new_publication.cumsum()
    publications = (
        ordered.groupby("group", sort=True)
        .agg(
            list_kind=("list_kind", "first"),
            published_at=("published_at", "first"),
            date_source=("date_source", "first"),
            file_name_date=("file_name_date", "first"),
            layout=("layout", "first"),
            file_names=("original_name", list),
            sha256s=("sha256", lambda s: list(dict.fromkeys(s))),
            sightings=("sha256", "size"),
            rows_in=("rows_in", "first"),
            formula_cells=("formula_cells", "first"),
            max_signed=("max_signed", "first"),
            list_kind_source=("list_kind_source", "first"),
            is_sample=("source", lambda s: bool(s.str.startswith("sample:").any())),
        )
        .reset_index(drop=True)
    )
    publications["publication_id"] = publications["list_kind"] + "-" + publications["published_at"].dt.strftime("%Y%m%d-%H%M%S")
    return publications


def split_rows(rows: pd.DataFrame, publications: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accepted and the rejected rows of each publication (from its first workbook)."""
    first = publications.assign(sha256=publications["sha256s"].str[0], file_name=publications["file_names"].str[0])
    joined = first[["publication_id", "list_kind", "published_at", "sha256", "file_name"]].merge(rows, on="sha256")
    joined = joined.sort_values(["published_at", "publication_id", "row_number"]).reset_index(drop=True)
    accepted = joined[joined["reason"].isna()][SHEET_ROWS.names].reset_index(drop=True)
    rejected = joined[joined["reason"].notna()][REJECTED_ROWS.names].reset_index(drop=True)
    return accepted, rejected
