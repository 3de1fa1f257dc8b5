"""Makes the downloads' checks: every published table has the rows of the build tables it comes from, in every format, and the site serves every file the downloads table lists, at its size."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from ..common.qa import check
from ..downloads.contract import PUBLISHED, SOURCES

QA_STAGES = ("ingest", "history", "removals")


def build_rows(build: Path, name: str) -> int:
    """Rows of the build table(s) a published table is made from (SOURCES in the downloads contract)."""
    source = SOURCES[name]
    if source == "qa":
        return sum(len(pd.read_csv(build / "qa" / f"{s}.csv", dtype=str)) for s in QA_STAGES)
    path = build / source
    return pq.ParquetFile(path).metadata.num_rows if source.endswith(".parquet") else len(pd.read_csv(path, dtype=str))


def download_checks(build: Path, site: Path | None) -> list[dict]:
    path = build / "downloads.parquet"
    if not path.exists():
        # Before the downloads stage has run (`ledger ingest` alone) there is nothing to check; a
        # built site without them is a failure.
        return [] if site is None else [check("downloads_table_present", str(path), "missing", "present", "fail")]
    listed = pd.read_parquet(path)
    qa = []
    for p in PUBLISHED:
        expected = build_rows(build, p.name)
        mine = listed[listed["name"] == p.name]
        # A table written in parts (the sheet rows' workbooks by year) counts its parts together.
        per_format = mine.groupby("format")["rows"].sum()
        wrong = {fmt: int(n) for fmt, n in per_format.items() if int(n) != expected}
        parquet = mine[mine["format"] == "parquet"]["path"]
        if len(parquet) and (build / "downloads" / parquet.iloc[0]).exists():
            written = pq.ParquetFile(build / "downloads" / parquet.iloc[0]).metadata.num_rows
            if written != expected:
                wrong["parquet file"] = written
        status = "pass" if not wrong and len(per_format) == 4 else "fail"
        qa.append(check("download_rows_equal_build_table", p.name, wrong or len(per_format), f"{expected} rows in 4 formats", status))
    if site is not None:
        sizes = {row.path: row.bytes for row in listed.itertuples()}
        off = sorted(p for p, size in sizes.items() if not (site / p).exists() or (site / p).stat().st_size != size)
        qa.append(check("downloads_on_the_site", "site/data", len(off), 0, "pass" if not off else "fail"))
        qa += [check("download_missing_or_changed", p, "absent or another size", "as listed", "fail") for p in off[:20]]
    return qa
