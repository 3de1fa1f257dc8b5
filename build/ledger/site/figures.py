"""Every figure the pages show, computed in one pure step from the saved tables: national, per state, per agency, and each list's changes.

They are saved as build tables (see contract.py) and the pages show them from those tables: no
page counts anything while it is rendered, so every figure on the site is a saved cell, and each
figure row names the ICE list (and the file, by sha256) it counts.
"""

from __future__ import annotations

import pandas as pd

from ..common.models import MODEL_CODES
from .contract import ACTIVE_BY_DAY, AGENCY_FIGURES, CHANGE_COUNTS, COUNTY_FIGURES, LIST_CHANGES, NATIONAL_FIGURES, STATE_FIGURES, count_column
from .format import day
from .tables import active_series, county_matches

BY_MODEL = [f"active_{code}" for code in MODEL_CODES.values()]
STATE_COUNTS = ["active", *BY_MODEL, "missing", "ended", "agencies", "pending", "ever", "changes"]
AGENCY_COUNTS = ["active", "missing", "ended", "pending", "agreements"]
CHANGE_COLUMNS = ["new", *(count_column(c) for c in CHANGE_COUNTS)]
# Changes that put a new agreement on the participating list (a renewal replaces one, so it is not counted).
NEW_AGREEMENT_CHANGES = ["added", "moved from pending to signed"]


def first_file(publications: pd.DataFrame) -> pd.DataFrame:
    """publication_id -> its first file's name and sha256 (the file the site publishes for it)."""
    return pd.DataFrame(
        {
            "source_file": publications["file_names"].map(lambda names: str(list(names)[0])).values,
            "source_sha256": publications["sha256s"].map(lambda shas: str(list(shas)[0])).values,
        },
        index=publications["publication_id"].values,
    )


def as_of(publications: pd.DataFrame, latest_p: pd.Series, latest_n: pd.Series | None) -> dict:
    """The columns every figure row carries: the lists it is as of and their files."""
    files = first_file(publications)
    pending_id = latest_n["publication_id"] if latest_n is not None else ""
    participating = publications[publications["list_kind"] == "participating"]
    return {
        "as_of_participating": latest_p["publication_id"],
        "as_of_pending": pending_id,
        "as_of_date": day(latest_p["published_at"]),
        "source_file": files.loc[latest_p["publication_id"], "source_file"],
        "source_sha256": files.loc[latest_p["publication_id"], "source_sha256"],
        "pending_file": files.loc[pending_id, "source_file"] if pending_id else "",
        "pending_sha256": files.loc[pending_id, "source_sha256"] if pending_id else "",
        "archive_start": day(participating["published_at"].min()),
    }


