"""Runs the removals stage: reads the three sources, builds the tables, checks them and writes them under <data-dir>/build/.

Three sources, each read by its own loader, every source row accounted for (loaded, or set aside
with a reason from SET_ASIDE_REASONS):

1. ICE's 287(g) statistics by agency, FY2006-FY2013 (`ledger import-removals` puts the CSV in
   <data-dir>/raw/removals/): people identified and removed per agency and fiscal year.
2. The project's cited figures, data/published/: the national removal totals and the Inspector
   General's tables, written as build tables so the site reads them from here.
3. ICE enforcement records released under FOIA (xlsx or Parquet, imported the same way or left
   in <data-dir>/raw/foia/): only the 287(g) rows, and only ever as aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from ..common.contracts import save_table
from ..common.errors import LedgerError
from ..common.fixes import load_table, manual_dir
from ..common.paths import PROJECT_PUBLISHED_DIR
from ..common.qa import QA_COLUMNS, check
from ..sources.removal_files import AGENCY_KIND, FOIA_KIND, RemovalsStore, release_url, sha256_file
from .agency_stats import agency_rows, read_agency_stats
from .by_state import agency_state_rows, by_year_rows, foia_state_rows, with_national
from .checks import agency_checks, foia_checks, link_checks, state_checks
from .cited import load_cited_files
from .contract import (
    AGENCY_COLUMNS, BY_AGENCY, BY_STATE, BY_YEAR, CITED, EARLY_AGENCIES, SET_ASIDE, SET_ASIDE_COLUMNS, STAGE, STATE_COLUMNS, UNLINKED,
    UNLINKED_COLUMNS,
)  # fmt: skip
from .early import early_agencies, pair_sources
from .foia import FoiaFile, load_foia
from .linking import link_agencies
from .vocabulary import SET_ASIDE_REASONS

OIG_FILE = "oig_2009_agreements.parquet"
LINK_COLUMNS = ["agency_name", "state", "agency_id", "link_method", "reason", "detail"]


@dataclass
class RemovalsResult:
    by_agency: pd.DataFrame
    by_state: pd.DataFrame
    unlinked: pd.DataFrame
    set_aside: pd.DataFrame
    qa: list[dict]
    errors: list[LedgerError] = field(default_factory=list)
    by_year: pd.DataFrame = field(default_factory=pd.DataFrame)
    early: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        agencies = self.by_agency[["agency_name", "state"]].drop_duplicates()
        return (
            f"removals: {len(agencies)} agencies ({len(self.unlinked)} unlinked), "
            f"{len(self.by_agency)} agency-years, {len(self.by_state)} state-years, "
            f"{int(self.set_aside['count'].sum()) if not self.set_aside.empty else 0} source rows set aside"
        )


def published_dir(data_dir: Path) -> Path:
    """<data-dir>/published when it exists, else the project's own data/published."""
    local = Path(data_dir) / "published"
    return local if local.is_dir() else PROJECT_PUBLISHED_DIR


