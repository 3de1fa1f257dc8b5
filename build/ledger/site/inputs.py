"""The build tables the site is made from, read once from <data-dir>/build/ (the render stage's only reads)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from ..common.contracts import read_table
from ..common.errors import LedgerError
from ..downloads.contract import DOWNLOADS
from .pages.early import read_early

# The stages whose quality checks the methodology page lists (the check stage runs after the site).
CHECKED_STAGES = ("ingest", "history", "removals")
IDENTITY_TEXT = "history_methodology.md"  # written by the history stage
ROW_LINKS = "row_agreements.parquet"  # history's map of each accepted sheet row to its agreement
ROW_COLUMNS = [
    "publication_id", "list_kind", "file_name", "sha256", "row_number", "state", "agency_name", "county", "support_type", "signed", "moa_url",
]  # fmt: skip


@dataclass
class Inputs:
    publications: pd.DataFrame
    agencies: pd.DataFrame
    agreements: pd.DataFrame
    changes: pd.DataFrame
    qa: pd.DataFrame
    rejected: pd.DataFrame
    tiers: pd.DataFrame
    states: pd.DataFrame
    removals_agency: pd.DataFrame
    removals_state: pd.DataFrame
    national_removals: pd.DataFrame
    oig: pd.DataFrame  # the Inspector General's 2009 table of agreements
    oig_findings: pd.DataFrame  # its 2010 findings
    early_agencies: pd.DataFrame  # the agencies of the 2009 list and the FY2006-2013 statistics (removals stage)
    identity_text: str
    row_links: pd.DataFrame  # history's row_agreements.parquet: each accepted sheet row's agreement
    downloads: pd.DataFrame  # the downloads stage's downloads.parquet: every file offered, with rows, bytes and sha256


def parquet(build: Path, name: str) -> pd.DataFrame:
    path = build / name
    if not path.exists():
        raise LedgerError(path, "missing: run `ledger build` (or the stage that makes it) first")
    return pd.read_parquet(path)


def csv_table(build: Path, name: str) -> pd.DataFrame:
    path = build / name
    if not path.exists():
        raise LedgerError(path, "missing: run `ledger build` (or the stage that makes it) first")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def state_table() -> pd.DataFrame:
    """states.csv with each name as a page shows it ("District of Columbia", not "DISTRICT OF COLUMBIA")."""
    with resources.files("ledger.common").joinpath("states.csv").open(encoding="utf-8") as fh:
        states = pd.DataFrame(list(csv.DictReader(fh)))
    states["title"] = states["name"].str.title().str.replace(" Of ", " of ")
    return states


def quality_checks(build: Path) -> pd.DataFrame:
    """The upstream stages' checks, in stage order; the site's own checks run after MkDocs, on the built site."""
    frames = [csv_table(build, f"qa/{stage}.csv") for stage in CHECKED_STAGES if (build / "qa" / f"{stage}.csv").exists()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["check", "scope", "value", "expected", "status"])


def load_inputs(data_dir: Path) -> Inputs:
    build = Path(data_dir) / "build"
    tiers = pd.read_csv(build / "identity_tiers.csv") if (build / "identity_tiers.csv").exists() else pd.DataFrame()
    identity = build / IDENTITY_TEXT
    if not identity.exists():
        raise LedgerError(identity, "missing: run `ledger history` first (it writes the identity rules' text)")
    return Inputs(
        publications=parquet(build, "publications.parquet"),
        agencies=parquet(build, "agencies.parquet"),
        agreements=parquet(build, "agreements.parquet"),
        changes=parquet(build, "changes.parquet"),
        qa=quality_checks(build),
        rejected=csv_table(build, "rejected_rows.csv"),
        tiers=tiers,
        states=state_table(),
        removals_agency=parquet(build, "removals_by_agency.parquet"),
        removals_state=parquet(build, "removals_by_state.parquet"),
        national_removals=parquet(build, "national_removals.parquet"),
        oig=parquet(build, "oig_2009_agreements.parquet"),
        oig_findings=parquet(build, "oig_2010_findings.parquet"),
        early_agencies=read_early(build),
        identity_text=identity.read_text(encoding="utf-8"),
        row_links=parquet(build, ROW_LINKS),
        downloads=read_table(build, DOWNLOADS),
    )


def sheet_rows_of(data_dir: Path, publication_ids: list[str]) -> pd.DataFrame:
    """The accepted sheet rows of the given lists only (the whole table is a quarter of a million rows)."""
    path = Path(data_dir) / "build" / "sheet_rows.parquet"
    if not path.exists():
        raise LedgerError(path, "missing: run `ledger ingest` first")
    return pd.read_parquet(path, columns=ROW_COLUMNS, filters=[("publication_id", "in", list(publication_ids))])
