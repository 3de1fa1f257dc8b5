"""The program before 2021: one row per agency of the 2009 Inspector General list or ICE's FY2006-2013 statistics (early_agencies.parquet).

The two sources name one agency differently ("Harris County Sheriff" and "Harris County
Sheriff's Office"), so their rows are paired first: by data/manual/early_agency_links.csv
(statistics name -> the report's name), else by the same name key in the same state, strict then
loose, only when it finds exactly one row. Rows linked to one agency of the archive are one
agency too. An agency is in the archive only by a hand link or a same-name link (removals.linking):
that is what "provably the same" means here; everything else gets an id of its own, made by the
one id rule (common.ids) and checked against the archive's ids.
"""

from __future__ import annotations

import re

import pandas as pd

from ..common.fixes import FixTable
from ..common.ids import agency_id
from ..common.qa import check
from ..common.states import state_names
from ..common.text import clean_text
from .names import AP_STATES, AP_STATE_RE, name_keys

NEW_ID = "new_id"  # link_method of an agency known only before 2021
AP_STATE_ANY_CASE = re.compile(AP_STATE_RE.pattern, re.IGNORECASE)  # names.AP_STATE_RE reads lower-cased keys
COUNTY_RE = re.compile(r"^(.+? (?:County|Parish))\b")


def display_name(name: str, state: str) -> str:
    """A name of the statistics as a reader would write it: its own state's AP abbreviation and 'Dept.' spelt out.

    Only for an agency known from the statistics alone ("N.M. Corrections Dept." is the New Mexico
    Corrections Department); the report's names and the archive's are shown as printed.
    """
    own = state_names().get(state, "").title()  # the table keeps names in upper case
    text = re.sub(r"_\d+$", "", clean_text(name))  # the compiler's suffix for a repeated name ("Sheriff_1")
    text = AP_STATE_ANY_CASE.sub(lambda m: own if own and AP_STATES[m.group(1).lower()] == state else m.group(1), text)
    return re.sub(r"\bDept\.", "Department", text)


def pair_sources(stats: pd.DataFrame, oig: pd.DataFrame, hand: FixTable) -> pd.DataFrame:
    """(state, stats_name, oig_name, pair_method) for each statistics agency that names a row of the report."""
    out = []
    for name, state in stats[["agency_name", "state"]].drop_duplicates().itertuples(index=False):
        here = oig[oig["state"] == state]
        target, method = hand.apply(name), "manual"
        if target is not None:
            found = here.loc[here["agency"] == target, "agency"].tolist()
        else:
            found = []
            for tier, position in (("name", 0), ("loose_name", 1)):
                key = name_keys(name, state)[position]
                found = [a for a in here["agency"] if name_keys(a, state)[position] == key]
                if found:
                    method = tier
                    break
        if len(found) == 1:
            out.append({"state": state, "stats_name": name, "oig_name": found[0], "pair_method": method})
    return pd.DataFrame(out, columns=["state", "stats_name", "oig_name", "pair_method"])


def groups(stats_links: pd.DataFrame, oig_links: pd.DataFrame, pairs: pd.DataFrame) -> dict[tuple, tuple]:
    """Each source row ('stats'|'oig', state, name) -> the root of its agency: rows paired or linked to one agency are one."""
    parent: dict[tuple, tuple] = {}

    def root(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    def join(a: tuple, b: tuple) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)  # ordered, so the same inputs give the same roots

    for kind, links in (("stats", stats_links), ("oig", oig_links)):
        for row in links.itertuples(index=False):
            root((kind, row.state, row.agency_name))
            if isinstance(row.agency_id, str):
                join((kind, row.state, row.agency_name), ("archive", row.state, row.agency_id))
    for row in pairs.itertuples(index=False):
        join(("stats", row.state, row.stats_name), ("oig", row.state, row.oig_name))
    return {node: root(node) for node in list(parent) if node[0] != "archive"}


def joined(values) -> str | None:
    kept = sorted({v for v in values if isinstance(v, str) and v})
    return "; ".join(kept) if kept else None