def read_agencies(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    agencies = pd.read_parquet(path)
    missing = [c for c in ("agency_id", "state", "spellings") if c not in agencies.columns]
    if missing:
        raise LedgerError(path, f"lacks column(s) {', '.join(missing)}")
    return agencies


def foia_sources(data_dir: Path, store: RemovalsStore) -> tuple[list[tuple[Path, str, str]], list[dict]]:
    """(path, name, source) of every FOIA release, imported or left in raw/foia/, each once; and notes."""
    qa, seen, found = [], set(), []
    for row in store.manifest():
        if row["source_kind"] == FOIA_KIND and row["sha256"] not in seen:
            seen.add(row["sha256"])
            found.append((store.path_of(row), row["name"], row["source"]))
    loose_dir = Path(data_dir) / "raw" / "foia"
    if loose_dir.is_dir():
        for path in sorted(p for p in loose_dir.rglob("*") if p.is_file()):
            if path.suffix.lower() not in (".xlsx", ".parquet"):
                qa.append(
                    check(
                        "removals_foia_file_ignored",
                        str(path.relative_to(data_dir)),
                        "not .xlsx or .parquet",
                        "a release",
                        "warn",
                    )
                )
                continue
            sha = sha256_file(path)
            if sha not in seen:  # the same release imported and dropped in is counted once
                seen.add(sha)
                found.append((path, path.name, str(path.relative_to(data_dir))))
    return found, qa


def load_agency_source(
    store: RemovalsStore, manual: Path, build: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict], list[LedgerError]]:
    """Source 1: (by_agency, links, set aside, qa, errors) from the latest imported statistics by agency."""
    by_agency = pd.DataFrame(columns=list(AGENCY_COLUMNS))
    links = pd.DataFrame(columns=LINK_COLUMNS)
    entries = [r for r in store.manifest() if r["source_kind"] == AGENCY_KIND]
    if not entries:
        qa = [check("removals_agency_file_present", str(store.root), "missing", "run `ledger import-removals PATH`", "warn")]
        return by_agency, links, pd.DataFrame(columns=SET_ASIDE_COLUMNS), qa, []
    entry = entries[-1]  # the latest import is the one in force; earlier ones stay in the archive
    state_fixes = load_table(manual / "removals_states.csv", "removals_states")
    link_fixes = load_table(manual / "removals_agency_links.csv", "removals_agency_links")
    try:
        wide = read_agency_stats(store.path_of(entry))
    except LedgerError as exc:
        return (
            by_agency,
            links,
            pd.DataFrame(columns=SET_ASIDE_COLUMNS),
            [check("removals_file_unreadable", entry["name"], exc.reason, "readable", "fail")],
            [exc],
        )
    long, aside = agency_rows(wide, state_fixes, entry["name"])
    qa, errors = agency_checks(wide, long, aside, entry["name"]), []
    try:
        agencies = read_agencies(build / "agencies.parquet")
    except (LedgerError, OSError, pa.ArrowException) as exc:
        error = exc if isinstance(exc, LedgerError) else LedgerError(build / "agencies.parquet", f"unreadable ({exc})")
        errors.append(error)
        qa.append(check("removals_agencies_table_readable", "build/agencies.parquet", error.reason, "readable", "fail"))
        agencies = None
    links = link_agencies(long, agencies, link_fixes)
    by_agency = long.merge(links[["agency_name", "state", "agency_id", "link_method"]], on=["agency_name", "state"], how="left")
    # Without the agencies table no link row can match: reporting them all as stale would mislead.
    qa += link_checks(links, agencies is not None, [state_fixes, link_fixes] if agencies is not None else [state_fixes])
    return by_agency[list(AGENCY_COLUMNS)], links, aside, qa, errors


