"""The change log's pages and CSV and the ended agreements page: every change on exactly one page, nothing cut, names made safe."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from ledger import cli
from ledger import site as render
from ledger.common.spreadsheet import csv_text
from ledger.site.changelog import CHANGE_CSV_COLUMNS, change_csv, change_pages, ended_counts, ended_csv, ended_rows, latest_changes, year_summary

PUBS = pd.DataFrame(
    [
        {"publication_id": p, "list_kind": k, "published_at": pd.Timestamp(d), "file_names": [f"{p}.xlsx", f"copy-{p}.xlsx"], "sha256s": [f"sha{p}", "other"], "date_source": "ice_file_name"}
        for p, k, d in [
            ("p1", "participating", "2024-03-01"), ("p2", "participating", "2025-01-10"), ("p3", "participating", "2025-01-20"),
            ("p4", "participating", "2025-02-05"), ("p5", "participating", "2026-01-02"), ("n1", "pending", "2025-02-05"),
        ]
    ]
)  # fmt: skip
DATES = dict(zip(PUBS["publication_id"], PUBS["published_at"]))


def changes(*rows):
    """(publication_id, change, agency_name) -> a change log, newest first as the site orders it."""
    frame = pd.DataFrame(
        [
            {"publication_id": p, "list_kind": "pending" if p.startswith("n") else "participating", "published_at": DATES[p], "change": c,
             "agreement_id": f"TX-{i}", "agency_id": f"TX-{i}", "state": "TX", "agency_name": name, "support_type": "Task Force Model",
             "field": None, "old_value": None, "new_value": None, "previous_agreement_id": None, "detail": None}
            for i, (p, c, name) in enumerate(rows)
        ]
    )  # fmt: skip
    return frame.sort_values(["published_at", "agency_name"], ascending=[False, True])


LOG = changes(
    ("p1", "added", "a"), ("p2", "added", "b"), ("p2", "dropped", "c"), ("p3", "back", "c"), ("p4", "renamed", "d"),
    ("n1", "added", "e"), ("p5", "added", "f"), ("p5", "ended", "g"),
)  # fmt: skip


@pytest.mark.parametrize("page_rows", [100, 3])
def test_every_change_is_on_exactly_one_page_of_its_year_or_month_newest_first(page_rows):
    pages = change_pages(LOG, page_rows=page_rows)
    placed = pd.concat([p.rows for p in pages]).index
    assert sorted(placed) == sorted(LOG.index) and placed.is_unique
    for page in pages:
        assert (page.rows["published_at"].dt.year == page.year).all()
        if page.month is not None:
            assert (page.rows["published_at"].dt.month == page.month).all()
        assert page.rows["published_at"].is_monotonic_decreasing
    assert [p.year for p in pages] == sorted((p.year for p in pages), reverse=True)
    summary = year_summary(pages).set_index("year")
    assert summary["changes"].to_dict() == {2026: 2, 2025: 5, 2024: 1}
    assert summary.loc[2025, ["participating", "pending"]].tolist() == [4, 1]
    if page_rows == 3:  # 2025's five changes pass the limit: a page per month, January first listed last
        assert [p.path for p in pages if p.year == 2025] == ["changes/2025/02.md", "changes/2025/01.md"]
        assert summary.loc[2025, "months"] == [("2025/02/", 2, 2), ("2025/01/", 1, 3)]
        assert [p.root for p in pages if p.year == 2025] == ["../../../"] * 2
    else:
        assert [p.path for p in pages] == ["changes/2026/index.md", "changes/2025/index.md", "changes/2024/index.md"]
        assert summary["months"].map(len).sum() == 0


def test_latest_changes_are_those_of_the_latest_lists():
    assert latest_changes(LOG, ["p5", "n1"])["agency_name"].tolist() == ["f", "g", "e"]


def test_the_csv_has_every_change_with_its_list_file_and_workbook_and_hostile_names_made_inert():
    log = changes(("p2", "added", "=HYPERLINK(\"http://x\",\"y\")"), ("p2", "added", "+1 Sheriff"), ("p3", "dropped", "-Office"),
                  ("p4", "added", "@SUM(A1)"), ("p4", "added", "Plain, \"quoted\" Office"))  # fmt: skip
    frame = change_csv(log, PUBS)
    assert list(frame.columns) == CHANGE_CSV_COLUMNS and len(frame) == len(log)
    assert frame["workbook"].tolist() == ["data/ice/shap4.xlsx"] * 2 + ["data/ice/shap3.xlsx"] + ["data/ice/shap2.xlsx"] * 2
    assert set(frame["file_name"]) == {"p2.xlsx", "p3.xlsx", "p4.xlsx"}
    back = pd.read_csv(io.StringIO(csv_text(frame)), dtype=str, keep_default_na=False)
    assert len(back) == len(log)
    assert set(back["agency_name"]) == {"'=HYPERLINK(\"http://x\",\"y\")", "'+1 Sheriff", "'-Office", "'@SUM(A1)", "Plain, \"quoted\" Office"}
    assert back["published_at"].tolist()[0] == "2025-02-05"


def agreements(*rows):
    """(agreement_id, list_kind, status, last publication, first absent publication) -> an agreements table."""
    frame = pd.DataFrame(
        [
            {"agreement_id": a, "list_kind": k, "status": s, "agency_id": f"TX-{a}", "agency_name": f"Agency {a}", "state": st, "county": None,
             "support_type": "Jail Enforcement Model", "signed": "2020-01-01", "first_listed": DATES["p1"], "last_listed": DATES[last],
             "last_publication_id": last, "first_absent": DATES.get(absent, pd.NaT), "first_absent_publication_id": absent, "moa_url": None}
            for a, k, s, st, last, absent in rows
        ]
    )  # fmt: skip
    return frame


def status_text(status, last, absent):
    return f"{status} {last:%Y-%m-%d} {absent:%Y-%m-%d}"


def test_the_ended_page_lists_every_ended_and_missing_agreement_not_yet_ended_first():
    table = agreements(
        ("a", "participating", "active", "TX", "p5", None), ("b", "participating", "ended", "TX", "p1", "p2"),
        ("c", "participating", "missing", "OK", "p4", "p5"), ("d", "participating", "ended", "OK", "p3", "p4"),
        ("e", "participating", "superseded", "TX", "p3", "p4"), ("f", "pending", "missing", "TX", "n1", None),
        ("g", "pending", "lapsed", "TX", "n1", None),
    )  # fmt: skip
    rows = ended_rows(table, PUBS, status_text)
    assert rows["agreement_id"].tolist() == ["c", "d", "b"]  # missing first, then the most recently gone
    assert rows["last_workbook"].tolist() == ["data/ice/shap4.xlsx", "data/ice/shap3.xlsx", "data/ice/shap1.xlsx"]
    assert rows["absent_workbook"].tolist() == ["data/ice/shap5.xlsx", "data/ice/shap4.xlsx", "data/ice/shap2.xlsx"]
    assert rows["status_text"].tolist()[0] == "missing 2025-02-05 2026-01-02"
    counts = ended_counts(rows)
    assert (counts["total"], counts["by_status"], counts["by_state"].to_dict()) == (3, {"missing": 1, "ended": 2}, {"OK": 2, "TX": 1})
    out = ended_csv(rows)
    assert out["first_absent"].tolist() == ["2026-01-02", "2025-02-05", "2025-01-10"] and out["signed"].tolist() == ["2020-01-01"] * 3


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample archive through history, and its pages rendered (without MkDocs)."""
    data = tmp_path_factory.mktemp("changelog") / "data"
    for command in (["sample"], ["ingest"], ["history"], ["removals"], ["downloads"]):
        assert cli.main(["--data-dir", str(data), *command]) == 0, command
    render.run(data, site_dir=data / "site", mkdocs=False)
    return data / "build"


