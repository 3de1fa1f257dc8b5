"""Runs the history stage: reads ingest's tables and the alias table, builds the history, saves every output under build/."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from ..common.background import in_background
from ..common.contracts import read_table, save_table
from ..common.fixes import FixTable, manual_dir
from ..common.qa import QA_COLUMNS
from ..ingest.contract import PUBLICATIONS, SHEET_ROWS
from .agreements import agency_table, agreement_spans, agreement_table, assign_agreements, column_presence, listings_of, order_publications, prepare_rows
from .aliases import load_aliases
from .changes import build_changes
from .checks import history_checks, reordered_ids, row_map_check, stable_ids_check
from .contract import AGENCIES, AGREEMENTS, CHANGES, IDENTITY_TIERS, METHODOLOGY, PUBLICATION_INPUT_COLUMNS, QA, REVIEW, ROW_AGREEMENTS, ROW_COLUMNS
from .identity import resolve_agencies
from .links import link_agreements, possible_renames
from .pairs import DISTINCT_COLUMNS, load_distinct, pair_checks, same_list_pairs
from .methodology import render_methodology
from .rules import TIERS


@dataclass
class HistoryResult:
    """The stage's tables, its checks and tier counts, and the sheet rows with their ids (for the stability check)."""

    agencies: pd.DataFrame
    agreements: pd.DataFrame
    changes: pd.DataFrame
    review: pd.DataFrame
    qa: list[dict]
    tiers: dict[str, int]
    rows: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    row_agreements: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)
    seconds: float = 0.0


def load_inputs(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame, FixTable]:
    """Ingest's publications and sheet rows, and the alias table."""
    build = Path(data_dir) / "build"
    publications = read_table(build, PUBLICATIONS, PUBLICATION_INPUT_COLUMNS)
    rows = read_table(build, SHEET_ROWS, ROW_COLUMNS)
    aliases = load_aliases(manual_dir(data_dir) / "agency_aliases.csv")
    return publications, rows, aliases


def build_history(
    publications: pd.DataFrame, sheet_rows: pd.DataFrame, aliases: FixTable | None = None, distinct: pd.DataFrame | None = None
) -> HistoryResult:
    """The whole process, table to table: agencies, agreements, changes, review, qa rows and tier counts."""
    aliases = aliases if aliases is not None else FixTable("agency_aliases", {})
    pubs = order_publications(publications)
    rows = prepare_rows(sheet_rows, pubs)
    pubs = column_presence(rows, pubs)
    spellings, review_names, tiers, qa = resolve_agencies(rows, aliases)
    rows, review_dates, redated = assign_agreements(rows, spellings, pubs)
    tiers.update(redated)
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
    # A successor is linked as soon as the old agreement is off the latest list (not only once it
    # counts as ended), so a renewal is told as renewed the day it happens, never as a drop.
    links = link_agreements(spans.assign(ended=spans["gone"]), info, pubs)
    agreements = agreement_table(rows, spans, links, pubs)
    changes = build_changes(spans, links, listed, pubs)
    changes = changes.merge(agreements[["agreement_id", "agency_id", "state", "agency_name", "support_type"]], on="agreement_id", how="left")
    changes = changes[CHANGES.names]
    agencies = agency_table(rows, agreements)
    renames, rename_qa = possible_renames(agreements)
    qa += rename_qa
    if not renames.empty:
        review = pd.concat([review, renames], ignore_index=True).sort_values(["what", "state", "first", "second"]).reset_index(drop=True)
        tiers["review"] = len(review)
    qa += history_checks(pubs, rows, listed, agencies, agreements, changes, review, tiers, spans)
    qa += pair_checks(same_list_pairs(agreements, changes), distinct if distinct is not None else pd.DataFrame(columns=DISTINCT_COLUMNS))
    row_agreements = rows[ROW_AGREEMENTS.names].sort_values(["publication_id", "row_number"]).reset_index(drop=True)
    qa.append(row_map_check(sheet_rows, row_agreements))
    return HistoryResult(agencies, agreements, changes, review, qa, tiers, rows=rows, row_agreements=row_agreements)


def save(build: Path, result: HistoryResult) -> None:
    """Every declared table, checked against the contract, and the methodology text with this build's tier counts."""
    save_table(build, AGENCIES, result.agencies)
    save_table(build, AGREEMENTS, result.agreements)
    save_table(build, CHANGES, result.changes)
    save_table(build, ROW_AGREEMENTS, result.row_agreements)
    save_table(build, REVIEW, result.review)
    tiers = pd.DataFrame({"tier": list(TIERS), "merges": [result.tiers[t] for t in TIERS], "description": list(TIERS.values())})
    save_table(build, IDENTITY_TIERS, tiers)
    save_table(build, QA, pd.DataFrame(result.qa, columns=QA_COLUMNS))
    (build / METHODOLOGY).write_text(render_methodology(result.tiers), encoding="utf-8")


def run(data_dir: Path) -> HistoryResult:
    """Load the ingest outputs, build the history, save the outputs; return them."""
    started = time.perf_counter()
    publications, sheet_rows, aliases = load_inputs(data_dir)
    distinct = load_distinct(manual_dir(data_dir) / "distinct_agreements.csv")
    # The order check re-resolves every row's identity: on a second core, beside the history itself.
    reordered = in_background(partial(reordered_ids, publications, sheet_rows, aliases))
    result = build_history(publications, sheet_rows, aliases, distinct)
    result.qa.append(stable_ids_check(publications, sheet_rows, aliases, result, after=reordered()))
    result.seconds = time.perf_counter() - started
    save(Path(data_dir) / "build", result)
    return result
