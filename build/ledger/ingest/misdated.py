"""Lists ICE misdated: a participating list named a year early is re-dated, a pending list out of place is flagged.

A participating list betrays its date by its signing dates; a pending list has none, so its
content is compared with the lists around it. Both rules are tuned so that no correctly dated
list of the real archive (2021-2026) is caught; see tests/test_ingest_dates.py.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..common.distinct import map_distinct
from ..common.ice import in_ice_time
from ..common.qa import check
from ..common.text import list_key

# A list named a year early has signings up to its real date: its latest one falls in the months
# before the same day a year on. Half a year keeps a list named a month early (its latest signing
# days after its name's date) out of the rule: that one is held for a reviewed date.
YEAR_WINDOW = dt.timedelta(days=183)
# A request is stale when the same agency's agreement of the same model, signed this long before
# the pending list, is on the participating list in force that day.
STALE_AFTER = dt.timedelta(days=120)
# Stale requests that flag a pending list: at least this many, and this share of the list. The
# real archive's most is 2 of 49 (agencies asking again for a model they hold).
STALE_MIN, STALE_SHARE = 3, 0.25
# A pending list matches the lists of a year off (within a month of that day) far better than its
# nearest neighbours: Jaccard of their (state, agency, model) sets. Lists under MIN_KEYS requests
# are too small to judge. Real lists: no year-off match above 0.0.
MIN_KEYS, FAR_MIN, FAR_MARGIN = 5, 0.5, 0.3
NEIGHBOURS = 2  # on each side, within NEAR_SPAN: a list months away is no neighbour
NEAR_SPAN = dt.timedelta(days=90)
FAR_SPAN = dt.timedelta(days=30)


def in_ice_time_zone(manifest: pd.DataFrame) -> pd.DataFrame:
    """The manifest with archive captures' moments (UTC stamps) as ICE's time in New York; the raw file is untouched."""
    manifest = manifest.copy()
    captured = manifest["date_source"] == "archive_capture"
    manifest.loc[captured, "published_at"] = [
        in_ice_time(dt.datetime.fromisoformat(moment)).isoformat() for moment in manifest.loc[captured, "published_at"]
    ]
    return manifest


def a_year_on(moment: dt.datetime, years: int = 1) -> dt.datetime:
    """The same month, day and time `years` later (29 February becomes the 28th)."""
    day = 28 if (moment.month, moment.day) == (2, 29) else moment.day
    return moment.replace(year=moment.year + years, day=day)


def year_early(file_name_date: pd.Timestamp, latest_signed: dt.date) -> pd.Timestamp | None:
    """The corrected moment of a list whose signings fit the same day a year on, or None when they do not."""
    corrected = pd.Timestamp(a_year_on(file_name_date.to_pydatetime()))
    if corrected.date() - YEAR_WINDOW <= latest_signed <= corrected.date():
        return corrected
    return None


def jaccard(a: frozenset, b: frozenset) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def row_keys(rows: pd.DataFrame) -> pd.Series:
    """Each row's list_key, computed once per distinct (state, agency, model): a list repeats them a thousand times."""
    triples = rows[["state", "agency_name", "support_type"]].astype(str)
    joined = triples["state"] + "\x1f" + triples["agency_name"] + "\x1f" + triples["support_type"]
    return map_distinct(joined, lambda text: list_key(*text.split("\x1f")))


