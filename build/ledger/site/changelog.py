"""The change log and the ended agreements as their pages and downloads list them: pure table-to-table steps.

The change log is published whole: /changes/ lists the latest lists' changes and links a page per
year (a year too long for one page is split into a page per month) and changes/changes.csv with
every change. /ended/ lists every participating agreement that is ended or missing, with the last
list that had it and the first that did not, each linking ICE's workbook as the site publishes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..downloads.contract import workbook_path
from .format import day

# A year with more changes than this gets a page per month. Measured on the shared archive, a
# change row weighs about 250 bytes of HTML and the theme about 13 KB (2026's 525 changes: 144 KB;
# 2025's 3,802 in one page would be about 960 KB): 1,500 rows keep a page under 400 KB.
PAGE_ROWS = 1500
CHANGES_FOLDER = "changes"  # /changes/<year>/ and /changes/<year>/<month>/, and changes/changes.csv
CHANGES_CSV = f"{CHANGES_FOLDER}/changes.csv"
ENDED_CSV = "ended/ended.csv"
ENDED_STATUSES = ["missing", "ended"]  # the order the ended page lists them: not yet confirmed first

CHANGE_CSV_COLUMNS = [
    "published_at", "list_kind", "change", "state", "agency_name", "agency_id", "agreement_id", "support_type",
    "field", "old_value", "new_value", "detail", "previous_agreement_id", "publication_id", "file_name", "workbook",
]  # fmt: skip
ENDED_CSV_COLUMNS = [
    "status", "status_text", "state", "agency_name", "agency_id", "agreement_id", "county", "support_type", "signed",
    "first_listed", "last_listed", "last_publication_id", "last_file", "last_workbook",
    "first_absent", "first_absent_publication_id", "absent_file", "absent_workbook", "moa_url",
]  # fmt: skip


@dataclass
class ChangePage:
    """One page of the change log: a year, or a month of a long year, with its rows newest first."""

    path: str  # the Markdown file under the site's source, e.g. changes/2025/index.md or changes/2025/05.md
    url: str  # its address from /changes/, e.g. 2025/ or 2025/05/
    year: int
    month: int | None
    rows: pd.DataFrame
    depth: int  # folders below the site's root, for links back to it

    @property
    def root(self) -> str:
        return "../" * self.depth


def workbooks(publications: pd.DataFrame) -> pd.DataFrame:
    """Each list's published workbook (data/ice/<sha256>.xlsx, as the site publishes it) and first file name, by publication_id."""
    pubs = publications.set_index("publication_id")
    shas = pubs["sha256s"].map(lambda shas: workbook_path(str(list(shas)[0])))
    return pd.DataFrame({"workbook": shas, "file_name": pubs["file_names"].map(lambda names: str(list(names)[0]))})


def change_pages(changes: pd.DataFrame, page_rows: int = PAGE_ROWS) -> list[ChangePage]:
    """Every change on exactly one page: one per year, or one per month for a year over `page_rows` changes. Newest first.

    `changes` is the log as the site orders it (newest first); each page keeps that order.
    """
    pages: list[ChangePage] = []
    years = changes["published_at"].dt.year
    for year in sorted(years.unique(), reverse=True):
        mine = changes[years == year]
        if len(mine) <= page_rows:
            pages.append(ChangePage(f"{CHANGES_FOLDER}/{year}/index.md", f"{year}/", int(year), None, mine, 2))
            continue
        months = mine["published_at"].dt.month
        for month in sorted(months.unique(), reverse=True):
            rows = mine[months == month]
            pages.append(ChangePage(f"{CHANGES_FOLDER}/{year}/{month:02d}.md", f"{year}/{month:02d}/", int(year), int(month), rows, 3))
    return pages


def year_summary(pages: list[ChangePage]) -> pd.DataFrame:
    """Per year: its changes in all and per list kind, and the page(s) that list them (url, month, count)."""
    rows = []
    for year in sorted({p.year for p in pages}, reverse=True):
        mine = [p for p in pages if p.year == year]
        counts = pd.concat([p.rows for p in mine])["list_kind"].value_counts()
        rows.append({
            "year": year, "changes": int(counts.sum()), "participating": int(counts.get("participating", 0)), "pending": int(counts.get("pending", 0)),
            "url": f"{year}/", "months": [(p.url, p.month, len(p.rows)) for p in mine if p.month is not None],
        })  # fmt: skip
    return pd.DataFrame(rows, columns=["year", "changes", "participating", "pending", "url", "months"])


def latest_changes(changes: pd.DataFrame, latest_ids: list[str]) -> pd.DataFrame:
    """The changes recorded in the latest list of each kind, in the log's order."""
    return changes[changes["publication_id"].isin(latest_ids)]


def change_csv(changes: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """Every change, as changes/changes.csv offers it: the log's columns, the list's file and its published workbook."""
    books = workbooks(publications)
    out = changes.assign(
        published_at=changes["published_at"].map(day),
        file_name=changes["publication_id"].map(books["file_name"]),
        workbook=changes["publication_id"].map(books["workbook"]),
    )
    return out[CHANGE_CSV_COLUMNS]


def ended_rows(agreements: pd.DataFrame, publications: pd.DataFrame, status_text) -> pd.DataFrame:
    """Every participating agreement that is missing or ended, not-yet-ended first, then most recently gone first.

    Adds the files and published workbooks of its last list and of the first list without it, and
    `status_text`, the status as a reader sees it (`status_text(status, last_listed, first_absent)`).
    """
    books = workbooks(publications)
    gone = agreements[(agreements["list_kind"] == "participating") & agreements["status"].isin(ENDED_STATUSES)].copy()
    gone["order"] = gone["status"].map({s: i for i, s in enumerate(ENDED_STATUSES)})
    gone = gone.sort_values(["order", "first_absent", "state", "agency_name", "agreement_id"], ascending=[True, False, True, True, True])
    return gone.assign(
        status_text=[status_text(s, last, absent) for s, last, absent in zip(gone["status"], gone["last_listed"], gone["first_absent"])],
        last_file=gone["last_publication_id"].map(books["file_name"]),
        last_workbook=gone["last_publication_id"].map(books["workbook"]),
        absent_file=gone["first_absent_publication_id"].map(books["file_name"]),
        absent_workbook=gone["first_absent_publication_id"].map(books["workbook"]),
    ).drop(columns="order")


def ended_csv(rows: pd.DataFrame) -> pd.DataFrame:
    """The ended page's rows as ended/ended.csv offers them, dates as YYYY-MM-DD."""
    dates = {c: rows[c].map(day) for c in ["signed", "first_listed", "last_listed", "first_absent"]}
    return rows.assign(**dates)[ENDED_CSV_COLUMNS]


def ended_counts(rows: pd.DataFrame) -> dict:
    """How many the ended page lists, per status and per state (states with most first)."""
    per_state = rows.groupby("state").size()
    return {
        "total": len(rows),
        "by_status": {s: int((rows["status"] == s).sum()) for s in ENDED_STATUSES},
        "by_state": per_state.sort_index().sort_values(ascending=False, kind="stable"),  # ties by state
    }
