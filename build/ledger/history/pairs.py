"""The same-list end-and-add check: every end and addition on one list of one state, county and model is merged or reviewed.

Such a pair is what a relabel, a fold, a wrong state or a corrected date looks like when the
identity rules miss it: the change log tells one agreement as two. A pair the rules leave is
either a real coincidence (one agreement ended, another began) written in
data/manual/distinct_agreements.csv with its reason and source, or a miss. An unreviewed pair
with the county known on both sides fails (a miss puts a false end and a false addition on the
home page and in the feeds); one with a county unknown warns, as it is weaker evidence.

An end is the `dropped` change in the list where the agreement disappeared; before that change
type existed it was the back-dated `ended` change, recorded in the same list. Only the
participating list is paired: the pending list swings by design and gets no drops.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..common.distinct import map_distinct
from ..common.errors import LedgerError
from ..common.fixes import read_manual
from ..common.qa import check
from .names import county_key, name_key
from .relabels import counties_match, county_of_name

DISTINCT_COLUMNS = ["ended_agreement_id", "added_agreement_id", "reason", "source", "reviewed"]
PAIR_COLUMNS = ["publication_id", "published_at", "state", "support_type", "county", "county_known", "ended_agreement_id", "added_agreement_id", "crowded"]
# Ends times additions of one list, state and model beyond which the pairs are not told one by one.
# The archive's largest group is 19 (2025-03-06, Florida: one agreement ended, 19 police departments
# added); a list that drops or adds hundreds at once (a truncated or generated list) would make
# their product, and one check row each. Such a group is one warning, naming its counts.
PAIR_GROUP_CAP = 100


def load_distinct(path: Path) -> pd.DataFrame:
    """data/manual/distinct_agreements.csv: reviewed pairs that are two agreements, keyed on the two ids."""
    if not path.exists():
        return pd.DataFrame(columns=DISTINCT_COLUMNS)
    frame = read_manual(path, DISTINCT_COLUMNS, "the reviewed pairs table")
    for line, row in enumerate(frame.to_dict("records"), start=2):
        if not row["ended_agreement_id"].strip() or not row["added_agreement_id"].strip() or not row["reason"].strip():
            raise LedgerError(path, f"line {line}: a reviewed pair needs both agreement ids and a reason")
    if frame.duplicated(["ended_agreement_id", "added_agreement_id"]).any():
        raise LedgerError(path, "a pair is listed twice")
    return frame[DISTINCT_COLUMNS]


def same_list_pairs(agreements: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Each (end, addition) on one participating list with the same state and model and a county that does not differ.

    The county is the agreement's county column, else the county its name states ('Gulf County
    Board of County Commissioners'); a pair where either is unknown is kept, as the county
    cannot tell it apart.
    """
    participating = changes[changes["list_kind"] == "participating"]
    end_word = "dropped" if (changes["change"] == "dropped").any() else "ended"
    known = agreements.set_index("agreement_id")
    county = map_distinct(known["county"], county_key)
    county = county.where(county.notna(), map_distinct(known["agency_name"].map(name_key), county_of_name))
    key = ["publication_id", "published_at", "state", "support_type"]
    ends = participating.loc[participating["change"] == end_word, key + ["agreement_id"]]
    adds = participating.loc[participating["change"] == "added", key + ["agreement_id"]]
    pairs = ends.merge(adds, on=key, suffixes=("_ended", "_added"))
    pairs = pairs.rename(columns={"agreement_id_ended": "ended_agreement_id", "agreement_id_added": "added_agreement_id"})
    pairs = pairs[pairs["ended_agreement_id"] != pairs["added_agreement_id"]]
    # A county neither printed nor in the name is unknown (None), never a NaN that reads as a county.
    # (A dict, as Series.map would turn None back into NaN, which is true.)
    lookup = {i: c if isinstance(c, str) and c else None for i, c in zip(county.index, county)}
    a = np.array([lookup.get(i) for i in pairs["ended_agreement_id"]], dtype=object)
    b = np.array([lookup.get(i) for i in pairs["added_agreement_id"]], dtype=object)
    same = np.array([counties_match(x, y) is not False for x, y in zip(a, b)], dtype=bool)
    pairs = pairs[same].assign(county=[x or y for x, y in zip(a[same], b[same])], county_known=[bool(x and y) for x, y in zip(a[same], b[same])])
    pairs["crowded"] = pairs.groupby(key)["ended_agreement_id"].transform("size") > PAIR_GROUP_CAP
    return pairs.sort_values(PAIR_COLUMNS[:2] + ["ended_agreement_id", "added_agreement_id"]).reset_index(drop=True)[PAIR_COLUMNS]


def pair_checks(pairs: pd.DataFrame, distinct: pd.DataFrame) -> list[dict]:
    """One fail row per unreviewed pair, a warn per reviewed pair no longer found, and the count."""
    reviewed = set(zip(distinct["ended_agreement_id"], distinct["added_agreement_id"]))
    found = set(zip(pairs["ended_agreement_id"], pairs["added_agreement_id"]))
    qa = []
    open_pairs, worst = 0, "pass"
    crowded = pairs[pairs["crowded"]]
    for (publication_id, state, model), group in crowded.groupby(["publication_id", "state", "support_type"], sort=True):
        qa.append(check("same_list_end_and_add_crowded", f"{publication_id}: {state}, {model}",
                        f"{group['ended_agreement_id'].nunique()} ended, {group['added_agreement_id'].nunique()} added",
                        f"at most {PAIR_GROUP_CAP} pairs to review one by one", "warn"))  # fmt: skip
        worst = "fail" if worst == "fail" else "warn"
    for row in pairs[~pairs["crowded"]].itertuples(index=False):
        if (row.ended_agreement_id, row.added_agreement_id) in reviewed:
            continue
        open_pairs += 1
        # One county named on both sides is the relabel's signature, and a miss is a false end and addition on
        # the site: it fails. With a county unknown the pair is weaker evidence (on 2025-03-06 one ended agreement
        # met 19 new police departments with no county), so it warns and is printed for review.
        severity = "fail" if row.county_known else "warn"
        worst = "fail" if severity == "fail" else worst if worst == "fail" else "warn"
        subject = f"{row.publication_id}: {row.ended_agreement_id} ended, {row.added_agreement_id} added"
        qa.append(check("same_list_end_and_add_unreviewed", subject, f"{row.state}, {row.county or 'county unknown'}, {row.support_type}",
                        "merged, or listed in distinct_agreements.csv", severity))  # fmt: skip
    for ended, added in sorted(reviewed - found):
        qa.append(check("fix_unused", f"distinct_agreements.csv: {ended} / {added}", "matched no pair", "matches a pair", "warn"))
    qa.append(check("same_list_end_and_add_pairs_reviewed", "all lists", open_pairs, 0, worst))
    told = len(pairs) - len(crowded)
    qa.append(check("same_list_end_and_add_pairs", "all lists", f"{told} pair(s), {told - open_pairs} reviewed as distinct, {len(crowded)} in crowded lists", "counted", "info"))
    return qa
