"""Makes the change log (changes.parquet): each agreement's start, renames and field changes, drops, returns and confirmed ends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..common.distinct import map_distinct
from .agreements import list_at
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
    """Field rows (renamed for the agency's name, else field changed): a value that differs from the agreement's previous listing.

    A field is compared only where both lists printed its column.
    """
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


def absences(listed: pd.DataFrame, links: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """dropped, back, ended and lapsed rows: each run of lists without an agreement, told where it begins, is confirmed and ends.

    A run begins after one of its listings: in the next list of its kind (dropped), it counts
    as an end in its ENDED_AFTER_LISTS-th list (ended, or lapsed for a request), and it ends
    where the agreement is listed again (back). A request has no dropped or back (the pending
    list swings by design), and the last run of an agreement renewed or a request signed is
    told by its successor's change, not as a drop or an end.
    """
    agreement = listed["agreement_id"]
    is_last = ~agreement.eq(agreement.shift(-1)).to_numpy()
    # After its last listing, a run lasts until the latest list of its kind (and is still open).
    latest = pubs[~pubs["is_empty"]].groupby("list_kind")["listing"].max()
    listing = listed["listing"].to_numpy()
    # `listed` is in agreement and listing order: the next row is the agreement's next listing.
    end = np.where(is_last, listed["list_kind"].map(latest).to_numpy() + 1, np.roll(listing, -1))
    gap = end - listing - 1
    # A renewal continues the agreement, and a request signed goes on as its agreement: their last
    # absence is told by the successor's change. A model switch does not continue the old model's
    # agreement: it is gone, and its drop and end are told.
    continued = links.loc[links["change"] != "model switch", "previous_agreement_id"]
    told_by_successor = is_last & agreement.isin(continued).to_numpy()
    participating = (listed["list_kind"] == "participating").to_numpy()
    first_absent = list_at(pubs, listed["list_kind"], listing + 1)
    drop = participating & (gap > 0) & ~told_by_successor
    dropped = pd.DataFrame({"agreement_id": agreement[drop], "list_index": first_absent[drop], "change": "dropped", "detail": ""})
    confirmed = (gap >= ENDED_AFTER_LISTS) & ~told_by_successor
    day = pubs.set_index("list_index")["published_at"].dt.strftime("%Y-%m-%d")
    ended = pd.DataFrame(
        {
            "agreement_id": agreement[confirmed],
            "list_index": list_at(pubs, listed["list_kind"][confirmed], listing[confirmed] + ENDED_AFTER_LISTS),
            "change": np.where(participating[confirmed], "ended", "lapsed"),
            "detail": [
                f"last listed {day[last]}, not on ICE's list since {day[absent]}"
                for last, absent in zip(listed["list_index"][confirmed], first_absent[confirmed])
            ],
        }
    )
    came_back = participating & (gap > 0) & ~is_last
    returns = listed[["agreement_id", "list_index"]].shift(-1)[came_back]
    back = pd.DataFrame(
        {
            "agreement_id": returns["agreement_id"],
            "list_index": returns["list_index"].astype(int),
            "change": "back",
            "detail": [f"listed again after {int(g)} lists without it" for g in gap[came_back]],
        }
    )
    return pd.concat([dropped, ended, back], ignore_index=True)


def build_changes(spans: pd.DataFrame, links: pd.DataFrame, listed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """The change log: each agreement's start, renames and field changes, drops, returns and confirmed ends, in the list where each was seen."""
    # An agreement that is both a pending request signed and a renewal is two changes, told in two rows.
    starts = spans[["first_list_index"]].rename(columns={"first_list_index": "list_index"}).reset_index()
    starts = starts.merge(links.rename(columns={"next_agreement_id": "agreement_id"}), on="agreement_id", how="left")
    starts["change"] = starts["change"].fillna("added")
    starts["detail"] = ""
    fields = field_changes(listed)
    fields["change"] = np.where(fields["field"] == "agency", "renamed", "field changed")
    switches = starts["change"] == "model switch"
    model_of = listed.drop_duplicates("agreement_id").set_index("agreement_id")["support_type"]
    starts.loc[switches, "field"] = "support_type"
    starts.loc[switches, "old_value"] = starts.loc[switches, "previous_agreement_id"].map(model_of)
    starts.loc[switches, "new_value"] = starts.loc[switches, "agreement_id"].map(model_of)
    # The archive's first list is where everything then in force appears, not when it was added.
    first_lists = set(pubs[~pubs["is_empty"]].groupby("list_kind")["list_index"].min())
    starts.loc[starts["list_index"].isin(first_lists) & (starts["change"] == "added"), "detail"] = "in the first list of the archive"
    changes = pd.concat([starts, fields, absences(listed, links, pubs)], ignore_index=True)
    for column in ("field", "old_value", "new_value", "previous_agreement_id", "detail"):
        if column not in changes:
            changes[column] = None
    changes = changes.merge(pubs[["list_index", "publication_id", "list_kind", "published_at"]], on="list_index")
    changes["order"] = changes["change"].map({c: i for i, c in enumerate(CHANGE_TYPES)})
    changes = changes.sort_values(["published_at", "list_kind", "order", "agreement_id", "field"], na_position="first")
    return changes.drop(columns=["order", "list_index"]).reset_index(drop=True)
