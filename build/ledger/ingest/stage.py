"""The ingest stage: <data-dir>/build/publications.parquet, sheet_rows.parquet, rejected_rows.csv and qa/ingest.csv.

Every row of every stored workbook ends in exactly one place: accepted into sheet_rows, or set
aside in rejected_rows with a reason from REJECT_REASONS. Whether the stage needs to run at all
is the pipeline's decision (ledger.pipeline); here the only reuse is the parse cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..common.contracts import save_table
from ..common.errors import LedgerError
from ..common.fixes import load_fixes, manual_dir
from ..common.qa import QA_COLUMNS
from ..sources.store import Store
from .checks import ingest_checks, moa_address_checks
from .contract import PUBLICATIONS, REJECTED_ROWS, SHEET_ROWS, STAGE
from .parse import parse_all
from .characters import character_checks
from .misdated import in_ice_time_zone, misdated_pending
from .publications import date_sightings, fold_publications, hold_lists_at_one_moment, split_rows
from .rows import normalise_rows


@dataclass
class IngestResult:
    publications: pd.DataFrame
    sheet_rows: pd.DataFrame
    rejected: pd.DataFrame
    qa: list[dict]
    errors: list[LedgerError] = field(default_factory=list)
    skipped: bool = False  # kept for callers: the stage itself always runs when called


def run(data_dir: Path, force: bool = False) -> IngestResult:
    """Load the raw archive, process every list, save the four outputs.

    `force` is accepted for the CLI's sake; the pipeline decides whether the stage runs, and the
    parse cache is keyed by content, so there is nothing for it to force.
    """
    del force
    data_dir = Path(data_dir)
    store = Store(data_dir)
    build = data_dir / "build"
    manifest = pd.DataFrame(store.manifest())
    if manifest.empty:
        raise LedgerError(store.manifest_path, "the raw archive is empty: run `ledger import PATH`, `ledger fetch` or `ledger sample`")
    manifest = in_ice_time_zone(manifest)
    fixes = load_fixes(manual_dir(data_dir))
    raw, meta, errors = parse_all(store, manifest["sha256"].unique().tolist(), build / "cache")
    dated = manifest.drop_duplicates("sha256").set_index("sha256")["published_at"].map(pd.Timestamp)
    rows = normalise_rows(raw.reset_index(drop=True), fixes, raw["sha256"].map(dated).reset_index(drop=True))

    accepted = rows["reason"].isna()
    # A set-aside record may stand for a run of empty rows: the rows it stands for are counted.
    outcome = pd.DataFrame(
        {"sha256": rows["sha256"], "rows_accepted": accepted.astype(int), "rows_rejected": rows["rows"].where(~accepted, 0)}
    )
    per_workbook = meta[["sha256", "rows_in"]].merge(
        outcome.groupby("sha256").sum().reset_index(), on="sha256", how="left"
    ).fillna({"rows_accepted": 0, "rows_rejected": 0})
    max_signed = rows[accepted].groupby("sha256")["signed"].max()

    sightings, date_qa = date_sightings(manifest, meta, max_signed, fixes["publication_dates"])
    misdated, pending_qa = misdated_pending(sightings, rows.loc[accepted, ["sha256", "state", "agency_name", "support_type", "signed"]])
    sightings, moment_qa = hold_lists_at_one_moment(sightings.drop(index=misdated))
    publications = fold_publications(sightings)
    sheet_rows, rejected = split_rows(rows, publications)
    counts = sheet_rows.groupby("publication_id").size()
    publications["rows_accepted"] = publications["publication_id"].map(counts).fillna(0).astype(int)
    publications["rows_rejected"] = publications["rows_in"] - publications["rows_accepted"]
    publications = publications[PUBLICATIONS.names]

    names = manifest.drop_duplicates("sha256").set_index("sha256")["original_name"].to_dict()
    qa = date_qa + pending_qa + moment_qa + character_checks(raw, names) + moa_address_checks(sheet_rows)
    qa += ingest_checks(per_workbook, fixes, errors, rejected)
    save(build, publications, sheet_rows, rejected, qa)
    return IngestResult(publications, sheet_rows, rejected, qa, errors)


def save(build: Path, publications: pd.DataFrame, sheet_rows: pd.DataFrame, rejected: pd.DataFrame, qa: list[dict]) -> None:
    """Write the four tables, each checked against its declaration in contract.py."""
    save_table(build, PUBLICATIONS, publications)
    save_table(build, SHEET_ROWS, sheet_rows)
    save_table(build, REJECTED_ROWS, rejected)
    save_table(build, STAGE.table("qa/ingest.csv"), pd.DataFrame(qa, columns=QA_COLUMNS))
