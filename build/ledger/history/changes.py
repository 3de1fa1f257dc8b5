"""Makes the change log (changes.parquet): each agreement's appearance, renewal or switch, field changes and end."""

from __future__ import annotations

import pandas as pd

from ..common.distinct import map_distinct
from .names import county_key, name_key
from .rules import CHANGE_TYPES, ENDED_AFTER_LISTS, FIELDS


def field_values(listed: pd.DataFrame) -> pd.DataFrame:
    """The values compared between an agreement's consecutive listings, as text, with what makes them comparable."""
    values = pd.DataFrame(index=listed.index)
    values["agency"] = listed["agency_name"]
    values["agency_cmp"] = map_distinct(listed["agency_name"], name_key)
    values["county"] = listed["county"]
    values["county_cmp"] = map_distinct(listed["county"], county_key)
    values["agency_type"] = listed["agency_type"]
    values["agency_type_cmp"] = listed["agency_type"]
    values["signed"] = map_distinct(listed["signed"], lambda d: None if d is None or d != d else str(d))
    values["signed_cmp"] = values["signed"]
    values["moa_status"] = listed["moa_status"]
    values["moa_status_cmp"] = listed["moa_status"]
    values["moa_url"] = listed["moa_url"]
    # Only a link replaced by another counts here; a link appearing or going is a moa_status change.
    values["moa_url_cmp"] = listed["moa_url"]
    return values


def field_changes(listed: pd.DataFrame) -> pd.DataFrame:
    """'field changed' rows: a value that differs from the agreement's previous listing, where both lists have the column."""
    values = field_values(listed)
    same_agreement = listed["agreement_id"].eq(listed["agreement_id"].shift())
    present = {
        "agency": pd.Series(True, index=listed.index),
        "county": listed["has_county"],
        "agency_type": listed["has_agency_type"],
        "signed": listed["list_kind"] == "participating",
        "moa_status": listed["has_moa"],
        "moa_url": listed["has_moa"],
    }
    frames = []
    for name in FIELDS:
        now, before = values[f"{name}_cmp"], values[f"{name}_cmp"].shift()
        both = present[name] & present[name].shift(fill_value=False).astype(bool) & same_agreement
        differs = ~(now.isna() & before.isna()) & (now.fillna("\0") != before.fillna("\0"))
        if name == "moa_url":
            differs &= now.notna() & before.notna()
        hit = both & differs
        if not hit.any():
            continue
        frames.append(
            pd.DataFrame(
                {
                    "list_index": listed.loc[hit, "list_index"],
                    "agreement_id": listed.loc[hit, "agreement_id"],
                    "field": name,
                    "old_value": values[name].shift()[hit],
                    "new_value": values[name][hit],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["list_index", "agreement_id", "field", "old_value", "new_value"])
    return pd.concat(frames, ignore_index=True)


def build_changes(spans: pd.DataFrame, links: pd.DataFrame, listed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """The change log: each agreement's appearance, end and field changes, in the publication where each was first seen."""
    # An agreement that is both a pending request signed and a renewal is two changes, told in two rows.
    starts = spans[["first_list_index"]].rename(columns={"first_list_index": "list_index"}).reset_index()
    starts = starts.merge(links.rename(columns={"next_agreement_id": "agreement_id"}), on="agreement_id", how="left")
    starts["change"] = starts["change"].fillna("added")
    starts["detail"] = ""
    # An agreement back after an absence long enough to count as an end is told as ended, then added again.
    absent = listed.groupby("agreement_id")["listing"].diff() - 1
    relisted = listed[absent >= ENDED_AFTER_LISTS]
    by_listing = pubs[~pubs["is_empty"]].set_index(["list_kind", "listing"])["list_index"]
    previous_listing = listed.groupby("agreement_id")["listing"].shift()[absent >= ENDED_AFTER_LISTS]
    again = pd.DataFrame(
        {
            "agreement_id": relisted["agreement_id"],
            "list_index": relisted["list_index"],
            "change": "added",
            "detail": [f"listed again after {int(a)} lists without it" for a in absent[absent >= ENDED_AFTER_LISTS]],
        }
    )
    gone = pd.DataFrame(
        {
            "agreement_id": relisted["agreement_id"],
            "list_index": [by_listing[(k, int(l) + 1)] for k, l in zip(relisted["list_kind"], previous_listing)],
            "change": "ended",
            "detail": "missing from the lists that followed; listed again later",
        }
    )
    ends = spans[spans["ended"] & ~spans.index.isin(links["previous_agreement_id"])]
    ended = pd.DataFrame({"agreement_id": ends.index, "list_index": ends["first_absent_list_index"].to_numpy(), "change": "ended", "detail": ""})
    fields = field_changes(listed)
    fields["change"] = "field changed"
    switches = starts["change"] == "model switch"
    model_of = listed.drop_duplicates("agreement_id").set_index("agreement_id")["support_type"]
    starts.loc[switches, "field"] = "support_type"
    starts.loc[switches, "old_value"] = starts.loc[switches, "previous_agreement_id"].map(model_of)
    starts.loc[switches, "new_value"] = starts.loc[switches, "agreement_id"].map(model_of)
    # The archive's first list is where everything then in force appears, not when it was added.
    first_lists = set(pubs[~pubs["is_empty"]].groupby("list_kind")["list_index"].min())
    starts.loc[starts["list_index"].isin(first_lists) & (starts["change"] == "added"), "detail"] = "in the first list of the archive"
    changes = pd.concat([starts, again, gone, ended, fields], ignore_index=True)
    for column in ("field", "old_value", "new_value", "previous_agreement_id", "detail"):
        if column not in changes:
            changes[column] = None
    changes = changes.merge(pubs[["list_index", "publication_id", "list_kind", "published_at"]], on="list_index")
    changes["order"] = changes["change"].map({c: i for i, c in enumerate(CHANGE_TYPES)})
    changes = changes.sort_values(["published_at", "list_kind", "order", "agreement_id", "field"], na_position="first")
    return changes.drop(columns=["order", "list_index"]).reset_index(drop=True)
