"""Makes the agreement history: agencies.parquet, agreements.parquet, changes.parquet, history_review.csv and identity_tiers.csv in <data-dir>/build/, with its checks in build/qa/history.csv.

ICE's lists carry no identifiers, so identity is resolved from content, in tiers:

1. exact: the same agency name once case, spacing, punctuation, apostrophes, a few
   abbreviations (Dept., PD, DPS, BOCC, Ft., St., Twp., Pct.), Sheriff's / Sheriff Office /
   Sheriff's Department and a leading 'City of' are set aside (`name_key`);
2. typo: two names of one state one edit apart (or two edits apart when they also share a
   signed agreement of the same model and date) that ICE never printed in the same list,
   whose counties agree and whose numbers are the same;
3. redating: two signing dates of one agency and model that were never listed together,
   at most a year apart, and either within a month of each other or moved to a date
   already past while the old one was still printed (a correction, not a new signature);
4. alias: data/manual/agency_aliases.csv, hand-curated, keyed on the wrong spelling and state.
Look-alikes that no tier merged are written to history_review.csv instead, with possible
renames (an agreement ending as another agency's of the same model and date appears).
Every sheet row maps to exactly one agreement; duplicate rows in one list map to the same one.

Identifiers, derived from content and independent of the order of the inputs:
- agency_id = `<STATE>-<slug of the canonical name>`; the canonical name is the spelling
  listed on the most days (ties: the most recent, then alphabetical) unless the alias table
  names it.
- agreement_id = `<agency_id>-<jem|tfm|wso>-<YYYY-MM-DD>`, the signing date first printed
  for the agreement (later re-datings keep the id; `signed` holds the latest date printed).
- a pending request (the pending list prints no signing date) is
  `<agency_id>-<model>-pending-<YYYY-MM-DD of its first listing>`.

Statuses: participating agreements are `active`, `ended` (gone from ENDED_AFTER_LISTS
lists in a row) or `superseded` (renewed or replaced by a later agreement of the same agency
and model); pending requests are `pending` (still listed), `signed` (went on to appear on
the participating list) or `dropped` (left the pending list without being signed).
An empty list is no evidence that anything ended: it is skipped when absences are counted.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .common.qa import QA_COLUMNS, check
from .common.errors import LedgerError
from .common.fixes import FIX_COLUMNS, FixTable, manual_dir

MODEL_CODES = {"Jail Enforcement Model": "jem", "Task Force Model": "tfm", "Warrant Service Officer": "wso"}

# An agreement is ended once it is missing from this many non-empty lists in a row. In the
# archive the longest absence after which an agreement came back unchanged is 4 lists (the
# Florida Fish and Wildlife Conservation Commission and East Donegal Township, July 2025);
# the next longer one is 30 lists (Wyoming State Highway Patrol, reported as listed again
# after an end). 5 is the smallest number that reads every observed blip as a blip, and with
# two lists a weekday it still counts a real end within about three days.
ENDED_AFTER_LISTS = 5
# A re-dating moves a date by days or weeks; a date that moves by more is a new signature.
REDATE_MAX_DAYS = 365
REDATE_ANY_DAYS = 31
# A pending request is linked to an agreement signed after it first appeared and first
# listed within this many days of the request's last listing.
PENDING_LINK_DAYS = 120
TYPO_EDITS = 1
TYPO_EDITS_WITH_SHARED_AGREEMENT = 2
COUNTY_EDITS = 2

ABBREVIATIONS = {
    "DEPT": "DEPARTMENT", "SHERIFFS": "SHERIFF", "FT": "FORT", "ST": "SAINT", "TWP": "TOWNSHIP", "PCT": "PRECINCT",
    "PD": "POLICE DEPARTMENT", "DPS": "DEPARTMENT OF PUBLIC SAFETY", "BOCC": "BOARD OF COUNTY COMMISSIONERS",
}  # fmt: skip
# 'City of Tampa Police Department' and 'Tampa Police Department' are one department.
MUNICIPAL_PREFIXES = ("CITY OF ", "TOWN OF ", "VILLAGE OF ")
# How ICE marks a county it did not state (Excel's #N/A and friends).
MISSING_COUNTY_KEYS = {"", "NA", "N A", "NONE", "UNKNOWN"}
COUNTY_WORDS = {"COUNTY", "PARISH", "BOROUGH"}

AGREEMENT_STATUSES = {
    "active": "on the participating list, or missing from fewer lists in a row than counts as ended",
    "ended": f"gone from the participating list for {ENDED_AFTER_LISTS} lists or more, and not replaced",
    "superseded": "renewed or replaced by a later agreement of the same agency and model",
    "pending": "on the pending list (a request not yet signed)",
    "signed": "a pending request that went on to appear on the participating list",
    "dropped": "a pending request that left the pending list without being signed",
}
AGENCY_STATUSES = {
    "active": "has an active agreement",
    "pending": "no active agreement, a pending request",
    "ended": "had agreements, none active now",
    "dropped": "only ever on the pending list, and gone from it",
}
CHANGE_TYPES = ["added", "moved from pending to signed", "renewed", "model switch", "field changed", "ended"]
FIELDS = ["agency", "county", "agency_type", "signed", "moa_status", "moa_url"]
TIERS = {
    "exact": "printed spellings folded into one name by setting aside case, spacing, punctuation, apostrophes and abbreviations",
    "typo": "names joined as typos of one another",
    "redating": "signing dates joined as ICE's re-dating of one agreement",
    "alias": "names joined by the hand-curated alias table",
    "review": "look-alike names or dates left apart and written to the review file",
}
ALIAS_COLUMNS = ["state", *FIX_COLUMNS]

ROW_COLUMNS = [
    "publication_id", "kind", "published_at", "row_number", "state", "agency", "agency_type", "county",
    "support_type", "signed", "moa_url", "moa_status", "raw_county", "raw_agency_type", "raw_moa",
]  # fmt: skip
PUBLICATION_INPUT_COLUMNS = ["publication_id", "kind", "published_at", "rows_accepted"]
AGENCY_COLUMNS = [
    "agency_id", "name", "spellings", "state", "county", "agency_type", "first_listed", "last_listed",
    "status", "agreements", "identity",
]  # fmt: skip
AGREEMENT_COLUMNS = [
    "agreement_id", "kind", "agency_id", "agency", "state", "county", "support_type", "model", "signed",
    "signed_dates", "status", "first_listed", "first_publication_id", "last_listed", "last_publication_id",
    "first_absent", "first_absent_publication_id", "previous_agreement_id", "next_agreement_id",
    "moa_url", "lists", "blips", "publication_ids", "identity",
]  # fmt: skip
CHANGE_COLUMNS = [
    "publication_id", "kind", "published_at", "change", "agreement_id", "agency_id", "state", "agency",
    "support_type", "field", "old_value", "new_value", "previous_agreement_id", "detail",
]  # fmt: skip
REVIEW_COLUMNS = [
    "what", "state", "agency_id", "first", "second", "edits", "listed_together", "first_lists", "second_lists",
    "why_not_merged",
]  # fmt: skip


@dataclass
class HistoryResult:
    agencies: pd.DataFrame
    agreements: pd.DataFrame
    changes: pd.DataFrame
    review: pd.DataFrame
    qa: list[dict]
    tiers: dict[str, int]
    rows: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    seconds: float = 0.0


# ---------------------------------------------------------------- load inputs


def read_table(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        raise LedgerError(path, "not found: run `ledger ingest` first")
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise LedgerError(path, f"cannot be read as Parquet ({type(exc).__name__})") from None
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise LedgerError(path, f"lacks column(s) {', '.join(missing)}: re-run `ledger ingest`")
    return table[columns]


def load_aliases(path: Path) -> FixTable:
    """The alias table as a FixTable keyed on 'STATE|WRONG NAME KEY', so unused rows are reported like other fixes."""
    table = FixTable("agency_aliases", {})
    if not path.exists():
        return table
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise LedgerError(path, f"cannot be read as CSV ({type(exc).__name__})") from None
    missing = [c for c in ALIAS_COLUMNS if c not in frame.columns]
    if missing:
        raise LedgerError(path, f"alias table lacks column(s) {', '.join(missing)}")
    for line, row in enumerate(frame.to_dict("records"), start=2):
        state, wrong, right = row["state"].strip().upper(), row["wrong"].strip(), row["right"].strip()
        if not state or not wrong or not right:
            raise LedgerError(path, f"line {line}: an alias needs state, wrong and right")
        if not row["reason"].strip():
            raise LedgerError(path, f"line {line}: an alias needs a reason")
        key = f"{state}|{name_key(wrong)}"
        if key in table.mapping:
            raise LedgerError(path, f"line {line}: {wrong!r} ({state}) is listed twice")
        if name_key(wrong) == name_key(right):
            raise LedgerError(path, f"line {line}: {wrong!r} and {right!r} are already the same name")
        table.mapping[key] = right
    return table


def load_inputs(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, FixTable]:
    build = Path(data_dir) / "build"
    publications = read_table(build / "publications.parquet", PUBLICATION_INPUT_COLUMNS)
    rows = read_table(build / "sheet_rows.parquet", ROW_COLUMNS)
    aliases = load_aliases(manual_dir(data_dir) / "agency_aliases.csv")
    return publications, rows, aliases


# ---------------------------------------------------------------- names and keys


def name_key(name: object) -> str:
    """The exact tier: a name with case, spacing, punctuation, apostrophes and abbreviations set aside."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = text.replace("'", "").replace("&", " AND ")
    key = " ".join(ABBREVIATIONS.get(t, t) for t in re.sub(r"[^A-Z0-9]+", " ", text).split())
    # A county has one sheriff: ICE calls the same one an Office in one list and a Department in the next.
    key = key.replace("SHERIFF DEPARTMENT", "SHERIFF OFFICE")
    for prefix in MUNICIPAL_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def county_key(county: object) -> str | None:
    """A county as comparable text, or None where ICE left it blank or wrote #NA."""
    words = name_key(county).split()
    # 'County' is dropped however ICE spelt it ('Couny', 'Counry'): it says nothing about which county.
    if len(words) > 1 and any(edits(words[-1], word, 2) <= 2 for word in COUNTY_WORDS):
        words = words[:-1]
    key = " ".join(words)
    return None if key in MISSING_COUNTY_KEYS else key