ROW = re.compile(r"^<tr><td>", re.M)


def test_the_sample_sites_log_pages_and_csv_hold_every_change_once(sample):
    log = pd.read_parquet(sample / "changes.parquet")
    source = sample / "site_src"
    pages = sorted((source / "changes").rglob("*.md"))
    per_page = {p.relative_to(source).as_posix(): len(ROW.findall(p.read_text(encoding="utf-8"))) for p in pages}
    years = log["published_at"].dt.year.value_counts()
    listed = {int(name.split("/")[1]): n for name, n in per_page.items() if name.endswith("/index.md")}
    assert listed == years.to_dict()  # the sample's years are short: one page each, every change once
    csv = pd.read_csv(source / "changes" / "changes.csv", dtype=str, keep_default_na=False)
    assert len(csv) == len(log) and sorted(csv["agreement_id"]) == sorted(log["agreement_id"])
    index = (source / "generated" / "changes.md").read_text(encoding="utf-8")
    assert f"{len(log):,} in all" in index and 'href="changes.csv"' in index
    for year, count in years.items():
        assert f'<a href="{year}/">{year}</a></td><td>{count:,}</td>' in index


def test_the_sample_sites_ended_page_lists_every_ended_and_missing_agreement(sample):
    agreements = pd.read_parquet(sample / "agreements.parquet")
    gone = agreements[(agreements["list_kind"] == "participating") & agreements["status"].isin(["ended", "missing"])]
    assert len(gone)  # the sample has drops and ends
    page = (sample / "site_src" / "generated" / "ended.md").read_text(encoding="utf-8")
    assert len(ROW.findall(page)) == len(gone)
    for agency_id in gone["agency_id"]:
        assert f'href="../agencies/{agency_id}/"' in page
    assert "status.missing" not in page and "missing_since" not in page
    csv = pd.read_csv(sample / "site_src" / "ended" / "ended.csv", dtype=str, keep_default_na=False)
    assert sorted(csv["agreement_id"]) == sorted(gone["agreement_id"])
    assert csv["last_workbook"].str.fullmatch(r"data/ice/[0-9a-f]{64}\.xlsx").all()
