"""The whole shared archive of real ICE lists: import, ingest, reconcile. Skips when ../shared/data is absent."""

from __future__ import annotations

import pandas as pd
import pytest

from ledger import cli

from .conftest import ICE_SHEETS, shared_path

pytestmark = pytest.mark.archive


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    shared_path("ice-sheets/MANIFEST.csv")
    data = tmp_path_factory.mktemp("archive") / "data"
    assert cli.main(["--data-dir", str(data), "import", str(ICE_SHEETS)]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    return data / "build"


def test_every_file_is_imported_and_reconciled(ingested):
    manifest = pd.read_csv(ICE_SHEETS / "MANIFEST.csv")
    qa = pd.read_csv(ingested / "qa_summary.csv", dtype=str)
    assert "fail" not in set(qa["status"]), qa[qa["status"] == "fail"]
    reconciled = qa[qa["check"] == "workbooks_reconciled"].iloc[0]
    assert reconciled["value"] == reconciled["expected"] == str(len(manifest))
    assert qa[qa["check"] == "unaccounted_rows"]["value"].tolist() == ["0"]
    pubs = pd.read_parquet(ingested / "publications.parquet")
    assert sum(len(names) for names in pubs["file_names"]) == len(manifest)
    rows = pd.read_parquet(ingested / "sheet_rows.parquet", columns=["publication_id"])
    rejected = pd.read_csv(ingested / "rejected_rows.csv")
    assert len(rows) + rejected["rows"].sum() == pubs["rows_in"].sum()


def test_known_quirks_of_the_real_archive(ingested):
    pubs = pd.read_parquet(ingested / "publications.parquet").set_index("publication_id")
    # Named 08/02/2025 but signed up to 08/28: placed on the reviewed date, never in the past.
    fixed = pubs[pubs["file_names"].map(lambda n: "participatingAgencies08022025pm.xlsx" in list(n))].iloc[0]
    assert fixed["date_source"] == "manual_fix" and fixed["published_at"] == pd.Timestamp("2025-09-02 17:00")
    # A pending list published under a participating name.
    relabelled = pubs[pubs["file_names"].map(lambda n: "participatingAgencies09222025pm.xlsx" in list(n))].iloc[0]
    assert relabelled["list_kind"] == "pending" and relabelled["list_kind_source"] == "layout"
    rows = pd.read_parquet(ingested / "sheet_rows.parquet")
    assert set(rows["support_type"]) == {"Jail Enforcement Model", "Task Force Model", "Warrant Service Officer"}
    assert rows["state"].str.fullmatch(r"[A-Z]{2}").all()
    assert not rows["moa_url"].dropna().str.contains("web.archive.org|safelinks").any()
    assert (rows.loc[rows["raw_signed"] == "5025-07-07", "signed"].astype(str) == "2025-07-07").all()
