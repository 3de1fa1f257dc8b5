"""The history stage: agencies.parquet, agreements.parquet, changes.parquet, row_agreements.parquet, history_review.csv and identity_tiers.csv in <data-dir>/build/, with its checks in build/qa/history.csv and its methodology text in build/history_methodology.md.

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

Statuses and change types are defined once, with their meanings, in rules.py
(AGREEMENT_STATUSES, AGENCY_STATUSES, CHANGE_TYPES). An agreement gone from the latest list
is `missing` until it has been gone from ENDED_AFTER_LISTS lists in a row, then `ended`
(`superseded` if renewed); the change log tells `dropped` in the list where it first
disappeared, `ended` in the list that confirms it and `back` if it returns. A pending request
is `pending`, `missing`, `signed` or `lapsed`. row_agreements.parquet maps every accepted
sheet row to its agreement and agency.
An empty list is no evidence that anything ended: it is skipped when absences are counted.

rules (the numbers and vocabularies) -> names (keys, edit distances) -> identity (agencies)
-> dates (re-datings) -> agreements (rows to agreements, spans, tables) -> links (renewals,
switches, signings) -> changes (the log) -> checks; stage.py does the I/O; contract.py
declares the tables; methodology.py renders the text the site includes; asof.py queries the
saved tables.
"""

from __future__ import annotations

from pathlib import Path

from ..common.fixes import manual_dir
from .aliases import ALIAS_COLUMNS, load_aliases
from .checks import history_checks, row_map_check, stable_ids_check
from .contract import AGENCIES, AGREEMENTS, CHANGES, IDENTITY_TIERS, METHODOLOGY, PUBLICATION_INPUT_COLUMNS, REVIEW, ROW_AGREEMENTS, ROW_COLUMNS, STAGE
from .methodology import methodology_context, render_methodology
from .names import county_key, edits, name_key, slug
from .rules import (
    AGENCY_STATUSES,
    AGREEMENT_STATUSES,
    CHANGE_TYPES,
    COUNTY_EDITS,
    EARLY_AGENCY_STATUS,
    ENDED_AFTER_LISTS,
    FIELDS,
    PENDING_LINK_DAYS,
    REDATE_ANY_DAYS,
    REDATE_MAX_DAYS,
    START_CHANGES,
    TIERS,
    TYPO_EDITS,
    TYPO_EDITS_WITH_SHARED_AGREEMENT,
)
from .stage import HistoryResult, build_history, load_inputs, run, save

__all__ = [
    "AGENCIES", "AGENCY_STATUSES", "AGREEMENTS", "AGREEMENT_STATUSES", "ALIAS_COLUMNS", "CHANGES", "CHANGE_TYPES",
    "COUNTY_EDITS", "EARLY_AGENCY_STATUS", "ENDED_AFTER_LISTS", "FIELDS", "IDENTITY_TIERS", "METHODOLOGY", "PENDING_LINK_DAYS",
    "PUBLICATION_INPUT_COLUMNS", "REDATE_ANY_DAYS", "REDATE_MAX_DAYS", "REVIEW", "ROW_AGREEMENTS", "ROW_COLUMNS", "STAGE", "START_CHANGES", "TIERS",
    "TYPO_EDITS", "TYPO_EDITS_WITH_SHARED_AGREEMENT", "HistoryResult", "Path", "build_history", "county_key",
    "edits", "history_checks", "load_aliases", "load_inputs", "manual_dir", "methodology_context", "name_key",
    "render_methodology", "row_map_check", "run", "save", "slug", "stable_ids_check",
]  # fmt: skip
