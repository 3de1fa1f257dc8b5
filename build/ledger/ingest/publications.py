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
from .misdated import year_early


def date_sightings(
    manifest: pd.DataFrame, meta: pd.DataFrame, max_signed: pd.Series, publication_fixes: FixTable
) -> tuple[pd.DataFrame, list[dict]]:
    """Each sighting's list kind and publication moment; sightings the list itself proves misdated are held.

    A list cannot predate the agreements it lists. When its signing dates lie after its file-name
    date, a reviewed date from data/manual/publication_dates.csv places it; without one, a list
    whose signings fit the same day a year on (ICE named a January list with the previous year)
    is dated then, with a warning; otherwise the sighting is held for review (left out of the publications, with a warning naming it) rather
    than moved to its latest signing date: one row signed in the future, or a list named with the
    wrong year, would otherwise move the whole list and invent changes around it.
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

    held = []
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
        corrected = year_early(row["file_name_date"], latest)
        if corrected is not None:
            sightings.at[index, "published_at"] = corrected
            sightings.at[index, "date_source"] = "corrected_year"
            qa.append(
                check(
                    "publication_year_corrected",
                    row["original_name"],
                    f"dated {corrected} not {row['file_name_date']}: signed up to {latest}, after its file-name date",
                    "a file name with the right year",
                    "warn",
                )
            )
            continue
        held.append(index)
        qa.append(
            check(
                "list_held_for_review",
                row["original_name"],
                f"{row['rows_in']} rows held: signed up to {latest}, after its file-name date {row['file_name_date'].date()}",
                "a reviewed date in data/manual/publication_dates.csv",
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
    return sightings.drop(index=held), qa


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


def hold_lists_at_one_moment(sightings: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Sightings without those of different lists dated to one moment, and a warning for each moment held.

    Two different lists of one kind at one moment (two files named for the same day and time)
    cannot be put in order, so neither can say what changed: both are held for review, and the
    lists around them are kept. Copies of one list at one moment are one list, and stay.
    """
    qa: list[dict] = []
    distinct = sightings.groupby(["list_kind", "published_at"])["fingerprint"].transform("nunique")
    held = sightings[distinct > 1]
    for (list_kind, moment), group in held.groupby(["list_kind", "published_at"], sort=True):
        names = ", ".join(sorted(group["original_name"]))
        qa.append(check("list_held_for_review", names, f"{group['fingerprint'].nunique()} different {list_kind} lists dated {moment}", "one list per kind and moment", "warn"))
    return sightings[distinct <= 1], qa


def split_rows(rows: pd.DataFrame, publications: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The accepted and the rejected rows of each publication (from its first workbook)."""
    first = publications.assign(sha256=publications["sha256s"].str[0], file_name=publications["file_names"].str[0])
    joined = first[["publication_id", "list_kind", "published_at", "sha256", "file_name"]].merge(rows, on="sha256")
    joined = joined.sort_values(["published_at", "publication_id", "row_number"]).reset_index(drop=True)
    accepted = joined[joined["reason"].isna()][SHEET_ROWS.names].reset_index(drop=True)
    rejected = joined[joined["reason"].notna()][REJECTED_ROWS.names].reset_index(drop=True)
    return accepted, rejected
