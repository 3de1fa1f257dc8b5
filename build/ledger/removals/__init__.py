"""The removals stage: ICE's 287(g) removal figures by agency, state and year, and the cited figures, under <data-dir>/build/.

Modules: names (name keys, states from addresses), agency_stats (ICE's statistics by agency),
linking (to the agreements history), early (the agencies of the 2009 list and the
statistics, one row each: early_agencies.parquet), cited (data/published), foia and foia_aggregate (FOIA
releases), by_state (the state and year tables, and the share shown), checks, contract, stage.
The raw store and `ledger import-removals` live in ledger.sources.removal_files.
"""

from __future__ import annotations

from ..common.errors import LedgerError
from ..common.paths import PROJECT_PUBLISHED_DIR
from ..common.qa import QA_COLUMNS
from ..sources.removal_files import MANIFEST_FIELDS, RemovalsStore, import_removals, removals_files, validate_removals_file
from .agency_stats import agency_rows, agency_stats_layout, parse_count, read_agency_stats
from .by_state import SHARE_PRECEDENCE, agency_state_rows, by_year_rows, foia_state_rows, with_national
from .checks import agency_checks, foia_checks, link_checks, state_checks
from .cited import cited_file_checks, load_cited_files, national_rows
from .contract import AGENCY_COLUMNS, EARLY_AGENCIES, STAGE, STATE_COLUMNS
from .early import early_agencies, pair_sources
from .foia import FoiaFile, aggregate_foia, load_foia
from .foia_aggregate import aggregate_records, date_of, departure_dates
from .linking import agency_index, link_agencies
from .names import column_key, name_keys, state_from_address
from .stage import RemovalsResult, run, save
from .vocabulary import DDP_ARRESTS_COLUMNS, SET_ASIDE_REASONS

__all__ = [
    "AGENCY_COLUMNS", "DDP_ARRESTS_COLUMNS", "EARLY_AGENCIES", "LedgerError", "MANIFEST_FIELDS", "PROJECT_PUBLISHED_DIR", "QA_COLUMNS",
    "RemovalsResult", "RemovalsStore", "SET_ASIDE_REASONS", "SHARE_PRECEDENCE", "STAGE", "STATE_COLUMNS", "FoiaFile",
    "agency_checks", "agency_index", "agency_rows", "agency_state_rows", "agency_stats_layout", "aggregate_foia",
    "aggregate_records", "by_year_rows", "cited_file_checks", "column_key", "date_of", "departure_dates", "early_agencies", "foia_checks",
    "foia_state_rows", "import_removals", "link_agencies", "link_checks", "load_cited_files", "load_foia", "name_keys",
    "national_rows", "pair_sources", "parse_count", "read_agency_stats", "removals_files", "run", "save", "state_checks",
    "state_from_address", "validate_removals_file", "with_national",
]  # fmt: skip