def load_early(manual: Path, build: Path, by_agency: pd.DataFrame, links: pd.DataFrame, oig: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """The agencies of the 2009 list and the statistics, one row each, linked to the archive where provably the same."""
    oig_fixes = load_table(manual / "oig_agency_links.csv", "oig_agency_links")
    pair_fixes = load_table(manual / "early_agency_links.csv", "early_agency_links")
    try:
        agencies = read_agencies(build / "agencies.parquet")
    except (LedgerError, OSError, pa.ArrowException):
        agencies = None  # reported once, by load_agency_source
    oig_links = link_agencies(oig.rename(columns={"agency": "agency_name"}), agencies, oig_fixes)
    early, qa = early_agencies(by_agency, links, oig, oig_links, pair_sources(by_agency, oig, pair_fixes), agencies)
    linked = oig_links[oig_links["agency_id"].notna()]
    qa.append(check("removals_oig_agencies_linked", "OIG-10-63 Appendix E", len(linked), len(oig_links), "info"))
    for method, count in linked["link_method"].value_counts().sort_index().items():
        qa.append(check("removals_oig_agencies_linked_by", method, int(count), "reviewed", "info"))
    for table in (oig_fixes, pair_fixes) if agencies is not None else (pair_fixes,):
        qa += [check("fix_unused", f"{table.name}.csv: {w}", "matched no value", "matches a value", "warn") for w in table.unused()]
    return early, qa


def load_releases(
    data_dir: Path, store: RemovalsStore
) -> tuple[list[FoiaFile], dict[str, tuple[str, str]], pd.DataFrame, list[dict], list[LedgerError]]:
    """Source 3: (releases, citation by file, set-aside counts, qa, errors); an unreadable release never stops the others."""
    releases, labels, errors = [], {}, []
    sources, qa = foia_sources(data_dir, store)
    for path, name, source in sources:
        try:
            release = load_foia(path)
        except LedgerError as exc:
            errors.append(LedgerError(name, exc.reason))
            qa.append(check("removals_file_unreadable", name, exc.reason, "readable", "fail"))
            continue
        release.name = name
        releases.append(release)
        labels[name] = (f"ICE enforcement records released under FOIA ({name})", release_url(source, name))
        qa += foia_checks(release)
    # Counts only: the records themselves are never written anywhere.
    aside = pd.DataFrame(
        [
            {"source_file": r.name, "row": None, "reason": reason, "detail": SET_ASIDE_REASONS[reason], "count": n}
            for r in releases
            for reason, n in sorted(r.counts.items())
            if reason != "loaded" and n
        ],  # fmt: skip
        columns=SET_ASIDE_COLUMNS,
    )
    return releases, labels, aside, qa, errors


def run(data_dir: Path) -> RemovalsResult:
    """Load the three sources, build the tables, check them, write them. Bad files are reported, never fatal."""
    data_dir = Path(data_dir)
    build = data_dir / "build"
    store = RemovalsStore(data_dir)

    by_agency, links, agency_aside, agency_qa, agency_errors = load_agency_source(store, manual_dir(data_dir), build)
    national, national_aside, cited, cited_qa, cited_errors = load_cited_files(published_dir(data_dir))
    releases, labels, foia_aside, foia_qa, foia_errors = load_releases(data_dir, store)

    parts = []
    if not by_agency.empty:
        parts.append(agency_state_rows(by_agency))
    if releases:
        parts.append(
            foia_state_rows(pd.concat([r.aggregate.assign(source_file=r.name) for r in releases], ignore_index=True), labels)
        )
    parts = [p for p in parts if not p.empty]
    by_state = with_national(
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(STATE_COLUMNS)), national
    )
    first_row = (
        by_agency.groupby(["agency_name", "state"])
        .agg(source_file=("source_file", "first"), source_row=("source_row", "first"))
        .reset_index()
    )
    unlinked = links[links["agency_id"].isna()].merge(first_row, on=["agency_name", "state"], how="left")[UNLINKED_COLUMNS]
    asides = [a for a in (agency_aside, national_aside, foia_aside) if not a.empty]
    set_aside = pd.concat(asides, ignore_index=True) if asides else pd.DataFrame(columns=SET_ASIDE_COLUMNS)
    qa = agency_qa + cited_qa + foia_qa + state_checks(by_agency, by_state, releases)

    by_year = by_year_rows(by_agency, national)
    early, early_qa = load_early(manual_dir(data_dir), build, by_agency, links, cited[OIG_FILE])
    qa += early_qa

    save(build, by_agency, by_state, by_year, unlinked, set_aside, cited, qa, early)
    errors = agency_errors + cited_errors + foia_errors
    return RemovalsResult(by_agency, by_state, unlinked, set_aside, qa, errors, by_year, early)


def typed(table, frame: pd.DataFrame) -> pd.DataFrame:
    """The frame's declared columns in the types the contract gives them, so empty and full builds write one schema."""
    out = frame.copy()
    for column in table.columns:
        values = out[column.name] if column.name in out.columns else pd.Series(pd.NA, index=out.index)
        if column.type == "integer":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Int64")
        elif column.type == "number":
            out[column.name] = pd.to_numeric(values, errors="raise").astype("Float64")
        elif column.type == "boolean":
            out[column.name] = values.astype("boolean")
        elif column.type == "array":
            out[column.name] = values.map(lambda v: [str(x) for x in v] if isinstance(v, (list, tuple)) else [])
        else:
            out[column.name] = values.astype("string")  # a column of nothing but gaps stays a string column
    return out


def save(
    build: Path,
    by_agency: pd.DataFrame,
    by_state: pd.DataFrame,
    by_year: pd.DataFrame,
    unlinked: pd.DataFrame,
    set_aside: pd.DataFrame,
    cited: dict[str, pd.DataFrame],
    qa: list[dict],
    early: pd.DataFrame | None = None,
) -> None:
    """Every table of the contract, each through save_table (which refuses undeclared or missing columns)."""
    frames = {BY_AGENCY: by_agency, BY_STATE: by_state, BY_YEAR: by_year, UNLINKED: unlinked, SET_ASIDE: set_aside}
    frames.update({table: cited[table.file] for table in CITED.values()})
    frames[EARLY_AGENCIES] = early if early is not None else pd.DataFrame(columns=EARLY_AGENCIES.names)
    frames[STAGE.table("qa/removals.csv")] = pd.DataFrame(qa, columns=QA_COLUMNS)
    for table, frame in frames.items():
        save_table(build, table, typed(table, frame) if table.file.endswith(".parquet") else frame)
