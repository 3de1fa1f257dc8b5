"""The check stage: every stage's quality checks in one table, qa_summary.csv, and the checks of the built site."""

from ..common.qa import QA_COLUMNS, STATUSES, check
from .outputs import publication_checks
from .site import STATE_PAGE_LIMIT, site_checks
from .stage import failures, load_stage_rows, run

__all__ = ["QA_COLUMNS", "STATUSES", "STATE_PAGE_LIMIT", "check", "failures", "load_stage_rows", "publication_checks", "run", "site_checks"]
