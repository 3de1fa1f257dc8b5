"""Identity follows the agreement: rows ICE printed under another label, state or date joined to the agreement they belong to.

Runs after the agency names are resolved and before agreement ids are made, on the
participating rows. Each rule moves the rows of one "unit" (an agency's rows of one model and
one printed signing date) onto another unit's agency (and date), and is counted as a tier:

- fold: one list prints one agreement twice, a division's name beside its department's with
  one MOA link for both; the division's rows on those lists join the department's agreement.
- state: the same name, model and signing date printed under another state for a few lists,
  ending where the listings in the real state begin; the later state is ICE's correction.
- relabel: the signing body relabelled (a sheriff's office and its county, a department and its
  division): same state, county and model, same signing date or MOA link, one label's listings
  ending where the other's begin, the two never on one list with that model. The agreement
  moves to the later label's agency (what ICE calls its signing body now).
- dateless: a unit with no signing date, or one after the list it is printed on, ending or
  beginning where a dated unit of the same agency and model begins or ends.

A move needs exactly one candidate; an ambiguous one is left for the same-list pair check.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict

import numpy as np
import pandas as pd

from ..common.distinct import map_distinct
from .names import county_key, name_key
from .rules import ENDED_AFTER_LISTS

RULES = ("fold", "state", "relabel", "dateless")
_COUNTY_IN_NAME = re.compile(r"(?:^|\s)([A-Z0-9]+) (?:COUNTY|PARISH|BOROUGH)\b")


def county_of_name(key: str) -> str | None:
    """The county a name states ('GULF COUNTY BOARD ...' -> 'GULF'), for a row whose county column is blank."""
    found = _COUNTY_IN_NAME.search(key)
    return found.group(1) if found and found.group(1) != "COUNTY" else None


def counties_match(a: str | None, b: str | None) -> bool | None:
    """True or False when both counties are known, None when one is not (the last word carries the place)."""
    if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
        return None
    return a == b or a.split()[-1] == b.split()[-1]


def date_key(value) -> str:
    return "" if value is None or value != value else str(value)


def reconcile_rows(out: pd.DataFrame, pubs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows with agency_id, canonical_name, state, signed and identity moved by each rule, and the moves per rule."""
    out = out.copy()
    counts = {rule: 0 for rule in RULES}
    participating = out["list_kind"] == "participating"
    if not participating.any():
        return out, counts
    listing = pubs.set_index("list_index")["listing"]
    listed_on = pubs.set_index("list_index")["published_at"]
    out["_listing"] = out["list_index"].map(listing)
    out["_key"] = map_distinct(out["canonical_name"], name_key)
    counties = map_distinct(out["county"], county_key)
    out["_county"] = counties.where(counties.notna(), map_distinct(out["_key"], county_of_name))
    counts["fold"] = fold(out, participating)
    for rule in ("state", "relabel", "dateless"):
        counts[rule] = move_units(out, out["list_kind"] == "participating", rule, listed_on)
    return out.drop(columns=["_listing", "_key", "_county"]), counts


def mark(out: pd.DataFrame, where, rule: str) -> None:
    out.loc[where, "identity"] = out.loc[where, "identity"].map(lambda i: rule if not isinstance(i, str) or i == "exact" else f"{i},{rule}")


def fold(out: pd.DataFrame, participating: pd.Series) -> int:
    """Division rows printed on the same list as their department's row, with one MOA link: the department's agreement."""
    key = ["list_index", "state", "support_type", "moa_url"]
    linked = out.loc[participating & out["moa_url"].notna(), key + ["agency_id", "_key"]]
    # Only a link printed for two agencies on one list is looked at (a few hundred of 250,000 rows);
    # integer codes, as grouping ICE's text columns group by group is slow.
    codes = pd.DataFrame({c: pd.factorize(linked[c])[0] for c in key + ["agency_id"]}, index=linked.index)
    distinct = codes.drop_duplicates()
    shared = distinct[distinct.duplicated(key, keep=False)]
    candidates = codes.loc[codes.set_index(key).index.isin(shared.set_index(key).index)]
    groups: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for index, group_key, agency_id, name in zip(candidates.index, candidates[key].itertuples(index=False, name=None),
                                                 linked.loc[candidates.index, "agency_id"], linked.loc[candidates.index, "_key"]):  # fmt: skip
        groups[group_key][agency_id].append((index, name))
    folded = 0
    for group_key in sorted(groups):
        agencies = groups[group_key]
        if len(agencies) != 2:
            continue
        (first, rows_a), (second, rows_b) = sorted(agencies.items())
        a, b = rows_a[0][1], rows_b[0][1]
        if b.startswith(a + " "):
            host, guest = rows_a, rows_b
        elif a.startswith(b + " "):
            host, guest = rows_b, rows_a
        else:
            continue  # one link printed for two unrelated agencies (a copy-paste of ICE's), not one agreement
        index = [i for i, _ in guest]
        for column in ("agency_id", "canonical_name", "signed"):
            out.loc[index, column] = out.at[host[0][0], column]
        mark(out, index, "fold")
        folded += 1
    return folded


