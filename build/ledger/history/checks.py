"""Makes the history stage's quality checks (build/qa/history.csv): the invariants of its tables and the evidence behind its rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..common.distinct import map_distinct
from ..common.fixes import FixTable
from ..common.qa import check
from .agreements import assign_agreements, order_publications, prepare_rows
from .identity import resolve_agencies
from .names import name_key
from .rules import ENDED_AFTER_LISTS, START_CHANGES

if TYPE_CHECKING:
    from .stage import HistoryResult


def history_checks(
    pubs: pd.DataFrame,
    rows: pd.DataFrame,
    listings: pd.DataFrame,
    agencies: pd.DataFrame,
    agreements: pd.DataFrame,
    changes: pd.DataFrame,
    review: pd.DataFrame,
    tiers: dict[str, int],
    spans: pd.DataFrame,
) -> list[dict]:
    """The stage's checks: each list's agreements equal to its distinct rows, ids unique, every agreement started, and counts."""
    qa: list[dict] = []
    exact = rows["state"] + "|" + map_distinct(rows["agency_name"], name_key) + "|" + rows["support_type"] + "|" + map_distinct(rows["signed"], str)
    # A folded row is its list's second printing of one agreement: it counts as the row it was folded into.
    exact = exact.where(~rows["identity"].str.contains("fold", regex=False))
    distinct_rows = exact.groupby(rows["publication_id"]).nunique()
    listed = agreements[["agreement_id", "publication_ids"]].explode("publication_ids").dropna()
    listed = listed.rename(columns={"publication_ids": "publication_id"})
    active = listed.groupby("publication_id")["agreement_id"].nunique()
    # The list's agreements by its rows and by agreements.publication_ids: a pair on one side only differs.
    both = rows[["publication_id", "agreement_id"]].drop_duplicates().merge(listed.drop_duplicates(), how="outer", indicator=True)
    differing = both[both["_merge"] != "both"].groupby("publication_id").size()
    broken = 0
    for publication_id in pubs["publication_id"]:
        expected = int(distinct_rows.get(publication_id, 0))
        found = int(active.get(publication_id, 0))
        if found != expected or publication_id in differing.index:
            broken += 1
            qa.append(check("publication_agreements_equal_distinct_rows", publication_id, found, expected, "fail"))
    qa.append(check("publications_agreements_equal_distinct_rows", "all publications", broken, 0, "pass" if broken == 0 else "fail"))
    for name, table, column in (("agreement_ids_unique", agreements, "agreement_id"), ("agency_ids_unique", agencies, "agency_id")):
        duplicated = int(table[column].duplicated().sum())
        qa.append(check(name, column, duplicated, 0, "pass" if duplicated == 0 else "fail"))
    # The check stage makes this check too; it stays here because the history tests assert it in history's qa.
    for list_kind, group in pubs.groupby("list_kind"):
        ties = int(group["published_at"].duplicated().sum()) + int(not group["published_at"].is_monotonic_increasing)
        qa.append(check("publication_dates_strictly_ordered", list_kind, ties, 0, "pass" if ties == 0 else "fail"))
    known_pubs = set(pubs["publication_id"])
    orphans = int((~changes["publication_id"].isin(known_pubs)).sum() + (~changes["agreement_id"].isin(set(agreements["agreement_id"]))).sum())
    qa.append(check("changes_refer_to_known_lists_and_agreements", "changes", orphans, 0, "pass" if orphans == 0 else "fail"))
    starts = changes[changes["change"].isin(START_CHANGES)].groupby("agreement_id").size()
    unstarted = int((~agreements["agreement_id"].isin(starts.index)).sum())
    qa.append(check("every_agreement_has_a_start", "agreements", unstarted, 0, "pass" if unstarted == 0 else "fail"))
    qa.append(statuses_agree_with_changes(agreements, changes))
    for agreement_id, blips in spans.loc[spans["blips"] > 0, "blips"].items():
        qa.append(check("blip", agreement_id, f"missing from a list then back ({int(blips)} time(s))", "reviewed", "info"))
    # The evidence behind ENDED_AFTER_LISTS, rebuilt each time so a longer blip is seen when it happens.
    absences = listings.groupby("agreement_id")["listing"].diff() - 1
    blips, returns = absences[(absences > 0) & (absences < ENDED_AFTER_LISTS)], absences[absences >= ENDED_AFTER_LISTS]
    longest = int(blips.max()) if not blips.empty else 0
    qa.append(check("longest_blip_lists", "all agreements", longest, f"< {ENDED_AFTER_LISTS}", "info"))
    for agreement_id, absent in zip(listings.loc[returns.index, "agreement_id"], returns):
        qa.append(check("listed_again_after_an_end", agreement_id, f"back after {int(absent)} lists without it", "reviewed", "warn"))
    missing = set(agreements.loc[agreements["status"] == "missing", "agreement_id"])
    waiting = spans[spans.index.isin(missing)]
    for agreement_id, after in waiting["after"].items():
        qa.append(check("missing_from_latest_lists", agreement_id, f"{int(after)} list(s)", f"ended at {ENDED_AFTER_LISTS}", "info"))
    for status, count in agreements["status"].value_counts().sort_index().items():
        qa.append(check("agreements", status, int(count), "counted", "info"))
    for change, count in changes["change"].value_counts().sort_index().items():
        qa.append(check("changes", change, int(count), "counted", "info"))
    for tier, count in tiers.items():
        qa.append(check("identity_tier", tier, count, "counted", "info"))
    return qa


# The change that must tell each status, in the list after the agreement's last listing.
STATUS_CHANGES = {"missing": "dropped", "ended": "ended", "lapsed": "lapsed"}


def statuses_agree_with_changes(agreements: pd.DataFrame, changes: pd.DataFrame) -> dict:
    """Every missing agreement has its dropped, every ended its ended, every lapsed request its lapsed, and no superseded one a drop.

    The site counts drops and ends from the change log and statuses from agreements; this holds the two to one story.
    """
    told = agreements["status"].map(STATUS_CHANGES)
    # A missing request is not dropped (the pending list swings by design).
    told = told.where(~((agreements["status"] == "missing") & (agreements["list_kind"] == "pending")))
    need = agreements.assign(needed=told)[told.notna()][["agreement_id", "last_listed", "needed"]]
    later = changes[["agreement_id", "change", "published_at"]].merge(need, on="agreement_id")
    later = later[(later["published_at"] > later["last_listed"]) & (later["change"] == later["needed"])]
    untold = int((~need["agreement_id"].isin(later["agreement_id"])).sum())
    superseded = agreements.loc[agreements["status"] == "superseded", ["agreement_id", "last_listed"]]
    drops = changes[changes["change"].isin(["dropped", "ended"])].merge(superseded, on="agreement_id")
    untold += int((drops["published_at"] > drops["last_listed"]).sum())
    return check("statuses_agree_with_changes", "agreements", untold, 0, "pass" if untold == 0 else "fail")


def row_map_check(sheet_rows: pd.DataFrame, row_agreements: pd.DataFrame) -> dict:
    """rows_map_to_one_agreement: every accepted sheet row is in the row map once, with one agreement (fail otherwise)."""
    key = ["publication_id", "row_number"]
    mapped = row_agreements.dropna(subset=["agreement_id"]).groupby(key)["agreement_id"].agg(["size", "nunique"])
    found = sheet_rows[key].drop_duplicates().join(mapped, on=key)
    wrong = int(((found["size"] != 1) | (found["nunique"] != 1)).sum())
    # A map row for no accepted row would be a figure counted from nothing.
    extra = int(len(mapped) - len(found.dropna(subset=["size"])))
    broken = wrong + extra
    subject = f"{len(sheet_rows):,} accepted rows"
    return check("rows_map_to_one_agreement", subject, broken, 0, "pass" if broken == 0 else "fail")


def reordered_ids(publications: pd.DataFrame, sheet_rows: pd.DataFrame, aliases: FixTable) -> pd.Series:
    """Every row's agreement_id with identity re-resolved on the inputs in reverse order (cheap: no change log)."""
    reversed_pubs = publications.iloc[::-1].reset_index(drop=True)
    reversed_rows = sheet_rows.iloc[::-1].reset_index(drop=True)
    pubs = order_publications(reversed_pubs)
    rows = prepare_rows(reversed_rows, pubs)
    spellings, _, _, _ = resolve_agencies(rows, FixTable(aliases.name, dict(aliases.mapping)))
    rows, _, _ = assign_agreements(rows, spellings, pubs)
    return rows.set_index(["publication_id", "row_number"])["agreement_id"].sort_index()


def stable_ids_check(publications: pd.DataFrame, sheet_rows: pd.DataFrame, aliases: FixTable, result: "HistoryResult", after: pd.Series | None = None) -> dict:
    """Compare every row's ids with those of the inputs in reverse order (`after`, made here when not given)."""
    after = reordered_ids(publications, sheet_rows, aliases) if after is None else after
    before = result.rows.set_index(["publication_id", "row_number"])["agreement_id"].sort_index()
    differing = int((before != after.reindex(before.index)).sum())
    return check("ids_stable_when_inputs_reordered", "all rows", differing, 0, "pass" if differing == 0 else "fail")
