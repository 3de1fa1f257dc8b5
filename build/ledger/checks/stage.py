"""Makes <data-dir>/build/qa_summary.csv: every stage's quality checks, plus those recomputed from the outputs.

Checks are data (`check, scope, value, expected, status`). Each stage writes its own rows to
build/qa/<stage>.csv; this stage recomputes the checks that can be made from the saved tables
alone, so `ledger check` catches an output that was edited or truncated after the build.
A single `fail` row makes `ledger build` and `ledger check` exit non-zero.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..common.contracts import save_table
from ..common.qa import QA_COLUMNS, STATUSES, check
from .contract import SITE_QA, SUMMARY
from .downloads import download_checks
from .figures import figure_checks, workbook_checks
from .outputs import publication_checks
from .site import site_checks


def load_stage_rows(build: Path, include_site: bool = True) -> pd.DataFrame:
    paths = [p for p in sorted((build / "qa").glob("*.csv")) if include_site or p.name != "site.csv"]
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QA_COLUMNS)


def run(data_dir: Path, site_dir: Path | None = None, write: bool = True, include_site: bool = True) -> pd.DataFrame:
    """Recompute the output checks, merge every stage's rows, write qa_summary.csv; return it."""
    build = Path(data_dir) / "build"
    rows = []
    if site_dir is not None and Path(site_dir).exists():
        site_rows = site_checks(Path(site_dir), Path(data_dir)) + workbook_checks(Path(site_dir))
        save_table(build, SITE_QA, pd.DataFrame(site_rows, columns=QA_COLUMNS))
    publications_path = build / "publications.parquet"
    if publications_path.exists():
        publications = pd.read_parquet(publications_path)
        sheet_rows = pd.read_parquet(build / "sheet_rows.parquet", columns=["publication_id", "list_kind", "state", "support_type", "signed"])
        rejected = pd.read_csv(build / "rejected_rows.csv", usecols=["publication_id", "rows"], dtype={"publication_id": str, "rows": int})
        rows += publication_checks(publications, sheet_rows, rejected)
        if (build / "national_figures.parquet").exists():
            rows += figure_checks(build)
        rows += download_checks(build, Path(site_dir) if site_dir is not None and Path(site_dir).exists() else None)
    else:
        rows.append(check("ingest_outputs_present", str(publications_path), "missing", "present", "fail"))
    summary = pd.concat([load_stage_rows(build, include_site), pd.DataFrame(rows, columns=QA_COLUMNS).astype(str)], ignore_index=True)
    summary["order"] = summary["status"].map({s: i for i, s in enumerate(STATUSES)}).fillna(len(STATUSES))
    summary = summary.sort_values(["order", "check", "scope"], kind="stable").drop(columns="order")
    if write:
        save_table(build, SUMMARY, summary)
    return summary


def failures(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["status"] == "fail"]