def counts_by(agreements: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per `key` (state or agency_id): agreements of each status that the pages count."""
    participating = agreements[agreements["list_kind"] == "participating"]
    by_status = lambda frame, status: frame[frame["status"] == status].groupby(key).size()  # noqa: E731
    active = participating[participating["status"] == "active"]
    return pd.DataFrame(
        {
            "active": by_status(participating, "active"),
            **{f"active_{code}": active[active["support_type"] == name].groupby(key).size() for name, code in MODEL_CODES.items()},
            "missing": by_status(participating, "missing"),
            "ended": by_status(participating, "ended"),
            "agencies": participating[participating["status"] == "active"].groupby(key)["agency_id"].nunique(),
            "pending": by_status(agreements[agreements["list_kind"] == "pending"], "pending"),
            "ever": participating.groupby(key).size(),
        }
    )


def state_figures(agreements: pd.DataFrame, changes: pd.DataFrame, states: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """One row per state, DC and territory, zero where ICE lists none."""
    counts = counts_by(agreements, "state").join(changes.groupby("state").size().rename("changes"), how="outer")
    out = states[["usps"]].set_index("usps").join(counts).fillna(0)
    out = out[STATE_COUNTS].astype(int).reset_index()
    return out.assign(**columns)


def national_figures(agreements: pd.DataFrame, changes: pd.DataFrame, per_state: pd.DataFrame, columns: dict) -> pd.DataFrame:
    active = agreements[(agreements["list_kind"] == "participating") & (agreements["status"] == "active")]
    row = {
        "active": int(per_state["active"].sum()),
        **{column: int(per_state[column].sum()) for column in BY_MODEL},
        "missing": int(per_state["missing"].sum()),
        "agencies": int(active["agency_id"].nunique()),
        "states_with": int((per_state["active"] > 0).sum()),
        "pending": int(per_state["pending"].sum()),
        "participating_changes": int((changes["list_kind"] == "participating").sum()),
        **columns,
    }
    return pd.DataFrame([row])


def agency_figures(agreements: pd.DataFrame, agencies: pd.DataFrame, publications: pd.DataFrame, columns: dict) -> pd.DataFrame:
    """One row per agency: its status, counts and dates, and whether its first sighting is only the archive's start."""
    counts = counts_by(agreements, "agency_id").rename(columns={"ever": "agreements"})
    out = agencies[["agency_id", "state", "status", "first_listed", "last_listed"]].set_index("agency_id").join(counts).fillna(
        {c: 0 for c in AGENCY_COUNTS}
    )  # fmt: skip
    for column in AGENCY_COUNTS:
        out[column] = out[column].astype(int)
    # The archive's first list of each kind: an agency first seen there may be much older.
    starts = publications.groupby("list_kind")["published_at"].min()
    first_kind = agreements.sort_values("first_listed").groupby("agency_id")["list_kind"].first()
    start = first_kind.reindex(out.index).map(starts)
    out["first_seen"] = out["first_listed"].map(day)
    out["first_seen_at_start"] = (out["first_listed"] == start).fillna(False).astype(bool)
    out["first_seen_archive_start"] = start.map(day)
    out["last_listed"] = out["last_listed"].map(day)
    missing = agreements[agreements["status"] == "missing"].groupby("agency_id")["first_absent"].min()
    out["first_absent"] = missing.reindex(out.index).map(day).where(out["status"] == "missing", "")
    out = out.drop(columns=["first_listed"]).reset_index().rename(columns={"index": "agency_id"})
    return out.assign(**{k: v for k, v in columns.items() if k != "archive_start"}).sort_values("agency_id", ignore_index=True)


def list_changes(changes: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """Per list and per state (and nationally, state empty): how many changes of each type it brought.

    Every list has a national row, zero when nothing changed; a state has a row for a list that
    changed something in it.
    """
    unknown = sorted(set(changes["change"]) - set(CHANGE_COUNTS))
    if unknown:
        raise ValueError(f"change types {unknown} have no count column in the site's contract (CHANGE_COUNTS)")
    pubs = publications.sort_values("published_at")
    previous = pubs.groupby("list_kind")["published_at"].shift().map(day)
    lists = pd.DataFrame(
        {
            "publication_id": pubs["publication_id"].values, "list_kind": pubs["list_kind"].values,
            "published_at": pubs["published_at"].map(day).values, "previous_published_at": previous.fillna("").values,
        }
    )  # fmt: skip
    tally = changes.assign(change=changes["change"].map(count_column), national="")
    national = tally.pivot_table(index=["publication_id", "national"], columns="change", aggfunc="size", fill_value=0)
    per_state = tally.pivot_table(index=["publication_id", "state"], columns="change", aggfunc="size", fill_value=0)
    national.index.names = per_state.index.names = ["publication_id", "state"]
    counted = pd.concat([national, per_state]).reindex(columns=CHANGE_COLUMNS[1:], fill_value=0)
    grid = lists[["publication_id"]].assign(state="").set_index(["publication_id", "state"]).index
    counted = counted.reindex(grid.union(counted.index), fill_value=0).fillna(0).astype(int)
    counted["new"] = counted[[count_column(c) for c in NEW_AGREEMENT_CHANGES]].sum(axis=1)
    out = lists.merge(counted.reset_index(), on="publication_id").join(first_file(publications), on="publication_id")
    order = ["publication_id", "list_kind", "published_at", "previous_published_at", "state", *CHANGE_COLUMNS, "source_file", "source_sha256"]
    return out[order].sort_values(["published_at", "publication_id", "state"], ignore_index=True)


def county_figures(agreements: pd.DataFrame, states: pd.DataFrame, features: tuple[dict, ...], columns: dict) -> pd.DataFrame:
    """Per state, active agreements per county of the map, and the county names ICE printed that match none (fips empty)."""
    names = {f["id"]: f["properties"]["name"] for f in features}
    rows = []
    for state in states.itertuples(index=False):
        mine = agreements[agreements["state"] == state.usps]
        if mine.empty:
            continue
        counts, unmatched = county_matches(mine, features, state.fips)
        rows += [{"usps": state.usps, "fips": fips, "county": names[fips], "active": n} for fips, n in counts.items()]
        rows += [{"usps": state.usps, "fips": "", "county": name, "active": 0} for name in unmatched]
    out = pd.DataFrame(rows, columns=["usps", "fips", "county", "active"])
    return out.sort_values(["usps", "fips", "county"], ignore_index=True).assign(**{k: columns[k] for k in ("as_of_participating", "as_of_pending", "as_of_date")})


def figure_tables(agreements, agencies, publications, changes, states, latest_p, latest_n, counties: tuple[dict, ...]) -> dict[str, pd.DataFrame]:
    """Every figure table, by its contract's file name, from the saved tables (statuses in the one vocabulary of history/rules.py).

    `counties` are the map's county features (us-atlas), which the county figures are matched to.
    """
    columns = as_of(publications, latest_p, latest_n)
    per_state = state_figures(agreements, changes, states, columns)
    tables = {
        NATIONAL_FIGURES: national_figures(agreements, changes, per_state, columns),
        STATE_FIGURES: per_state,
        AGENCY_FIGURES: agency_figures(agreements, agencies, publications, columns),
        LIST_CHANGES: list_changes(changes, publications),
        ACTIVE_BY_DAY: active_series(agreements, publications).assign(date=lambda f: f["date"].dt.strftime("%Y-%m-%d")),
        COUNTY_FIGURES: county_figures(agreements, states, counties, columns),
    }
    return {table.file: frame[table.names] for table, frame in tables.items()}


def with_states(per_state: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """The saved state figures beside each state's name, FIPS code and kind, for the pages."""
    return states.merge(per_state, on="usps", how="left").fillna({c: 0 for c in STATE_COUNTS}).astype({c: int for c in STATE_COUNTS})


def latest_changes(list_changes: pd.DataFrame, publication_id: str, state: str = "") -> pd.Series:
    """A list's saved change counts, nationally or for one state (zeros where it changed nothing there)."""
    row = list_changes[(list_changes["publication_id"] == publication_id) & (list_changes["state"] == state)]
    if len(row):
        return row.iloc[0]
    zero = list_changes[(list_changes["publication_id"] == publication_id) & (list_changes["state"] == "")].iloc[0].copy()
    zero[CHANGE_COLUMNS] = 0
    zero["state"] = state
    return zero
