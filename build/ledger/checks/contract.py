"""The check stage's contract: it reads every stage's checks and the built site, and writes qa_summary.csv."""

from __future__ import annotations

from ..common.contracts import QA_TABLE_COLUMNS, Stage, Table, qa_table

SUMMARY = Table(
    "qa_summary.csv",
    "every quality check of the last build, failures first; published on the methodology page",
    QA_TABLE_COLUMNS,
)
SITE_QA = qa_table("site")

STAGE = Stage(
    name="check",
    description="run the quality checks on build/ (and the site) and write qa_summary.csv",
    package="ledger.checks",
    run="ledger.checks.stage:run",
    reads=("ingest", "history", "removals", "downloads", "render"),
    writes=(SITE_QA, SUMMARY),
    help="run the quality checks on build/ (and site/) and write qa_summary.csv",
)
