"""Makes the agreements and agencies tables: rows put in list order, assigned to agreements, followed from list to list.

`list_index` numbers the publications over both kinds (participating, then pending), in
order of publication; `listing` counts only a kind's non-empty lists, the ones that are
evidence of what was listed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..common.distinct import map_distinct
from ..common.errors import LedgerError
from ..common.models import MODEL_CODES
from .contract import AGENCIES, AGREEMENTS
from .dates import resolve_dates
from .relabels import reconcile_rows
from .names import county_key
from .rules import ENDED_AFTER_LISTS


def order_publications(publications: pd.DataFrame) -> pd.DataFrame:
    """Publications in order per kind, with `listing` counting only non-empty lists (an empty list is no evidence)."""
    pubs = publications.sort_values(["list_kind", "published_at", "publication_id"]).reset_index(drop=True)
    pubs["is_empty"] = pubs["rows_accepted"].fillna(0).astype(int) == 0
    listing = (~pubs["is_empty"]).astype(int).groupby(pubs["list_kind"]).cumsum() - 1
    pubs["listing"] = listing.where(~pubs["is_empty"], -1).astype(int)
    pubs["list_index"] = np.arange(len(pubs))
    return pubs


def prepare_rows(rows: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """The sheet rows in list order, each with its list_index, its day and its signing date as a date."""
    out = rows.merge(pubs[["publication_id", "list_index"]], on="publication_id", how="left")
    if out["list_index"].isna().any():
        unknown = out.loc[out["list_index"].isna(), "publication_id"].iloc[0]
        raise LedgerError("sheet_rows.parquet", f"rows of publication {unknown} that publications.parquet does not list")
    out["list_index"] = out["list_index"].astype(int)
    # Everything downstream takes "first" and "last" in list order, so the order of the input never matters.
    out = out.sort_values(["list_index", "row_number", "agency_name", "support_type"]).reset_index(drop=True)
    out["day"] = out["published_at"].dt.normalize()
    out["signed"] = map_distinct(out["signed"], lambda d: None if d is None or d != d else pd.Timestamp(d).date()).astype(object)
    return out


def column_presence(rows: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Which columns each list printed: a field is compared only between lists that both have it."""
    present = rows.groupby("publication_id").agg(
        has_county=("raw_county", "count"),
        has_agency_type=("raw_agency_type", "count"),
        has_moa=("raw_moa", "count"),
    ) > 0
    out = pubs.merge(present, left_on="publication_id", right_index=True, how="left")
    for name in ("has_county", "has_agency_type", "has_moa"):
        out[name] = out[name].fillna(False).astype(bool)
    return out


