"""The ingest stage: the publications ICE put out and every row of them, accepted or set aside.

cells (one cell's clean value) -> parse (raw rows, cached) -> rows (cleaned and judged) ->
publications (dated, folded, split) -> checks; stage.py does the I/O; contract.py declares the tables.

The names below are reachable as `ingest.<name>` but loaded only when first used: a later stage
imports `ledger.ingest.contract`, which runs this file, and must not load (or be re-run by a change
to) ingest's internals.
"""

from __future__ import annotations

import importlib

# name -> the module of this package that provides it
EXPORTS = {
    **dict.fromkeys(["clean_choice", "clean_link", "clean_state", "clean_url", "link_column", "parse_signed"], "cells"),
    "ingest_checks": "checks",
    **dict.fromkeys(["PARSER_VERSION", "PUBLICATIONS", "REJECTED_ROWS", "SHEET_ROWS", "STAGE"], "contract"),
    **dict.fromkeys(["RAW_FIELDS", "parse_all", "parse_files", "parse_one", "sheet_to_columns"], "parse"),
    **dict.fromkeys(["date_sightings", "fold_publications", "split_rows"], "publications"),
    # The shared helpers ingest uses, under the names the tests and older callers know.
    **dict.fromkeys(
        ["AGENCY_TYPES", "REJECT_REASONS", "normalise_rows", "SUPPORT_TYPES", "clean_text", "key_of",
         "state_codes", "per_distinct", "spread"],
        "rows",
    ),  # fmt: skip
    **dict.fromkeys(["IngestResult", "run", "save"], "stage"),
}
__all__ = sorted(EXPORTS)


def __getattr__(name: str):
    module = EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(EXPORTS))