def slug(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def edits(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (adjacent swaps count once), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def per_value(values: pd.Series, function) -> pd.Series:
    """Apply a function once per distinct value: the lists repeat the same few thousand values."""
    distinct = pd.unique(values.to_numpy(dtype=object))
    return values.map(dict(zip(distinct, map(function, distinct))))


def numbers(key: str) -> list[str]:
    return sorted(re.findall(r"\d+", key))


# ---------------------------------------------------------------- process: publications


def order_publications(publications: pd.DataFrame) -> pd.DataFrame:
    """Publications in order per kind, with `listing` counting only non-empty lists (an empty list is no evidence)."""
    pubs = publications.sort_values(["kind", "published_at", "publication_id"]).reset_index(drop=True)
    pubs["position"] = pubs.groupby("kind").cumcount()
    pubs["is_empty"] = pubs["rows_accepted"].fillna(0).astype(int) == 0
    listing = (~pubs["is_empty"]).astype(int).groupby(pubs["kind"]).cumsum() - 1
    pubs["listing"] = listing.where(~pubs["is_empty"], -1).astype(int)
    pubs["code"] = np.arange(len(pubs))
    return pubs


# ---------------------------------------------------------------- process: agencies


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


def deletions(text: str, most: int) -> set[str]:
    """Every string made by deleting up to `most` characters: strings sharing one are few edits apart."""
    found, frontier = {text}, {text}
    for _ in range(most):
        frontier = {t[:i] + t[i + 1 :] for t in frontier for i in range(len(t))}
        found |= frontier
    return found


def one_word_more(a: str, b: str) -> bool:
    """True when one name is the other with one more word (a state's name, an 'LA', a division's initials)."""
    wa, wb = a.split(), b.split()
    if abs(len(wa) - len(wb)) != 1:
        return False
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


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
        rows.groupby(["state", "agency"], sort=True)
        .agg(days=("day", "nunique"), last_seen=("published_at", "max"))
        .reset_index()
    )
    spellings["name_key"] = spellings["agency"].map(name_key)
    keyed = rows[["state", "agency", "code", "kind", "support_type", "signed", "county"]].merge(
        spellings[["state", "agency", "name_key"]], on=["state", "agency"]
    )
    groups = keyed.groupby(["state", "name_key"], sort=True)
    lists = {k: frozenset(v) for k, v in groups["code"].unique().items()}
    counties = {k: {c for c in map(county_key, v) if c} for k, v in groups["county"].unique().items()}
    participating = keyed[keyed["kind"] == "participating"]
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
    ranked = spellings.sort_values(["root", "days", "last_seen", "agency"], ascending=[True, False, False, True])
    canonical = ranked.drop_duplicates("root").set_index("root")["agency"].to_dict()
    canonical.update(alias_names)
    spellings["name"] = spellings["root"].map(canonical)
    spellings["agency_id"] = spellings["state"] + "-" + spellings["name"].map(slug)
    key_roots = {k: clusters.find(k) for k in keys}
    root_tiers: dict[tuple[str, str], set] = defaultdict(set)
    for k, root in key_roots.items():
        if k != root:
            root_tiers[root].add("typo")
    for root in alias_names:
        root_tiers[root].add("alias")
    for root, names in spellings.groupby("root")["agency"]:
        if len(names) > 1:
            root_tiers[root].add("exact")
    spellings["identity"] = spellings["root"].map(lambda r: ",".join(sorted(root_tiers.get(r, set()))) or "exact")

    review = pd.DataFrame(review, columns=REVIEW_COLUMNS)
    if not review.empty:
        # A pair that ended up in one agency through other names is no longer a look-alike left apart.
        merged = [key_roots[(s, a)] == key_roots[(s, b)] for s, a, b in zip(review["state"], review["first"], review["second"])]
        review = review[~np.array(merged, dtype=bool)]
    tiers = {"exact": int(len(spellings) - len(keys)), "typo": typo_merges, "alias": len(renamed)}
    return spellings[["state", "agency", "name_key", "name", "agency_id", "identity"]], review, tiers, qa


# ---------------------------------------------------------------- process: agreements


def resolve_dates(keyed: pd.DataFrame, pubs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Join signing dates of one agency and model that are ICE's re-dating of one agreement.

    Returns (agency_id, support_type, signed) -> agreement date (the first printed), the date
    pairs judged new signatures for review, and the number of dates joined.
    """
    listed_at = pubs.set_index("code")["published_at"]
    listing_of = pubs.set_index("code")["listing"]
    dates = (
        keyed.groupby(["agency_id", "support_type", "signed"], sort=True)["code"].unique().reset_index()
    )
    dates["codes"] = dates["code"].map(lambda c: np.sort(np.asarray(c)))
    dates["first"] = [codes[0] for codes in dates["codes"]]
    dates = dates.sort_values(["agency_id", "support_type", "first", "signed"])
    mapping, review, joined = [], [], 0
    for (agency_id, model), group in dates.groupby(["agency_id", "support_type"], sort=True):
        if len(group) == 1:
            row = group.iloc[0]
            mapping.append((agency_id, model, row["signed"], row["signed"]))
            continue
        agreements: list[dict] = []
        for signed, codes in zip(group["signed"], group["codes"]):
            chosen = None
            first = codes[0]
            for agreement in agreements:
                if np.intersect1d(agreement["codes"], codes).size:
                    continue
                before = agreement["codes"][agreement["codes"] < first]
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
                         "edits": days, "listed_together": 0, "first_lists": len(agreement["codes"]), "second_lists": len(codes),
                         "why_not_merged": f"new date {signed} is after the last list printing {agreement['latest']} "
                         f"({listed_at[previous].date()}): read as a new signature"}
                    )  # fmt: skip
            if chosen is None:
                agreements.append({"date": signed, "latest": signed, "codes": codes})
                mapping.append((agency_id, model, signed, signed))
            else:
                agreement = chosen[0]
                agreement["codes"] = np.union1d(agreement["codes"], codes)
                agreement["latest"] = signed
                mapping.append((agency_id, model, signed, agreement["date"]))
                joined += 1
    mapping_frame = pd.DataFrame(mapping, columns=["agency_id", "support_type", "signed", "agreement_date"])
    return mapping_frame, pd.DataFrame(review, columns=REVIEW_COLUMNS), joined


def pending_requests(keyed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Split each agency's pending listings of one model into requests: a new one after an absence that counts as an end."""
    listing = pubs.set_index("code")["listing"]
    listed = keyed[["agency_id", "support_type", "code"]].drop_duplicates().copy()
    listed["listing"] = listed["code"].map(listing)
    listed = listed.sort_values(["agency_id", "support_type", "listing"])
    gap = listed.groupby(["agency_id", "support_type"])["listing"].diff()
    listed["request"] = (gap.isna() | (gap - 1 >= ENDED_AFTER_LISTS)).astype(int).groupby(
        [listed["agency_id"], listed["support_type"]]
    ).cumsum()
    return listed


def assign_agreements(rows: pd.DataFrame, spellings: pd.DataFrame, pubs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Every sheet row's agency_id and agreement_id, plus the signing dates left apart for review and dates joined."""
    out = rows.merge(spellings[["state", "agency", "agency_id", "name", "identity"]], on=["state", "agency"], how="left")
    out["model"] = out["support_type"].map(MODEL_CODES)
    participating = out["kind"] == "participating"
    dated = participating & out["signed"].notna()
    mapping, review, joined = resolve_dates(out[dated], pubs)
    out = out.merge(mapping, on=["agency_id", "support_type", "signed"], how="left")
    out["agreement_id"] = None
    dated = (out["kind"] == "participating") & out["signed"].notna()
    out.loc[dated, "agreement_id"] = (
        out.loc[dated, "agency_id"] + "-" + out.loc[dated, "model"] + "-" + out.loc[dated, "agreement_date"].map(str)
    )
    # A participating row without a signing date is kept as its own undated agreement, never dropped.
    undated = (out["kind"] == "participating") & out["signed"].isna()
    out.loc[undated, "agreement_id"] = out.loc[undated, "agency_id"] + "-" + out.loc[undated, "model"] + "-undated"
    pending = out["kind"] == "pending"
    if pending.any():
        requests = pending_requests(out[pending], pubs)
        listed_at = pubs.set_index("code")["published_at"]
        starts = requests.groupby(["agency_id", "support_type", "request"])["code"].min().map(listed_at)
        requests["start"] = [
            starts[(a, s, r)].strftime("%Y-%m-%d") for a, s, r in zip(requests["agency_id"], requests["support_type"], requests["request"])
        ]
        requests["pending_id"] = requests["agency_id"] + "-" + requests["support_type"].map(MODEL_CODES) + "-pending-" + requests["start"]
        out = out.merge(requests[["agency_id", "support_type", "code", "pending_id"]], on=["agency_id", "support_type", "code"], how="left")
        out.loc[out["kind"] == "pending", "agreement_id"] = out.loc[out["kind"] == "pending", "pending_id"]
        out = out.drop(columns="pending_id")
    out.loc[out["identity"].isna(), "identity"] = "exact"
    return out.drop(columns=["agreement_date"]), review, joined


# ---------------------------------------------------------------- process: listings, statuses, links


def listings_of(rows: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """One row per agreement per list that printed it, holding the values of its first row in that list."""
    first = rows.sort_values(["code", "row_number"]).drop_duplicates(["agreement_id", "code"])
    listed = first.merge(pubs[["code", "listing", "has_county", "has_agency_type", "has_moa"]], on="code")
    return listed.sort_values(["agreement_id", "listing"]).reset_index(drop=True)


def agreement_spans(listed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Per agreement: first and last listing, blips, whether it ended, and where the end window lies."""
    absent = listed.groupby("agreement_id")["listing"].diff().fillna(1) - 1
    listed = listed.assign(
        absent=absent,
        blip=((absent > 0) & (absent < ENDED_AFTER_LISTS)).astype(int),
        relist=(absent >= ENDED_AFTER_LISTS).astype(int),
    )
    spans = listed.groupby("agreement_id", sort=True).agg(
        kind=("kind", "first"),
        first_code=("code", "first"),
        last_code=("code", "last"),
        first_listing=("listing", "first"),
        last_listing=("listing", "last"),
        lists=("code", "size"),
        blips=("blip", "sum"),
        relisted=("relist", "sum"),
        publication_codes=("code", list),
    )
    last_listing = pubs[~pubs["is_empty"]].groupby("kind")["listing"].max()
    spans["after"] = spans["kind"].map(last_listing) - spans["last_listing"]
    spans["ended"] = spans["after"] >= ENDED_AFTER_LISTS
    by_listing = pubs[~pubs["is_empty"]].set_index(["kind", "listing"])["code"]
    spans["first_absent_code"] = [
        by_listing.get((k, l + 1), -1) for k, l in zip(spans["kind"], spans["last_listing"])
    ]
    return spans


def link_agreements(spans: pd.DataFrame, info: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """Renewals, model switches and pending requests signed: (previous, next, change) links between agreements."""
    at = pubs.set_index("code")["published_at"]
    table = spans[["kind", "first_code", "last_code", "first_listing", "last_listing", "ended"]].join(info)
    table["first_at"] = table["first_code"].map(at)
    table["last_at"] = table["last_code"].map(at)
    links: list[tuple[str, str, str]] = []
    taken_prev: set[str] = set()
    taken_next: set[str] = set()
    participating = table[table["kind"] == "participating"].sort_values(["first_at", "signed_first"])
    participating = participating.reset_index()
    listing_last = {a: l for a, l in zip(participating["agreement_id"], participating["last_listing"])}

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
    pending = table[table["kind"] == "pending"].sort_values(["first_at"]).reset_index()
    if not pending.empty:
        candidates = table[table["kind"] == "participating"].reset_index()
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


def possible_renames(agreements: pd.DataFrame) -> pd.DataFrame:
    """Review rows: an agreement that ended just as another agency's agreement of the same model and date appeared."""
    participating = agreements[agreements["kind"] == "participating"]
    ended = participating[participating["status"] == "ended"]
    dated = participating.explode("signed_dates")[["agreement_id", "agency_id", "agency", "state", "support_type", "signed_dates", "first_listed", "lists"]]
    pairs = ended.explode("signed_dates").merge(dated, on=["state", "support_type", "signed_dates"], suffixes=("", "_next"))
    pairs = pairs[
        (pairs["agency_id"] != pairs["agency_id_next"])
        & (pairs["first_listed_next"] > pairs["last_listed"])
        & (pairs["first_listed_next"] <= pairs["first_absent"])
    ].drop_duplicates(["agreement_id", "agreement_id_next"])
    # Many agreements share a signing date: keep a pair when it is the only one, or when the two
    # names begin with the same word (usually the place: Escambia, Okaloosa, Louisiana).
    alone = pairs.groupby("agreement_id")["agreement_id_next"].transform("size") == 1
    first_word = [name_key(a).split()[:1] == name_key(b).split()[:1] for a, b in zip(pairs["agency"], pairs["agency_next"])]
    pairs = pairs[alone.to_numpy() | np.array(first_word, dtype=bool)]
    return pd.DataFrame(
        {
            "what": "possible rename",
            "state": pairs["state"],
            "agency_id": pairs["agency_id"],
            "first": pairs["agency"],
            "second": pairs["agency_next"],
            "edits": [edits(name_key(a), name_key(b), 99) for a, b in zip(pairs["agency"], pairs["agency_next"])],
            "listed_together": 0,
            "first_lists": pairs["lists"],
            "second_lists": pairs["lists_next"],
            "why_not_merged": [
                f"{a} ({m}, signed {d}) ended on {e.date()} when {b} was first listed with the same model and date"
                for a, m, d, e, b in zip(pairs["agreement_id"], pairs["support_type"], pairs["signed_dates"], pairs["first_absent"], pairs["agreement_id_next"])
            ],
        },
        columns=REVIEW_COLUMNS,
    )


# ---------------------------------------------------------------- process: changes


def field_values(listed: pd.DataFrame) -> pd.DataFrame:
    """The values compared between an agreement's consecutive listings, as text, with what makes them comparable."""
    values = pd.DataFrame(index=listed.index)
    values["agency"] = listed["agency"]
    values["agency_cmp"] = per_value(listed["agency"], name_key)
    values["county"] = listed["county"]
    values["county_cmp"] = per_value(listed["county"], county_key)
    values["agency_type"] = listed["agency_type"]
    values["agency_type_cmp"] = listed["agency_type"]
    values["signed"] = per_value(listed["signed"], lambda d: None if d is None or d != d else str(d))
    values["signed_cmp"] = values["signed"]
    values["moa_status"] = listed["moa_status"]
    values["moa_status_cmp"] = listed["moa_status"]
    values["moa_url"] = listed["moa_url"]
    # Only a link replaced by another counts here; a link appearing or going is a moa_status change.
    values["moa_url_cmp"] = listed["moa_url"]
    return values


def field_changes(listed: pd.DataFrame) -> pd.DataFrame:
    """'field changed' rows: a value that differs from the agreement's previous listing, where both lists have the column."""
    values = field_values(listed)
    same_agreement = listed["agreement_id"].eq(listed["agreement_id"].shift())
    present = {
        "agency": pd.Series(True, index=listed.index),
        "county": listed["has_county"],
        "agency_type": listed["has_agency_type"],
        "signed": listed["kind"] == "participating",
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
                    "code": listed.loc[hit, "code"],
                    "agreement_id": listed.loc[hit, "agreement_id"],
                    "field": name,
                    "old_value": values[name].shift()[hit],
                    "new_value": values[name][hit],
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["code", "agreement_id", "field", "old_value", "new_value"])
    return pd.concat(frames, ignore_index=True)


def build_changes(spans: pd.DataFrame, links: pd.DataFrame, listed: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    """The change log: each agreement's appearance, end and field changes, in the publication where each was first seen."""
    # An agreement that is both a pending request signed and a renewal is two changes, told in two rows.
    starts = spans[["first_code"]].rename(columns={"first_code": "code"}).reset_index()
    starts = starts.merge(links.rename(columns={"next_agreement_id": "agreement_id"}), on="agreement_id", how="left")
    starts["change"] = starts["change"].fillna("added")
    starts["detail"] = ""
    # An agreement back after an absence long enough to count as an end is told as ended, then added again.
    absent = listed.groupby("agreement_id")["listing"].diff() - 1
    relisted = listed[absent >= ENDED_AFTER_LISTS]
    by_listing = pubs[~pubs["is_empty"]].set_index(["kind", "listing"])["code"]
    previous_listing = listed.groupby("agreement_id")["listing"].shift()[absent >= ENDED_AFTER_LISTS]
    again = pd.DataFrame(
        {
            "agreement_id": relisted["agreement_id"],
            "code": relisted["code"],
            "change": "added",
            "detail": [f"listed again after {int(a)} lists without it" for a in absent[absent >= ENDED_AFTER_LISTS]],
        }
    )
    gone = pd.DataFrame(
        {
            "agreement_id": relisted["agreement_id"],
            "code": [by_listing[(k, int(l) + 1)] for k, l in zip(relisted["kind"], previous_listing)],
            "change": "ended",
            "detail": "missing from the lists that followed; listed again later",
        }
    )
    ends = spans[spans["ended"] & ~spans.index.isin(links["previous_agreement_id"])]
    ended = pd.DataFrame({"agreement_id": ends.index, "code": ends["first_absent_code"].to_numpy(), "change": "ended", "detail": ""})
    fields = field_changes(listed)
    fields["change"] = "field changed"
    switches = starts["change"] == "model switch"
    model_of = listed.drop_duplicates("agreement_id").set_index("agreement_id")["support_type"]
    starts.loc[switches, "field"] = "support_type"
    starts.loc[switches, "old_value"] = starts.loc[switches, "previous_agreement_id"].map(model_of)
    starts.loc[switches, "new_value"] = starts.loc[switches, "agreement_id"].map(model_of)
    # The archive's first list is where everything then in force appears, not when it was added.
    first_lists = set(pubs[~pubs["is_empty"]].groupby("kind")["code"].min())
    starts.loc[starts["code"].isin(first_lists) & (starts["change"] == "added"), "detail"] = "in the first list of the archive"
    changes = pd.concat([starts, again, gone, ended, fields], ignore_index=True)
    for column in ("field", "old_value", "new_value", "previous_agreement_id", "detail"):
        if column not in changes:
            changes[column] = None
    changes = changes.merge(pubs[["code", "publication_id", "kind", "published_at"]], on="code")
    changes["order"] = changes["change"].map({c: i for i, c in enumerate(CHANGE_TYPES)})
    changes = changes.sort_values(["published_at", "kind", "order", "agreement_id", "field"], na_position="first")
    return changes.drop(columns=["order", "code"]).reset_index(drop=True)


# ---------------------------------------------------------------- process: the whole stage


def prepare_rows(rows: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    out = rows.merge(pubs[["publication_id", "code"]], on="publication_id", how="left")
    if out["code"].isna().any():
        unknown = out.loc[out["code"].isna(), "publication_id"].iloc[0]
        raise LedgerError("sheet_rows.parquet", f"rows of publication {unknown} that publications.parquet does not list")
    out["code"] = out["code"].astype(int)
    # Everything downstream takes "first" and "last" in list order, so the order of the input never matters.
    out = out.sort_values(["code", "row_number", "agency", "support_type"]).reset_index(drop=True)
    out["day"] = out["published_at"].dt.normalize()
    out["signed"] = per_value(out["signed"], lambda d: None if d is None or d != d else pd.Timestamp(d).date()).astype(object)
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


def agreement_table(rows: pd.DataFrame, spans: pd.DataFrame, links: pd.DataFrame, pubs: pd.DataFrame) -> pd.DataFrame:
    at = pubs.set_index("code")["published_at"]
    pid = pubs.set_index("code")["publication_id"]
    latest = rows.sort_values(["code", "row_number"]).groupby("agreement_id").agg(
        agency_id=("agency_id", "first"),
        agency=("name", "first"),
        state=("state", "first"),
        support_type=("support_type", "first"),
        model=("model", "first"),
        county=("county", "last"),
        signed=("signed", "last"),
        moa_url=("moa_url", "last"),
        identity=("identity", "first"),
    )
    dates = rows[rows["signed"].notna()].sort_values(["code", "row_number"]).drop_duplicates(["agreement_id", "signed"])
    latest["signed_dates"] = dates.assign(signed=dates["signed"].map(str)).groupby("agreement_id")["signed"].agg(list)
    latest["signed_dates"] = latest["signed_dates"].map(lambda d: d if isinstance(d, list) else [])
    table = latest.join(spans)
    table["first_listed"] = table["first_code"].map(at)
    table["first_publication_id"] = table["first_code"].map(pid)
    table["last_listed"] = table["last_code"].map(at)
    table["last_publication_id"] = table["last_code"].map(pid)
    ended = table["ended"]
    table["first_absent"] = table["first_absent_code"].map(at).where(ended)
    table["first_absent_publication_id"] = table["first_absent_code"].map(pid).where(ended)
    ids = pubs.sort_values("code")["publication_id"].to_numpy(dtype=object)
    table["publication_ids"] = table["publication_codes"].map(lambda codes: ids[np.asarray(codes)].tolist())
    # links are sorted with a pending request before a renewal: the request is the one named as previous.
    table["previous_agreement_id"] = table.index.map(links.drop_duplicates("next_agreement_id").set_index("next_agreement_id")["previous_agreement_id"])
    table["next_agreement_id"] = table.index.map(links.set_index("previous_agreement_id")["next_agreement_id"])
    change_of_next = table.index.map(links.set_index("previous_agreement_id")["change"])
    pending = table["kind"] == "pending"
    status = np.where(ended, "ended", "active")
    status = np.where(ended & (np.asarray(change_of_next) == "renewed"), "superseded", status)
    status = np.where(pending, np.where(table["next_agreement_id"].notna(), "signed", np.where(ended, "dropped", "pending")), status)
    table["status"] = status
    redated = table["signed_dates"].map(len) > 1
    table.loc[redated, "identity"] = table.loc[redated, "identity"].map(lambda t: ",".join(sorted(set(t.split(",")) | {"redating"})))
    table["signed"] = table["signed"].where(~pending, None)
    table["lists"] = table["lists"].astype(int)
    table = table.reset_index().sort_values("agreement_id").reset_index(drop=True)
    return table[AGREEMENT_COLUMNS]


def agency_table(rows: pd.DataFrame, agreements: pd.DataFrame) -> pd.DataFrame:
    ordered = rows.sort_values(["code", "row_number"])
    counties = ordered[per_value(ordered["county"], county_key).notna()]
    county = counties.groupby(["agency_id", "county"]).size().reset_index(name="n")
    county = county.sort_values(["agency_id", "n", "county"], ascending=[True, False, True]).drop_duplicates("agency_id")
    table = ordered.groupby("agency_id").agg(
        name=("name", "first"),
        spellings=("agency", "unique"),
        state=("state", "first"),
        agency_type=("agency_type", "last"),
        first_listed=("published_at", "min"),
        last_listed=("published_at", "max"),
        identity=("identity", "first"),
    )
    table["spellings"] = table["spellings"].map(lambda names: sorted(names))
    table["county"] = county.set_index("agency_id")["county"]
    statuses = agreements.groupby("agency_id")["status"].agg(set)
    table["status"] = statuses.map(
        lambda s: "active" if "active" in s else "pending" if "pending" in s else "ended" if s & {"ended", "superseded", "signed"} else "dropped"
    )
    table["agreements"] = agreements[agreements["kind"] == "participating"].groupby("agency_id").size()
    table["agreements"] = table["agreements"].fillna(0).astype(int)
    return table.reset_index().sort_values("agency_id").reset_index(drop=True)[AGENCY_COLUMNS]


def build_history(publications: pd.DataFrame, sheet_rows: pd.DataFrame, aliases: FixTable | None = None) -> HistoryResult:
    """The whole process, table to table: agencies, agreements, changes, review, qa rows and tier counts."""
    aliases = aliases if aliases is not None else FixTable("agency_aliases", {})
    pubs = order_publications(publications)
    rows = prepare_rows(sheet_rows, pubs)
    pubs = column_presence(rows, pubs)
    spellings, review_names, tiers, qa = resolve_agencies(rows, aliases)
    rows, review_dates, redated = assign_agreements(rows, spellings, pubs)
    tiers["redating"] = redated
    review = pd.concat([frame for frame in (review_names, review_dates) if not frame.empty] or [review_names], ignore_index=True)
    review = review.sort_values(["what", "state", "first", "second"]).reset_index(drop=True)
    tiers["review"] = len(review)
    tiers = {name: int(tiers.get(name, 0)) for name in TIERS}
    listed = listings_of(rows, pubs)
    spans = agreement_spans(listed, pubs)
    info = rows.groupby("agreement_id").agg(
        agency_id=("agency_id", "first"),
        support_type=("support_type", "first"),
        signed_first=("signed", "first"),
        signed_latest=("signed", "last"),
    )
    links = link_agreements(spans, info, pubs)
    agreements = agreement_table(rows, spans, links, pubs)
    changes = build_changes(spans, links, listed, pubs)
    changes = changes.merge(agreements[["agreement_id", "agency_id", "state", "agency", "support_type"]], on="agreement_id", how="left")
    changes = changes[CHANGE_COLUMNS]
    agencies = agency_table(rows, agreements)
    renames = possible_renames(agreements)
    if not renames.empty:
        review = pd.concat([review, renames], ignore_index=True).sort_values(["what", "state", "first", "second"]).reset_index(drop=True)
        tiers["review"] = len(review)
    qa += history_checks(pubs, rows, listed, agencies, agreements, changes, review, tiers, spans)
    return HistoryResult(agencies, agreements, changes, review, qa, tiers, rows=rows)


# ---------------------------------------------------------------- checks


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
    qa: list[dict] = []
    unmapped = int(rows["agreement_id"].isna().sum())
    qa.append(check("rows_map_to_one_agreement", "all rows", unmapped, 0, "pass" if unmapped == 0 else "fail"))
    exact = rows["state"] + "|" + per_value(rows["agency"], name_key) + "|" + rows["support_type"] + "|" + per_value(rows["signed"], str)
    distinct_rows = exact.groupby(rows["publication_id"]).nunique()
    listed = agreements[["agreement_id", "publication_ids"]].explode("publication_ids").dropna()
    active = listed.groupby("publication_ids")["agreement_id"].nunique()
    from_rows = rows.groupby("publication_id")["agreement_id"].agg(set)
    from_table = listed.groupby("publication_ids")["agreement_id"].agg(set)
    broken = 0
    for publication_id in pubs["publication_id"]:
        expected = int(distinct_rows.get(publication_id, 0))
        found = int(active.get(publication_id, 0))
        same = from_rows.get(publication_id, set()) == from_table.get(publication_id, set())
        if found != expected or not same:
            broken += 1
            qa.append(check("publication_agreements_equal_distinct_rows", publication_id, found, expected, "fail"))
    qa.append(check("publications_agreements_equal_distinct_rows", "all publications", broken, 0, "pass" if broken == 0 else "fail"))
    for name, table, column in (("agreement_ids_unique", agreements, "agreement_id"), ("agency_ids_unique", agencies, "agency_id")):
        duplicated = int(table[column].duplicated().sum())
        qa.append(check(name, column, duplicated, 0, "pass" if duplicated == 0 else "fail"))
    for kind, group in pubs.groupby("kind"):
        ties = int(group["published_at"].duplicated().sum()) + int(not group["published_at"].is_monotonic_increasing)
        qa.append(check("publication_dates_strictly_ordered", kind, ties, 0, "pass" if ties == 0 else "fail"))
    known_pubs = set(pubs["publication_id"])
    orphans = int((~changes["publication_id"].isin(known_pubs)).sum() + (~changes["agreement_id"].isin(set(agreements["agreement_id"]))).sum())
    qa.append(check("changes_refer_to_known_lists_and_agreements", "changes", orphans, 0, "pass" if orphans == 0 else "fail"))
    starts = changes[changes["change"] != "field changed"].groupby("agreement_id").size()
    unstarted = int((~agreements["agreement_id"].isin(starts.index)).sum())
    qa.append(check("every_agreement_has_a_start", "agreements", unstarted, 0, "pass" if unstarted == 0 else "fail"))
    undated = int((rows["kind"].eq("participating") & rows["signed"].isna()).sum())
    qa.append(check("participating_rows_without_signing_date", "history", undated, 0, "pass" if undated == 0 else "warn"))
    for agreement_id, blips in spans.loc[spans["blips"] > 0, "blips"].items():
        qa.append(check("blip", agreement_id, f"missing from a list then back ({int(blips)} time(s))", "reviewed", "info"))
    # The evidence behind ENDED_AFTER_LISTS, rebuilt each time so a longer blip is seen when it happens.
    absences = listings.groupby("agreement_id")["listing"].diff() - 1
    blips, returns = absences[(absences > 0) & (absences < ENDED_AFTER_LISTS)], absences[absences >= ENDED_AFTER_LISTS]
    longest = int(blips.max()) if not blips.empty else 0
    qa.append(check("longest_blip_lists", "all agreements", longest, f"< {ENDED_AFTER_LISTS}", "info"))
    for agreement_id, absent in zip(listings.loc[returns.index, "agreement_id"], returns):
        qa.append(check("listed_again_after_an_end", agreement_id, f"back after {int(absent)} lists without it", "reviewed", "warn"))
    waiting = spans[(spans["after"] > 0) & ~spans["ended"]]
    for agreement_id, after in waiting["after"].items():
        qa.append(check("missing_from_latest_lists", agreement_id, f"{int(after)} list(s)", f"ended at {ENDED_AFTER_LISTS}", "info"))
    for status, count in agreements["status"].value_counts().sort_index().items():
        qa.append(check("agreements", status, int(count), "counted", "info"))
    for change, count in changes["change"].value_counts().sort_index().items():
        qa.append(check("changes", change, int(count), "counted", "info"))
    for tier, count in tiers.items():
        qa.append(check("identity_tier", tier, count, "counted", "info"))
    return qa


def stable_ids_check(publications: pd.DataFrame, sheet_rows: pd.DataFrame, aliases: FixTable, result: HistoryResult) -> dict:
    """Re-resolve identity on the inputs in reverse order and compare every row's ids (cheap: no change log)."""
    reversed_pubs = publications.iloc[::-1].reset_index(drop=True)
    reversed_rows = sheet_rows.iloc[::-1].reset_index(drop=True)
    pubs = order_publications(reversed_pubs)
    rows = prepare_rows(reversed_rows, pubs)
    spellings, _, _, _ = resolve_agencies(rows, FixTable(aliases.name, dict(aliases.mapping)))
    rows, _, _ = assign_agreements(rows, spellings, pubs)
    key = ["publication_id", "row_number"]
    before = result.rows.set_index(key)["agreement_id"].sort_index()
    after = rows.set_index(key)["agreement_id"].sort_index()
    differing = int((before != after.reindex(before.index)).sum())
    return check("ids_stable_when_inputs_reordered", "all rows", differing, 0, "pass" if differing == 0 else "fail")


# ---------------------------------------------------------------- save outputs


def save(build: Path, result: HistoryResult) -> None:
    (build / "qa").mkdir(parents=True, exist_ok=True)
    result.agencies.to_parquet(build / "agencies.parquet", index=False)
    result.agreements.to_parquet(build / "agreements.parquet", index=False)
    result.changes.to_parquet(build / "changes.parquet", index=False)
    result.review.to_csv(build / "history_review.csv", index=False)
    tiers = pd.DataFrame({"tier": list(TIERS), "merges": [result.tiers[t] for t in TIERS], "description": list(TIERS.values())})
    tiers.to_csv(build / "identity_tiers.csv", index=False)
    pd.DataFrame(result.qa, columns=QA_COLUMNS).to_csv(build / "qa" / "history.csv", index=False)


def run(data_dir: Path) -> HistoryResult:
    """Load the ingest outputs, build the history, save the outputs; return them."""
    started = time.perf_counter()
    publications, sheet_rows, aliases = load_inputs(data_dir)
    result = build_history(publications, sheet_rows, aliases)
    result.qa.append(stable_ids_check(publications, sheet_rows, aliases, result))
    result.seconds = time.perf_counter() - started
    save(Path(data_dir) / "build", result)
    return result


def methodology_context(data_dir: Path) -> dict:
    """What templates/methodology_identity.md needs: the rules' constants and the tier counts of the last build."""
    path = Path(data_dir) / "build" / "identity_tiers.csv"
    if not path.exists():
        raise LedgerError(path, "not found: run `ledger history` first")
    context = {name: value for name, value in globals().items() if name.isupper()}
    context["tiers"] = pd.read_csv(path).set_index("tier")["merges"].astype(int).to_dict()
    return context
