"""Links agreements to one another (renewed, model switch, moved from pending to signed) and finds possible renames for review."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..common.qa import check
from .contract import REVIEW_COLUMNS
from .names import edits, name_key
from .rules import CHANGE_TYPES, ENDED_AFTER_LISTS, PENDING_LINK_DAYS


def link_agreements(spans: pd.DataFrame, info: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Renewals, model switches and pending requests signed: (previous, next, change) links between agreements."""
    at = pubs.set_index("list_index")["published_at"]
    table = spans[["list_kind", "first_list_index", "last_list_index", "first_listing", "last_listing", "ended"]].join(info)
    table["first_at"] = table["first_list_index"].map(at)
    table["last_at"] = table["last_list_index"].map(at)
    links: list[tuple[str, str, str]] = []
    taken_prev: set[str] = set()
    taken_next: set[str] = set()
    participating = table[table["list_kind"] == "participating"].sort_values(["first_at", "signed_first"])
    participating = participating.reset_index()

    def follows(old: dict, new: dict, same_model: bool) -> bool:
        if old["agreement_id"] in taken_prev or old is new or not old["ended"]:
            return False
        if (old["support_type"] == new["support_type"]) != same_model or old["first_listing"] >= new["first_listing"]:
            return False
        # The new agreement came before the old one's absence counted as an end ...
        if new["first_listing"] - old["last_listing"] - 1 >= ENDED_AFTER_LISTS:
            return False
        if same_model:
            # ... and, for a renewal, was signed after the old one; a switch of model happens at the old one's end.
            return bool(new["signed_first"] and old["signed_latest"] and new["signed_first"] > old["signed_latest"])
        return new["first_listing"] > old["last_listing"] - ENDED_AFTER_LISTS

    by_agency: dict[str, list[dict]] = defaultdict(list)
    for record in participating.to_dict("records"):
        by_agency[record["agency_id"]].append(record)
    for agency_id in sorted(by_agency):
        records = by_agency[agency_id]
        if len(records) < 2:
            continue
        for change, same_model in (("renewed", True), ("model switch", False)):
            for new in records:
                if new["agreement_id"] in taken_next:
                    continue
                for old in records:
                    if follows(old, new, same_model):
                        links.append((old["agreement_id"], new["agreement_id"], change))
                        taken_prev.add(old["agreement_id"])
                        taken_next.add(new["agreement_id"])
                        break
    pending = table[table["list_kind"] == "pending"].sort_values(["first_at"]).reset_index()
    if not pending.empty:
        candidates = table[table["list_kind"] == "participating"].reset_index()
        candidates = candidates.sort_values(["first_at", "agreement_id"])
        signed_by_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for record in candidates.to_dict("records"):
            signed_by_key[(record["agency_id"], record["support_type"])].append(record)
        requests_by_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for record in pending.to_dict("records"):
            requests_by_key[(record["agency_id"], record["support_type"])].append(record)
        for key in sorted(requests_by_key):
            open_requests = requests_by_key[key]
            for new in signed_by_key.get(key, []):
                for request in open_requests:
                    if request["agreement_id"] in taken_prev:
                        continue
                    limit = request["last_at"] + pd.Timedelta(days=PENDING_LINK_DAYS)
                    if request["first_at"] < new["first_at"] <= limit:
                        links.append((request["agreement_id"], new["agreement_id"], "moved from pending to signed"))
                        taken_prev.add(request["agreement_id"])
                        break
    frame = pd.DataFrame(links, columns=["previous_agreement_id", "next_agreement_id", "change"])
    frame["order"] = frame["change"].map({c: i for i, c in enumerate(CHANGE_TYPES)})
    return frame.sort_values(["next_agreement_id", "order", "previous_agreement_id"]).drop(columns="order").reset_index(drop=True)


# An agreement that ended as more than this many others of its state, model and signing date
# first appeared cannot be told apart as a rename. The archive's most is 19; 100 is five times that.
RENAME_CANDIDATES_CAP = 100