def pending_requests(keyed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Split each agency's pending listings of one model into requests: a new one after an absence that counts as an end."""
    listing = pubs.set_index("list_index")["listing"]
    listed = keyed[["agency_id", "support_type", "list_index"]].drop_duplicates().copy()
    listed["listing"] = listed["list_index"].map(listing)
    listed = listed.sort_values(["agency_id", "support_type", "listing"])
    gap = listed.groupby(["agency_id", "support_type"])["listing"].diff()
    listed["request"] = (gap.isna() | (gap - 1 >= ENDED_AFTER_LISTS)).astype(int).groupby(
        [listed["agency_id"], listed["support_type"]]
    ).cumsum()
    return listed


def assign_agreements(rows: pd.DataFrame, spellings: pd.DataFrame, pubs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Every sheet row's agency_id and agreement_id, plus the signing dates left apart for review and joins per tier."""
    out = rows.merge(spellings[["state", "agency_name", "agency_id", "canonical_name", "identity"]], on=["state", "agency_name"], how="left")
    out, moved = reconcile_rows(out, pubs)
    out["model"] = out["support_type"].map(MODEL_CODES)
    participating = out["list_kind"] == "participating"
    dated = participating & out["signed"].notna()
    mapping, review, joined = resolve_dates(out[dated], pubs)
    out = out.merge(mapping, on=["agency_id", "support_type", "signed"], how="left")
    out["agreement_id"] = None
    dated = (out["list_kind"] == "participating") & out["signed"].notna()
    out.loc[dated, "agreement_id"] = (
        out.loc[dated, "agency_id"] + "-" + out.loc[dated, "model"] + "-" + out.loc[dated, "agreement_date"].map(str)
    )
    # A participating row without a signing date is kept as its own undated agreement, never dropped.
    undated = (out["list_kind"] == "participating") & out["signed"].isna()
    out.loc[undated, "agreement_id"] = out.loc[undated, "agency_id"] + "-" + out.loc[undated, "model"] + "-undated"
    pending = out["list_kind"] == "pending"
    if pending.any():
        requests = pending_requests(out[pending], pubs)
        listed_on = pubs.set_index("list_index")["published_at"].dt.strftime("%Y-%m-%d")
        requests["start"] = requests.groupby(["agency_id", "support_type", "request"])["list_index"].transform("min").map(listed_on)
        requests["pending_id"] = requests["agency_id"] + "-" + requests["support_type"].map(MODEL_CODES) + "-pending-" + requests["start"]
        out = out.merge(requests[["agency_id", "support_type", "list_index", "pending_id"]], on=["agency_id", "support_type", "list_index"], how="left")
        out.loc[out["list_kind"] == "pending", "agreement_id"] = out.loc[out["list_kind"] == "pending", "pending_id"]
        out = out.drop(columns="pending_id")
    out.loc[out["identity"].isna(), "identity"] = "exact"
    return out.drop(columns=["agreement_date"]), review, {"redating": joined, **moved}


def listings_of(rows: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """One row per agreement per list that printed it, holding the values of its first row in that list."""
    first = rows.sort_values(["list_index", "row_number"]).drop_duplicates(["agreement_id", "list_index"])
    listed = first.merge(pubs[["list_index", "listing", "has_county", "has_agency_type", "has_moa"]], on="list_index")
    return listed.sort_values(["agreement_id", "listing"]).reset_index(drop=True)


def agreement_spans(listed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Per agreement: first and last listing, blips, how many of its kind's latest lists lack it, and its first absence.

    `after` counts the non-empty lists of its kind since its last listing: 0 is on the latest
    list, `gone` is any other, and `ended` is gone from ENDED_AFTER_LISTS lists or more.
    """
    absent = listed.groupby("agreement_id")["listing"].diff().fillna(1) - 1
    listed = listed.assign(
        absent=absent,
        blip=((absent > 0) & (absent < ENDED_AFTER_LISTS)).astype(int),
        relist=(absent >= ENDED_AFTER_LISTS).astype(int),
    )
    spans = listed.groupby("agreement_id", sort=True).agg(
        list_kind=("list_kind", "first"),
        first_list_index=("list_index", "first"),
        last_list_index=("list_index", "last"),
        first_listing=("listing", "first"),
        last_listing=("listing", "last"),
        lists=("list_index", "size"),
        blips=("blip", "sum"),
        relisted=("relist", "sum"),
        list_indexes=("list_index", list),
    )
    last_listing = pubs[~pubs["is_empty"]].groupby("list_kind")["listing"].max()
    spans["after"] = spans["list_kind"].map(last_listing) - spans["last_listing"]
    spans["gone"] = spans["after"] > 0
    spans["ended"] = spans["after"] >= ENDED_AFTER_LISTS
    spans["first_absent_list_index"] = list_at(pubs, spans["list_kind"], spans["last_listing"] + 1)
    return spans


def list_at(pubs: pd.DataFrame, kinds, listings) -> np.ndarray:
    """The list_index of each (kind, listing), or -1 where that kind has no such non-empty list."""
    kinds, listings = np.asarray(kinds), np.asarray(listings, dtype=np.int64)
    found = np.full(len(listings), -1, dtype=np.int64)
    for kind, lists in pubs[~pubs["is_empty"]].groupby("list_kind"):
        # A kind's non-empty lists are numbered 0, 1, 2 ... in order: the listing is the position.
        by_listing = lists.sort_values("listing")["list_index"].to_numpy()
        hit = (kinds == kind) & (listings >= 0) & (listings < len(by_listing))
        found[hit] = by_listing[listings[hit]]
    return found


def agreement_statuses(list_kind: pd.Series, after: pd.Series, change_of_next: np.ndarray) -> np.ndarray:
    """Each agreement's status (rules.AGREEMENT_STATUSES) from its kind, the latest lists without it and what followed it."""
    pending = np.asarray(list_kind) == "pending"
    after = np.asarray(after)
    gone, ended = after > 0, after >= ENDED_AFTER_LISTS
    status = np.where(ended, "ended", np.where(gone, "missing", "active"))
    # A renewal already listed is the agreement now: the old one is superseded from its first absence on.
    status = np.where(gone & (change_of_next == "renewed"), "superseded", status)
    # A request signed is signed even while ICE still prints it on the pending list.
    signed = change_of_next == "moved from pending to signed"
    requests = np.where(signed, "signed", np.where(ended, "lapsed", np.where(gone, "missing", "pending")))
    return np.where(pending, requests, status).astype(object)


def agreement_table(rows: pd.DataFrame, spans: pd.DataFrame, links: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """agreements.parquet: one row per agreement, its latest values, its listings, its links and its status."""
    at = pubs.set_index("list_index")["published_at"]
    pid = pubs.set_index("list_index")["publication_id"]
    latest = rows.sort_values(["list_index", "row_number"]).groupby("agreement_id").agg(
        agency_id=("agency_id", "first"),
        agency_name=("canonical_name", "first"),
        state=("state", "first"),
        support_type=("support_type", "first"),
        model=("model", "first"),
        county=("county", "last"),
        signed=("signed", "last"),
        moa_url=("moa_url", "last"),
        identity=("identity", "first"),
    )
    dates = rows[rows["signed"].notna()].sort_values(["list_index", "row_number"]).drop_duplicates(["agreement_id", "signed"])
    latest["signed_dates"] = dates.assign(signed=dates["signed"].map(str)).groupby("agreement_id")["signed"].agg(list)
    latest["signed_dates"] = latest["signed_dates"].map(lambda d: d if isinstance(d, list) else [])
    table = latest.join(spans)
    table["first_listed"] = table["first_list_index"].map(at)
    table["first_publication_id"] = table["first_list_index"].map(pid)
    table["last_listed"] = table["last_list_index"].map(at)
    table["last_publication_id"] = table["last_list_index"].map(pid)
    # Set for every agreement off the latest list of its kind (missing, ended, lapsed, superseded ...).
    gone = table["gone"]
    table["first_absent"] = table["first_absent_list_index"].map(at).where(gone)
    table["first_absent_publication_id"] = table["first_absent_list_index"].map(pid).where(gone)
    ids = pubs.sort_values("list_index")["publication_id"].to_numpy(dtype=object)
    table["publication_ids"] = table["list_indexes"].map(lambda indexes: ids[np.asarray(indexes)].tolist())
    # links are sorted with a pending request before a renewal: the request is the one named as previous.
    table["previous_agreement_id"] = table.index.map(links.drop_duplicates("next_agreement_id").set_index("next_agreement_id")["previous_agreement_id"])
    table["next_agreement_id"] = table.index.map(links.set_index("previous_agreement_id")["next_agreement_id"])
    change_of_next = np.asarray(table.index.map(links.set_index("previous_agreement_id")["change"]))
    status = agreement_statuses(table["list_kind"], table["after"], change_of_next)
    table["status"] = status
    pending = table["list_kind"] == "pending"
    redated = table["signed_dates"].map(len) > 1
    table.loc[redated, "identity"] = table.loc[redated, "identity"].map(lambda t: ",".join(sorted(set(t.split(",")) | {"redating"})))
    table["signed"] = table["signed"].where(~pending, None)
    table["lists"] = table["lists"].astype(int)
    table = table.reset_index().sort_values("agreement_id").reset_index(drop=True)
    return table[AGREEMENTS.names]


def agency_status(statuses: set[str], had_agreements: bool) -> str:
    """An agency's status (rules.AGENCY_STATUSES) from its agreements' statuses."""
    for status in ("active", "missing", "pending"):
        if status in statuses:
            return status
    return "ended" if had_agreements else "lapsed"


def agency_table(rows: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    """agencies.parquet: one row per agency, its spellings, its most printed county and its status."""
    ordered = rows.sort_values(["list_index", "row_number"])
    counties = ordered[map_distinct(ordered["county"], county_key).notna()]
    county = counties.groupby(["agency_id", "county"]).size().reset_index(name="n")
    county = county.sort_values(["agency_id", "n", "county"], ascending=[True, False, True]).drop_duplicates("agency_id")
    table = ordered.groupby("agency_id").agg(
        agency_name=("canonical_name", "first"),
        spellings=("agency_name", "unique"),
        state=("state", "first"),
        agency_type=("agency_type", "last"),
        first_listed=("published_at", "min"),
        last_listed=("published_at", "max"),
        identity=("identity", "first"),
    )
    table["spellings"] = table["spellings"].map(lambda names: sorted(names))
    table["county"] = county.set_index("agency_id")["county"]
    statuses = agreements.groupby("agency_id")["status"].agg(set)
    participating = agreements[agreements["list_kind"] == "participating"].groupby("agency_id").size()
    table["status"] = [agency_status(statuses[a], a in participating.index) for a in table.index]
    table["agreements"] = participating.reindex(table.index, fill_value=0).astype(int)
    return table.reset_index().sort_values("agency_id").reset_index(drop=True)[AGENCIES.names]
