"""Resolves agencies: each printed (state, agency name) spelling's agency_id, by the exact, typo and alias tiers.

Names are compared by their key (names.name_key); look-alikes that no tier joined are
returned for history_review.csv with the reason they were left apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from ..common.fixes import FixTable
from ..common.qa import check
from .contract import REVIEW_COLUMNS
from .names import county_key, edits, name_key, numbers, one_word_more, shared_deletions, slug
from .rules import (BLOCKING_CAP, COUNTY_EDITS, LOOK_ALIKE_MAX_CHARS, TWO_DELETIONS_MAX_WORD, TYPO_EDITS,
                    TYPO_EDITS_WITH_SHARED_AGREEMENT)  # fmt: skip


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

    def join_reviewed(self, a, b, models: dict) -> bool:
        """A reviewed join (the alias table): refused only when the two groups print one model in one list."""
        ra, rb = self.find(a), self.find(b)
        members = defaultdict(set)
        for key in self.parent:
            root = self.find(key)
            if root in (ra, rb):
                members[root] |= models.get(key, set())
        if members[ra] & members[rb]:
            return False
        winner, loser = min(ra, rb), max(ra, rb)
        self.parent[loser] = winner
        self.lists[winner] |= self.lists.pop(loser)
        return True


def name_candidates(keys_by_state: dict[str, list[str]]) -> tuple[set[tuple[str, str, str]], list[dict]]:
    """Pairs of names in one state that may be look-alikes: a letter or two apart, one word apart, or one word more.

    Names are blocked by shared deletion variants, and a name with more than BLOCKING_CAP
    look-alikes is paired with none (it is one of a pattern, not a typo), so the pairs are at
    most BLOCKING_CAP / 2 a name. What was set aside is returned as qa rows.
    """
    pairs: set[tuple[str, str, str]] = set()
    qa: list[dict] = []
    for state, keys in keys_by_state.items():
        known = set(keys)
        compared = [key for key in keys if len(key) <= LOOK_ALIKE_MAX_CHARS]
        rests: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for key in compared:
            words = key.split()
            for i, word in enumerate(words):
                # Names alike but for this word share the rest of the name: only they are compared on it.
                rests[" ".join(words[:i]) + "|" + " ".join(words[i + 1 :])].append((word, key))
                shorter = " ".join(words[:i] + words[i + 1 :])
                if shorter in known:
                    pairs.add((state, *sorted((shorter, key))))
        groups, skipped = shared_deletions([(key, key) for key in compared], lambda _: 1, BLOCKING_CAP + 1)
        for members in rests.values():
            if len(members) > 1:
                # Two deletions on a short word would pair every short county name with every other.
                more, over = shared_deletions(members, lambda word: 2 if 4 < len(word) <= TWO_DELETIONS_MAX_WORD else 1, BLOCKING_CAP + 1)
                groups += more
                skipped += over
        partners, crowded = capped_partners(groups, BLOCKING_CAP)
        for a, others in partners.items():
            pairs.update((state, a, b) for b in others if a < b and b not in crowded)
        if crowded or skipped:
            qa.append(check("look_alike_names_not_paired", state, f"{len(crowded)} name(s); {len(skipped)} group(s) of over {BLOCKING_CAP + 1}",
                            f"at most {BLOCKING_CAP} look-alikes a name", "warn"))  # fmt: skip
        if len(compared) < len(keys):
            qa.append(check("names_too_long_to_compare", state, len(keys) - len(compared), f"at most {LOOK_ALIKE_MAX_CHARS} characters", "warn"))
    return pairs, qa


def capped_partners(groups: list[set[str]], cap: int) -> tuple[dict[str, set[str]], set[str]]:
    """Each name's look-alikes over all its groups, and the names with more than `cap` (their sets dropped).

    A name is given up as soon as it passes the cap, so a crowd costs about the cap per name,
    not the crowd's size.
    """
    partners: dict[str, set[str]] = defaultdict(set)
    crowded: set[str] = set()
    for members in {frozenset(g) for g in groups}:
        for name in members:
            if name in crowded:
                continue
            found = partners[name]
            found.update(members)
            if len(found) - 1 > cap:
                crowded.add(name)
                del partners[name]
    return {name: found - {name} for name, found in partners.items()}, crowded


def values_by_name(keyed: pd.DataFrame, *columns: str) -> dict[tuple[str, str], set]:
    """Each (state, name key)'s distinct values of a column, or of several as tuples (missing values kept)."""
    found: dict[tuple[str, str], set] = defaultdict(set)
    distinct = keyed[["state", "name_key", *columns]].drop_duplicates()
    values = zip(*(distinct[c] for c in columns)) if len(columns) > 1 else distinct[columns[0]]
    for state, key, value in zip(distinct["state"], distinct["name_key"], values):
        found[(state, key)].add(value)
    return found


