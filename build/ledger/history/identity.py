"""Resolves agencies: each printed (state, agency name) spelling's agency_id, by the exact, typo and alias tiers.

Names are compared by their key (names.name_key); look-alikes that no tier joined are
returned for history_review.csv with the reason they were left apart.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..common.fixes import FixTable
from ..common.qa import check
from .contract import REVIEW_COLUMNS
from .names import county_key, deletions, edits, name_key, numbers, one_word_more, slug
from .rules import COUNTY_EDITS, TYPO_EDITS, TYPO_EDITS_WITH_SHARED_AGREEMENT


class Clusters:
    """Union-find over name keys that refuses to join two groups ever printed in the same list."""

    def __init__(self, keys: list[tuple[str, str]], lists: dict[tuple[str, str], frozenset]):
        self.parent = {k: k for k in keys}
        self.lists = {k: set(lists[k]) for k in keys}

    def find(self, key):
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def listed_together(self, a, b) -> int:
        return len(self.lists[self.find(a)] & self.lists[self.find(b)])

    def join(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self.lists[ra] & self.lists[rb]:
            return False
        winner, loser = min(ra, rb), max(ra, rb)
        self.parent[loser] = winner
        self.lists[winner] |= self.lists.pop(loser)
        return True


def name_candidates(keys_by_state: dict[str, list[str]]) -> set[tuple[str, str, str]]:
    """Pairs of names in one state that may be look-alikes: a letter or two apart, one word apart, or one word more."""
    pairs: set[tuple[str, str, str]] = set()
    for state, keys in keys_by_state.items():
        buckets: dict[str, set[str]] = defaultdict(set)
        known = set(keys)
        for key in keys:
            for variant in deletions(key, 1):
                buckets["D:" + variant].add(key)
            words = key.split()
            for i, word in enumerate(words):
                head, tail = " ".join(words[:i]), " ".join(words[i + 1 :])
                # Two deletions on a short word would pair every short county name with every other.
                for variant in deletions(word, 2 if len(word) > 4 else 1):
                    buckets[f"W:{head}|{variant}|{tail}"].add(key)
                shorter = " ".join(words[:i] + words[i + 1 :])
                if shorter in known:
                    pairs.add((state, *sorted((shorter, key))))
        for members in buckets.values():
            if len(members) > 1:
                members = sorted(members)
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        pairs.add((state, a, b))
    return pairs


def resolve_agencies(rows: pd.DataFrame, aliases: FixTable) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int], list[dict]]:
    """Each printed (state, agency) spelling's agency_id, the look-alikes left apart, merges per tier, and qa rows."""
    spellings = (
        rows.groupby(["state", "agency_name"], sort=True)
        .agg(days=("day", "nunique"), last_seen=("published_at", "max"))
        .reset_index()
    )
    spellings["name_key"] = spellings["agency_name"].map(name_key)
    keyed = rows[["state", "agency_name", "list_index", "list_kind", "support_type", "signed", "county"]].merge(
        spellings[["state", "agency_name", "name_key"]], on=["state", "agency_name"]
    )
    groups = keyed.groupby(["state", "name_key"], sort=True)
    lists = {k: frozenset(v) for k, v in groups["list_index"].unique().items()}
    counties = {k: {c for c in map(county_key, v) if c} for k, v in groups["county"].unique().items()}
    participating = keyed[keyed["list_kind"] == "participating"]
    signed_pairs = {
        k: set(zip(v["support_type"], v["signed"]))
        for k, v in participating.drop_duplicates(["state", "name_key", "support_type", "signed"]).groupby(["state", "name_key"])
    }
    models = {k: set(v) for k, v in groups["support_type"].unique().items()}
    keys = sorted(lists)
    clusters = Clusters(keys, lists)
    keys_by_state: dict[str, list[str]] = defaultdict(list)
    for state, key in keys:
        keys_by_state[state].append(key)

    def counties_agree(a, b) -> bool:
        ca, cb = counties[a], counties[b]
        return not ca or not cb or any(edits(x, y, COUNTY_EDITS) <= COUNTY_EDITS for x in ca for y in cb)

    candidates = []
    for state, a, b in name_candidates(keys_by_state):
        distance = edits(a, b, 3)
        if distance > TYPO_EDITS_WITH_SHARED_AGREEMENT and not one_word_more(a, b):
            continue
        A, B = (state, a), (state, b)
        shared = bool(signed_pairs.get(A, set()) & signed_pairs.get(B, set()))
        candidates.append((distance, not shared, state, a, b, shared))
    review, typo_merges = [], 0
    for distance, _, state, a, b, shared in sorted(candidates):
        A, B = (state, a), (state, b)
        why = None
        if numbers(a) != numbers(b):
            why = "different numbers"
        elif not counties_agree(A, B):
            why = "different counties"
        elif distance > TYPO_EDITS_WITH_SHARED_AGREEMENT or (distance > TYPO_EDITS and not shared):
            why = f"{edits(a, b, 99)} edits apart" + ("" if shared else ", no signed agreement in common")
        elif not models[A] & models[B]:
            why = "no support model in common"
        if why is None and clusters.join(A, B):
            typo_merges += 1
            continue
        together = clusters.listed_together(A, B)
        # Names ICE printed side by side are two agencies: only a one-letter pair is worth a look.
        if together and (distance > TYPO_EDITS or numbers(a) != numbers(b)):
            continue
        review.append(
            {"what": "agency name", "state": state, "first": a, "second": b, "edits": edits(a, b, 99),
             "listed_together": together, "first_lists": len(lists[A]), "second_lists": len(lists[B]),
             "why_not_merged": "listed together" if together else why}
        )  # fmt: skip

    # The alias table comes last: it is a reviewed decision, so it may join what the rules would not,
    # but never two names printed in one list (that would merge two rows of one list into one agreement).
    qa: list[dict] = []
    renamed: list[tuple[tuple[str, str], str]] = []
    for state, key in keys:
        right = aliases.apply(f"{state}|{key}")
        if right is None:
            continue
        target = (state, name_key(right))
        if target in clusters.parent and not clusters.join(target, (state, key)) and clusters.find(target) != clusters.find((state, key)):
            qa.append(check("alias_joins_names_listed_together", f"{state}: {key}", "listed together", "never listed together", "fail"))
            continue
        renamed.append(((state, key), right))
    for wrong in aliases.unused():
        qa.append(check("fix_unused", f"agency_aliases.csv: {wrong}", "matched no value", "matches a value", "warn"))
    alias_names = {clusters.find(key): right for key, right in renamed}

    spellings["root"] = [clusters.find((s, k)) for s, k in zip(spellings["state"], spellings["name_key"])]
    ranked = spellings.sort_values(["root", "days", "last_seen", "agency_name"], ascending=[True, False, False, True])
    canonical = ranked.drop_duplicates("root").set_index("root")["agency_name"].to_dict()
    canonical.update(alias_names)
    spellings["canonical_name"] = spellings["root"].map(canonical)
    spellings["agency_id"] = spellings["state"] + "-" + spellings["canonical_name"].map(slug)
    key_roots = {k: clusters.find(k) for k in keys}
    root_tiers: dict[tuple[str, str], set] = defaultdict(set)
    for k, root in key_roots.items():
        if k != root:
            root_tiers[root].add("typo")
    for root in alias_names:
        root_tiers[root].add("alias")
    for root, names in spellings.groupby("root")["agency_name"]:
        if len(names) > 1:
            root_tiers[root].add("exact")
    spellings["identity"] = spellings["root"].map(lambda r: ",".join(sorted(root_tiers.get(r, set()))) or "exact")

    review = pd.DataFrame(review, columns=REVIEW_COLUMNS)
    if not review.empty:
        # A pair that ended up in one agency through other names is no longer a look-alike left apart.
        merged = [key_roots[(s, a)] == key_roots[(s, b)] for s, a, b in zip(review["state"], review["first"], review["second"])]
        review = review[~np.array(merged, dtype=bool)]
    tiers = {"exact": int(len(spellings) - len(keys)), "typo": typo_merges, "alias": len(renamed)}
    return spellings[["state", "agency_name", "name_key", "canonical_name", "agency_id", "identity"]], review, tiers, qa