def unit_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (agency, model, printed date): where its listings begin and end, its state, county, links and name."""
    group = ["agency_id", "support_type", "_date"]
    units = rows.groupby(group, sort=True).agg(
        state=("state", "first"), key=("_key", "first"), first=("_listing", "min"), last=("_listing", "max"),
        first_index=("list_index", "min"), county=("_county", "first"), canonical=("canonical_name", "first"), signed=("signed", "first"),
    )  # fmt: skip
    links = rows.loc[rows["moa_url"].notna(), group + ["moa_url"]].drop_duplicates()
    found: dict[tuple, set] = defaultdict(set)
    for *unit, url in links.itertuples(index=False, name=None):
        found[tuple(unit)].add(url)
    units["urls"] = [frozenset(found.get(unit, ())) for unit in units.index]
    return units.reset_index()


def move_units(out: pd.DataFrame, participating: pd.Series, rule: str, listed_on: pd.Series) -> int:
    """Apply one rule: each unit that ends where exactly one matching unit begins (or the reverse) joins it."""
    needed = ["agency_id", "support_type", "signed", "state", "_key", "_listing", "list_index", "_county", "canonical_name", "moa_url"]
    rows = out.loc[participating, needed].assign(_date=lambda r: map_distinct(r["signed"], date_key))
    units = unit_table(rows)
    listed = rows[["agency_id", "support_type", "_listing"]].drop_duplicates()
    together = listed.groupby(["agency_id", "support_type"])["_listing"].agg(frozenset).to_dict()
    by_group: dict[tuple, list[dict]] = defaultdict(list)
    for r in units.to_dict("records"):
        r["impossible"] = bool(r["_date"]) and r["signed"] > listed_on[r["first_index"]].date()
        group = {"state": (r["key"], r["support_type"], r["_date"]), "relabel": (r["state"], r["support_type"]), "dateless": (r["agency_id"], r["support_type"])}[rule]
        by_group[group].append(r)
    moves = []
    for group in sorted(by_group, key=str):
        members = sorted(by_group[group], key=lambda r: (r["first"], r["agency_id"], r["_date"]))
        if len(members) < 2:
            continue
        firsts = [m["first"] for m in members]
        for u in members:
            # Candidates begin after u's last listing and before its absence would count as an end.
            lo, hi = bisect_right(firsts, u["last"]), bisect_right(firsts, u["last"] + ENDED_AFTER_LISTS)
            found = [v for v in members[lo:hi] if matches(rule, u, v) and (rule == "dateless" or not listed_together(together, u, v))]
            if len(found) == 1:
                moves.append((u, found[0]))
    # The earlier label or state gives way to the one that follows it (ICE's correction, or the
    # signing body's name now), as a missing or impossible date gives way to the printed one.
    pairs = {}
    for u, v in moves:
        loser, winner = (v, u) if rule == "dateless" and not (not v["_date"] or v["impossible"]) and (u["_date"] and not u["impossible"]) else (u, v)
        pairs.setdefault((loser["agency_id"], loser["support_type"], loser["_date"]), winner)
    if not pairs:
        return 0
    losers = pd.MultiIndex.from_tuples(list(pairs))
    at = losers.get_indexer(pd.MultiIndex.from_arrays([rows["agency_id"], rows["support_type"], rows["_date"]]))
    hit = rows.index[at >= 0]
    winners = [pairs[k] for k in losers]
    picked = at[at >= 0]
    columns = {"agency_id": "agency_id", "canonical_name": "canonical", "state": "state"} | ({"signed": "signed"} if rule == "dateless" else {})
    for column, field in columns.items():
        values = np.empty(len(winners), dtype=object)
        values[:] = [w[field] for w in winners]
        out.loc[hit, column] = values[picked]
    mark(out, hit, rule)
    return len(pairs)


def listed_together(together: dict, u: dict, v: dict) -> bool:
    """Whether the two agencies were ever on one list with this model (then they are two agreements)."""
    return bool(together[(u["agency_id"], u["support_type"])] & together[(v["agency_id"], v["support_type"])])


def matches(rule: str, u: dict, v: dict) -> bool:
    if rule == "state":
        return u["state"] != v["state"]
    if rule == "dateless":
        return (not u["_date"] or u["impossible"]) != (not v["_date"] or v["impossible"])
    if u["agency_id"] == v["agency_id"]:
        return False
    same_link = bool(u["urls"] & v["urls"])
    if not (same_link or (u["_date"] and u["_date"] == v["_date"])):
        return False
    county = counties_match(u["county"], v["county"])
    return county is True or (county is None and same_link)