def agency_ids(spellings: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """<STATE>-<slug> for each canonical name, one id per name: a later name whose slug is taken gets its hash.

    Two names can make one slug ('A & B' and 'A B', or two hostile names alike in their first
    hundred characters and one hash). The name seen first keeps the plain slug, so an id does
    not change when a look-alike appears later.
    """
    names = spellings.groupby(["state", "canonical_name"], sort=True)["first_seen"].min().reset_index()
    names["agency_id"] = names["state"] + "-" + names["canonical_name"].map(slug)
    names = names.sort_values(["agency_id", "first_seen", "canonical_name"]).reset_index(drop=True)
    taken = names["agency_id"].duplicated()
    qa = []
    for i in np.flatnonzero(taken.to_numpy()):
        state, name = names.at[i, "state"], names.at[i, "canonical_name"]
        names.at[i, "agency_id"] = f"{state}-{slug(name, hashed=True)}"
        qa.append(check("agency_id_disambiguated", f"{state}: {name}", names.at[i, "agency_id"], "a slug of its own", "warn"))
    clashes = int(names["agency_id"].duplicated().sum())
    qa.append(check("agency_ids_one_per_name", "all agencies", clashes, 0, "pass" if clashes == 0 else "fail"))
    return names[["state", "canonical_name", "agency_id"]], qa


def resolve_agencies(rows: pd.DataFrame, aliases: FixTable) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int], list[dict]]:
    """Each printed (state, agency) spelling's agency_id, the look-alikes left apart, merges per tier, and qa rows."""
    spellings = (
        rows.groupby(["state", "agency_name"], sort=True)
        .agg(days=("day", "nunique"), first_seen=("published_at", "min"), last_seen=("published_at", "max"))
        .reset_index()
    )
    spellings["name_key"] = spellings["agency_name"].map(name_key)
    keyed = rows[["state", "agency_name", "list_index", "list_kind", "support_type", "signed", "county"]].merge(
        spellings[["state", "agency_name", "name_key"]], on=["state", "agency_name"]
    )
    # Sets per name built in one pass over the distinct values: a groupby's per-group unique()
    # costs a millisecond a name, which is seconds on a list of ten thousand names.
    lists = {k: frozenset(v) for k, v in values_by_name(keyed, "list_index").items()}
    county_keys: dict = {}

    def county_of(county) -> str | None:
        if county not in county_keys:
            county_keys[county] = county_key(county)
        return county_keys[county]

    counties = {k: {c for c in map(county_of, v) if c} for k, v in values_by_name(keyed, "county").items()}
    participating = keyed[keyed["list_kind"] == "participating"]
    signed_pairs = values_by_name(participating, "support_type", "signed")
    models = values_by_name(keyed, "support_type")
    keys = sorted(lists)
    clusters = Clusters(keys, lists)
    keys_by_state: dict[str, list[str]] = defaultdict(list)
    for state, key in keys:
        keys_by_state[state].append(key)

    def counties_agree(a, b) -> bool:
        ca, cb = counties[a], counties[b]
        return not ca or not cb or any(edits(x, y, COUNTY_EDITS) <= COUNTY_EDITS for x in ca for y in cb)

    candidates = []
    pairs, qa = name_candidates(keys_by_state)
    for state, a, b in pairs:
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

    # The same words in another order ('X State Patrol', 'State Patrol, X') name one agency, when never listed together.
    by_words: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for state, key in keys:
        if len(key.split()) > 1:
            by_words[(state, " ".join(sorted(key.split())))].append((state, key))
    reordered = 0
    for group in by_words.values():
        for other in group[1:]:
            if counties_agree(group[0], other) and clusters.join(group[0], other):
                reordered += 1

    # The alias table comes last: it is a reviewed decision, so it may join what the rules would not,
    # even two names printed in one list for different models (ICE printing one agreement of an
    # agency under a variant of its name, beside its other agreements), but never two names that
    # print one model in one list: that would merge two rows of one list into one agreement.
    renamed: list[tuple[tuple[str, str], str]] = []
    models: dict = {}  # each name's (list, model) pairs, made only if a reviewed join needs them (a pass over every row)
    for state, key in keys:
        right = aliases.apply(f"{state}|{key}")
        if right is None:
            continue
        target = (state, name_key(right))
        if target in clusters.parent and not clusters.join(target, (state, key)) and clusters.find(target) != clusters.find((state, key)):
            models = models or values_by_name(keyed, "list_index", "support_type")
            if not clusters.join_reviewed(target, (state, key), models):
                qa.append(check("alias_joins_names_listed_together", f"{state}: {key}", "one model in one list", "never one model in one list", "fail"))
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
    ids, id_qa = agency_ids(spellings)
    spellings = spellings.merge(ids, on=["state", "canonical_name"], how="left")
    qa += id_qa
    key_roots = {k: clusters.find(k) for k in keys}
    root_tiers: dict[tuple[str, str], set] = defaultdict(set)
    for k, root in key_roots.items():
        if k != root:
            root_tiers[root].add("typo")
    for root in alias_names:
        root_tiers[root].add("alias")
    for group in by_words.values():
        if any(clusters.find(other) == clusters.find(group[0]) for other in group[1:]):
            root_tiers[clusters.find(group[0])].add("word order")
    for root, count in Counter(spellings["root"]).items():
        if count > 1:
            root_tiers[root].add("exact")
    spellings["identity"] = spellings["root"].map(lambda r: ",".join(sorted(root_tiers.get(r, set()))) or "exact")

    review = pd.DataFrame(review, columns=REVIEW_COLUMNS)
    if not review.empty:
        # A pair that ended up in one agency through other names is no longer a look-alike left apart.
        merged = [key_roots[(s, a)] == key_roots[(s, b)] for s, a, b in zip(review["state"], review["first"], review["second"])]
        review = review[~np.array(merged, dtype=bool)]
    tiers = {"exact": int(len(spellings) - len(keys)), "typo": typo_merges, "word order": reordered, "alias": len(renamed)}
    return spellings[["state", "agency_name", "name_key", "canonical_name", "agency_id", "identity"]], review, tiers, qa
