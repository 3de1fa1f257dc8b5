"""Resolves signing dates: which dates of one agency and model are ICE's re-dating of one agreement (the redating tier)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .contract import REVIEW_COLUMNS
from .rules import ENDED_AFTER_LISTS, REDATE_ANY_DAYS, REDATE_MAX_DAYS


def resolve_dates(keyed: pd.DataFrame, pubs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Join signing dates of one agency and model that are ICE's re-dating of one agreement.

    Returns (agency_id, support_type, signed) -> agreement date (the first printed), the date
    pairs judged new signatures for review, and the number of dates joined.
    """
    listed_at = pubs.set_index("list_index")["published_at"]
    listing_of = pubs.set_index("list_index")["listing"]
    dates = (
        keyed.groupby(["agency_id", "support_type", "signed"], sort=True)["list_index"].unique().reset_index()
    )
    dates["indexes"] = dates["list_index"].map(lambda c: np.sort(np.asarray(c)))
    dates["first"] = [indexes[0] for indexes in dates["indexes"]]
    dates = dates.sort_values(["agency_id", "support_type", "first", "signed"])
    mapping, review, joined = [], [], 0
    for (agency_id, model), group in dates.groupby(["agency_id", "support_type"], sort=True):
        if len(group) == 1:
            row = group.iloc[0]
            mapping.append((agency_id, model, row["signed"], row["signed"]))
            continue
        agreements: list[dict] = []
        for signed, indexes in zip(group["signed"], group["indexes"]):
            chosen = None
            first = indexes[0]
            for agreement in agreements:
                if np.intersect1d(agreement["indexes"], indexes).size:
                    continue
                before = agreement["indexes"][agreement["indexes"] < first]
                if before.size == 0:
                    continue
                previous = before[-1]
                absent = listing_of[first] - listing_of[previous] - 1
                days = abs((signed - agreement["latest"]).days)
                # No agreement is re-signed within a month; beyond that, only a date already past
                # while the old one was still printed is a correction rather than a new signature.
                corrected = days <= REDATE_ANY_DAYS or signed <= listed_at[previous].date()
                if absent < ENDED_AFTER_LISTS and days <= REDATE_MAX_DAYS and corrected:
                    if chosen is None or previous > chosen[1]:
                        chosen = (agreement, previous)
                elif absent < ENDED_AFTER_LISTS and days <= REDATE_MAX_DAYS:
                    review.append(
                        {"what": "signing date", "state": agency_id.split("-")[0], "agency_id": agency_id,
                         "first": f"{model}: {agreement['latest']}", "second": f"{model}: {signed}",
                         "edits": days, "listed_together": 0, "first_lists": len(agreement["indexes"]), "second_lists": len(indexes),
                         "why_not_merged": f"new date {signed} is after the last list printing {agreement['latest']} "
                         f"({listed_at[previous].date()}): read as a new signature"}
                    )  # fmt: skip
            if chosen is None:
                agreements.append({"date": signed, "latest": signed, "indexes": indexes})
                mapping.append((agency_id, model, signed, signed))
            else:
                agreement = chosen[0]
                agreement["indexes"] = np.union1d(agreement["indexes"], indexes)
                agreement["latest"] = signed
                mapping.append((agency_id, model, signed, agreement["date"]))
                joined += 1
    mapping_frame = pd.DataFrame(mapping, columns=["agency_id", "support_type", "signed", "agreement_date"])
    return mapping_frame, pd.DataFrame(review, columns=REVIEW_COLUMNS), joined