def misdated_pending(sightings: pd.DataFrame, rows: pd.DataFrame) -> tuple[list, list[dict]]:
    """The index of pending sightings whose content belongs with lists of another date, and a warning for each.

    `sightings` are dated (published_at, date_source, list_kind, sha256, original_name);
    `rows` are the accepted rows (sha256, state, agency_name, support_type, signed). A list placed
    by a reviewed date (date_source manual_fix) is not judged again.
    """
    key_values, signed_values = row_keys(rows).to_numpy(), rows["signed"].to_numpy(dtype=object)
    rows_of = rows.groupby("sha256", sort=False).indices
    keys = {sha: frozenset(key_values[at]) for sha, at in rows_of.items()}
    signed = {sha: dict(zip(key_values[at], signed_values[at])) for sha, at in rows_of.items()}
    participating = sightings[sightings["list_kind"] == "participating"].sort_values(["published_at", "original_name"])
    pending = sightings[sightings["list_kind"] == "pending"].sort_values(["published_at", "original_name"])
    in_force = Lists(participating, keys)
    lists = Lists(pending, keys)
    flagged: list = []
    qa: list[dict] = []
    for position, index in enumerate(pending.index):
        if pending.at[index, "date_source"] == "manual_fix" or len(lists.keys[position]) < MIN_KEYS:
            continue
        evidence = stale_requests(lists, position, in_force, signed) or year_off_match(lists, position)
        if evidence is not None:
            flagged.append(index)
            qa.append(check("pending_list_misdated", lists.names[position], evidence, "a reviewed date in data/manual/publication_dates.csv", "warn"))
    return flagged, qa


class Lists:
    """The sightings of one kind in date order, as plain lists: the loops below run per list, not per row."""

    def __init__(self, sightings: pd.DataFrame, keys: dict):
        self.moments = [moment.to_pydatetime() for moment in sightings["published_at"]]
        self.names = sightings["original_name"].tolist()
        self.shas = sightings["sha256"].tolist()
        self.keys = [keys.get(sha, frozenset()) for sha in self.shas]

    def latest_at(self, moment: pd.Timestamp) -> int | None:
        """The position of the list in force at `moment` (the latest one published by then)."""
        found = None
        for position, at in enumerate(self.moments):
            if at > moment:
                break
            found = position
        return found


def stale_requests(lists: Lists, position: int, in_force: Lists, signed: dict) -> str | None:
    """Evidence that a pending list is dated too late: many of its requests were signed and listed long before."""
    moment, mine = lists.moments[position], lists.keys[position]
    latest = in_force.latest_at(moment)
    if latest is None:
        return None
    listed = signed.get(in_force.shas[latest], {})
    cutoff = (moment - STALE_AFTER).date()
    stale = sorted(k for k in mine if k in listed and pd.notna(listed[k]) and listed[k] <= cutoff)
    if len(stale) < STALE_MIN or len(stale) < STALE_SHARE * len(mine):
        return None
    example = stale[0].replace("|", ", ")
    return (
        f"{len(stale)} of {len(mine)} requests were signed over {STALE_AFTER.days} days before it and on the "
        f"participating list of {in_force.moments[latest].date()} (e.g. {example})"
    )


def year_off_match(lists: Lists, position: int) -> str | None:
    """Evidence that a pending list belongs a year off: it matches the lists then far better than its neighbours."""
    moment, mine = lists.moments[position], lists.keys[position]
    # Neighbours are the nearest sightings in date, copies included: a correct list republished
    # unchanged is confirmed by its copies, while a misdated one sits among lists unlike it. (A
    # misdated list seen twice under two misdated names confirms itself: the stale rule remains.)
    others = [i for i in range(len(lists.moments)) if i != position]
    close = [i for i in others if abs(lists.moments[i] - moment) <= NEAR_SPAN]
    before = [i for i in close if lists.moments[i] <= moment][-NEIGHBOURS:]
    after = [i for i in close if lists.moments[i] > moment][:NEIGHBOURS]
    near = max((jaccard(mine, lists.keys[i]) for i in before + after), default=0.0)
    best, best_at = 0.0, None
    for years in (1, -1):
        target = a_year_on(moment, years)
        for i in others:
            if abs(lists.moments[i] - target) <= FAR_SPAN:
                score = jaccard(mine, lists.keys[i])
                if score > best:
                    best, best_at = score, lists.moments[i]
    if best < FAR_MIN or best - near < FAR_MARGIN:
        return None
    return f"matches the pending list of {best_at.date()} (Jaccard {best:.2f}) far better than its neighbours ({near:.2f})"