def possible_renames(agreements: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Review rows: an agreement that ended just as another agency's agreement of the same model and date appeared; and qa rows."""
    participating = agreements[agreements["list_kind"] == "participating"]
    key = ["state", "support_type", "signed_dates"]
    ended = participating[participating["status"] == "ended"].explode("signed_dates").reset_index(drop=True)
    dated = participating.explode("signed_dates")[["agreement_id", "agency_id", "agency_name", "state", "support_type", "signed_dates", "first_listed", "lists"]]
    dated = dated.sort_values(key + ["first_listed", "agreement_id"]).reset_index(drop=True)
    # Each ended agreement's candidates are one run of `dated` (same key, first listed in its
    # window): the runs are found and counted by searchsorted before any pair is made, so a
    # crowd sharing one date costs its size, not its square.
    groups = {k: i for i, k in enumerate(dict.fromkeys(dated[key].itertuples(index=False, name=None)))}
    dated_group = np.fromiter((groups[k] for k in dated[key].itertuples(index=False, name=None)), dtype=np.int64, count=len(dated))
    ended_group = np.fromiter((groups.get(k, -1) for k in ended[key].itertuples(index=False, name=None)), dtype=np.int64, count=len(ended))
    moments = np.unique(dated["first_listed"].to_numpy())
    width = len(moments) + 1
    combined = dated_group * width + np.searchsorted(moments, dated["first_listed"].to_numpy())
    start_rank = np.searchsorted(moments, ended["last_listed"].to_numpy(), side="right")  # first listed after the last listing
    stop_rank = np.searchsorted(moments, ended["first_absent"].to_numpy(), side="right")  # ... and by the first absence
    lo = np.searchsorted(combined, ended_group * width + start_rank)
    hi = np.searchsorted(combined, ended_group * width + stop_rank)
    counts = np.where((ended_group >= 0) & ended["first_absent"].notna().to_numpy(), np.maximum(hi - lo, 0), 0)
    crowded = counts > RENAME_CANDIDATES_CAP
    qa = []
    if crowded.any():
        value = int(ended.loc[crowded, "agreement_id"].nunique())
        qa.append(check("possible_renames_not_paired", "all agreements", value, f"at most {RENAME_CANDIDATES_CAP} candidates an agreement", "warn"))
    keep = ~crowded & (counts > 0)
    left = np.repeat(np.flatnonzero(keep), counts[keep])
    right = np.concatenate([np.arange(a, b) for a, b in zip(lo[keep], hi[keep])]) if keep.any() else np.array([], dtype=np.int64)
    nxt = dated.iloc[right].drop(columns=key).add_suffix("_next").reset_index(drop=True)
    pairs = pd.concat([ended.iloc[left].reset_index(drop=True), nxt], axis=1)
    pairs = pairs[pairs["agency_id"] != pairs["agency_id_next"]].drop_duplicates(["agreement_id", "agreement_id_next"])
    # Many agreements share a signing date: keep a pair when it is the only one, or when the two
    # names begin with the same word (usually the place: Escambia, Okaloosa, Louisiana).
    alone = pairs.groupby("agreement_id")["agreement_id_next"].transform("size") == 1
    first_word = [name_key(a).split()[:1] == name_key(b).split()[:1] for a, b in zip(pairs["agency_name"], pairs["agency_name_next"])]
    pairs = pairs[alone.to_numpy() | np.array(first_word, dtype=bool)]
    frame = pd.DataFrame(
        {
            "what": "possible rename", "state": pairs["state"], "agency_id": pairs["agency_id"], "first": pairs["agency_name"],
            "second": pairs["agency_name_next"],
            "edits": [edits(name_key(a), name_key(b), 99) for a, b in zip(pairs["agency_name"], pairs["agency_name_next"])],
            "listed_together": 0, "first_lists": pairs["lists"], "second_lists": pairs["lists_next"],
            "why_not_merged": [
                f"{a} ({m}, signed {d}) ended on {e.date()} when {b} was first listed with the same model and date"
                for a, m, d, e, b in zip(pairs["agreement_id"], pairs["support_type"], pairs["signed_dates"], pairs["first_absent"], pairs["agreement_id_next"])
            ],
        },
        columns=REVIEW_COLUMNS,
    )
    return frame, qa