def early_agencies(
    stats: pd.DataFrame, stats_links: pd.DataFrame, oig: pd.DataFrame, oig_links: pd.DataFrame,
    pairs: pd.DataFrame, agencies: pd.DataFrame | None,
) -> tuple[pd.DataFrame, list[dict]]:  # fmt: skip
    """The early_agencies table and its checks, from the statistics by agency (long), the report's rows and their links."""
    archive = agencies.set_index("agency_id") if agencies is not None else pd.DataFrame(columns=["agency_name", "county"])
    members: dict[tuple, list[tuple]] = {}
    for node, top in groups(stats_links, oig_links, pairs).items():
        members.setdefault(top, []).append(node)
    methods = {("stats", r.state, r.agency_name): r.link_method for r in stats_links.itertuples(index=False)}
    methods |= {("oig", r.state, r.agency_name): r.link_method for r in oig_links.itertuples(index=False)}
    rows, qa = [], []
    for top, nodes in sorted(members.items()):
        state = top[1]
        oig_rows = oig[oig["state"].eq(state) & oig["agency"].isin([n[2] for n in nodes if n[0] == "oig"])]
        stat_rows = stats[stats["state"].eq(state) & stats["agency_name"].isin([n[2] for n in nodes if n[0] == "stats"])]
        names = sorted(oig_rows["agency"]) + [display_name(n, state) for n in sorted(stat_rows["agency_name"].unique())]
        if top[0] == "archive":
            found, method = top[2], joined(methods.get(n) for n in nodes)
        else:
            found, method = None, NEW_ID
        reported = stat_rows[stat_rows["identified"].notna() | stat_rows["removed"].notna()]
        county = archive.at[found, "county"] if found in archive.index and "county" in archive.columns else None
        if not isinstance(county, str) and COUNTY_RE.match(names[0]):
            county = COUNTY_RE.match(names[0]).group(1)
        sources = [(r.source, r.source_url) for r in oig_rows.itertuples(index=False)]
        sources += sorted(set(zip(stat_rows["source"], stat_rows["source_url"].fillna(""))))
        sources = list(dict.fromkeys((s, u) for s, u in sources if isinstance(s, str) and s))
        rows.append({
            "agency_id": found, "agency_name": names[0], "state": state, "county": county, "in_archive": found is not None,
            "oig_model": joined(oig_rows["model"]), "oig_signed": joined(oig_rows["date_signed_original"]),
            "oig_status": joined(oig_rows["status"]), "oig_as_of": joined(oig_rows["as_of"]),
            "removed_total": int(stat_rows["removed"].sum()) if stat_rows["removed"].notna().any() else None,
            "first_fiscal_year": int(reported["fiscal_year"].min()) if len(reported) else None,
            "last_fiscal_year": int(reported["fiscal_year"].max()) if len(reported) else None,
            # A publication's own title can hold '; ', so the titles are one a line, beside their addresses.
            "sources": "\n".join(s for s, _ in sources),
            "source_urls": [u if isinstance(u, str) else "" for _, u in sources],
            "statistics_names": sorted(stat_rows["agency_name"].unique()),
            "link_method": method,
        })  # fmt: skip
        if len(oig_rows) > 1 or stat_rows["agency_name"].nunique() > 1:
            qa.append(check("early_agency_several_source_names", f"{state}: {names[0]}", "; ".join(names), "reviewed", "info"))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame, qa
    qa += new_ids(frame, set(archive.index))
    return frame.sort_values("agency_id", kind="stable").reset_index(drop=True), qa + reconcile(frame, stats, oig, members)


def new_ids(frame: pd.DataFrame, taken: set[str]) -> list[dict]:
    """Fill agency_id for the agencies known only before 2021, in place: `<STATE>-<slug>`, hashed when the plain id is taken."""
    qa = []
    used = set(taken) | set(frame["agency_id"].dropna())
    for i in frame.index[frame["agency_id"].isna()]:
        state, name = frame.at[i, "state"], frame.at[i, "agency_name"]
        made = agency_id(state, name)
        if made in used:
            made = agency_id(state, name, hashed=True)
            qa.append(check("early_agency_id_disambiguated", f"{state}: {name}", made, "an id of its own", "warn"))
        frame.at[i, "agency_id"] = made
        used.add(made)
    clash = sorted(set(frame.loc[~frame["in_archive"], "agency_id"]) & set(taken))
    doubled = int(frame["agency_id"].duplicated().sum())
    qa.append(check("early_agency_ids_distinct_from_archive", "early_agencies.parquet", len(clash), 0, "fail" if clash else "pass"))
    qa.append(check("early_agency_ids_unique", "early_agencies.parquet", doubled, 0, "fail" if doubled else "pass"))
    return qa


def reconcile(frame: pd.DataFrame, stats: pd.DataFrame, oig: pd.DataFrame, members: dict) -> list[dict]:
    """Every report row and every agency of the statistics is in exactly one early agency, and the removals add up."""
    placed = [n for nodes in members.values() for n in nodes]
    qa = []
    for kind, label, expected in (
        ("oig", "OIG-10-63 Appendix E rows", len(oig)),
        ("stats", "statistics by agency: agencies", len(stats[["agency_name", "state"]].drop_duplicates())),
    ):
        found = sum(1 for n in placed if n[0] == kind)
        qa.append(check("early_agencies_sources_accounted", label, found, expected, "pass" if found == expected else "fail"))
    total, expected = int(frame["removed_total"].fillna(0).sum()), int(stats["removed"].fillna(0).sum())
    qa.append(check("early_agencies_removed_total", "statistics by agency", total, expected, "pass" if total == expected else "fail"))
    qa.append(check("early_agencies_in_archive", "early_agencies.parquet", int(frame["in_archive"].sum()), len(frame), "info"))
    return qa
