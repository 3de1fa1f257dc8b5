"""Dating the lists: misdated participating and pending lists, archive captures in ICE's time zone, warnings printed."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

from ledger import cli, history, ingest
from ledger.common.text import list_key
from ledger.ingest.misdated import a_year_on, year_early
from ledger.sources.store import Store, import_paths

P_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
Q_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"]
MOA = ("link", "https://www.ice.gov/doclib/287gMOA/x.pdf")
JEM, TFM = "Jail Enforcement Model", "Task Force Model"


def agency(number: int) -> str:
    return f"County {number} Sheriff's Office"


def participating(signed: dict[int, str], model: str = JEM) -> list[list]:
    """Rows of a participating list: agency number -> signing date."""
    return [["TEXAS", agency(n), "County", f"County {n}", model, day, MOA] for n, day in sorted(signed.items())]


def pending(numbers, model: str = JEM) -> list[list]:
    return [["TEXAS", agency(n), "County", f"County {n}", model] for n in numbers]


def ingest_lists(data_dir, lists: dict[str, tuple[list, list]], write_list, fixes: list[dict] | None = None):
    """Write, import and ingest lists {file name: (header, rows)}; fixes become <data-dir>/manual/publication_dates.csv."""
    paths = [write_list(name, header, rows, folder=data_dir.parent / f"lists-{data_dir.name}") for name, (header, rows) in lists.items()]
    if fixes is not None:
        manual = data_dir / "manual"
        manual.mkdir(parents=True)
        with (manual / "publication_dates.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["wrong", "right", "reason", "source", "reviewed"])
            writer.writeheader()
            writer.writerows(fixes)
    imported, skipped, errors = import_paths(Store(data_dir), paths)
    assert not errors, errors
    return ingest.run(data_dir)


def warnings(result, name: str) -> list[dict]:
    return [q for q in result.qa if q["check"] == name]


# ------------------------------------------------------------------ participating lists


@pytest.mark.parametrize(
    "file_name_date, latest, expected",
    [
        ("2025-01-15 09:00", dt.date(2026, 1, 12), "2026-01-15 09:00"),  # a January list under last year's date
        ("2025-01-15 09:00", dt.date(2026, 1, 15), "2026-01-15 09:00"),  # signed the very day
        ("2024-02-29 12:00", dt.date(2025, 2, 20), "2025-02-28 12:00"),  # leap day a year on
        ("2025-01-15 09:00", dt.date(2026, 1, 16), None),  # signed after the corrected date too
        ("2025-08-02 17:00", dt.date(2025, 8, 28), None),  # a month off, not a year: held for review
        ("2025-01-15 09:00", dt.date(2025, 6, 1), None),  # not within half a year of the day a year on
    ],
)
def test_year_early(file_name_date, latest, expected):
    corrected = year_early(pd.Timestamp(file_name_date), latest)
    assert corrected == (pd.Timestamp(expected) if expected else None)


def test_a_year_on_keeps_month_day_and_time():
    assert a_year_on(dt.datetime(2025, 1, 15, 9, 0)) == dt.datetime(2026, 1, 15, 9, 0)
    assert a_year_on(dt.datetime(2026, 1, 15, 9, 0), -1) == dt.datetime(2025, 1, 15, 9, 0)


def test_a_participating_list_named_a_year_early_is_dated_a_year_on(write_list, tmp_path):
    result = ingest_lists(
        tmp_path / "data",
        {
            "participatingAgencies01072026am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05"})),
            "participatingAgencies01152025am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05", 3: "2026-01-12"})),
            "participatingAgencies01222026am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05", 3: "2026-01-12"})),
        },
        write_list,
    )
    pubs = result.publications.set_index("publication_id")
    fixed = pubs.loc["participating-20260115-090000"]
    assert fixed["date_source"] == "corrected_year" and fixed["file_name_date"] == pd.Timestamp("2025-01-15 09:00")
    # Placed a year on, it is the list that the unchanged one of 01/22 repeats.
    assert list(fixed["file_names"]) == ["participatingAgencies01152025am.xlsx", "participatingAgencies01222026am.xlsx"]
    [warning] = warnings(result, "publication_year_corrected")
    assert warning["scope"] == "participatingAgencies01152025am.xlsx" and warning["status"] == "warn"
    assert "2026-01-15 09:00:00 not 2025-01-15 09:00:00" in warning["value"] and "2026-01-12" in warning["value"]
    assert not warnings(result, "list_held_for_review")


def test_a_participating_list_signed_after_its_date_that_fits_no_year_is_held(write_list, tmp_path):
    result = ingest_lists(
        tmp_path / "data",
        {
            "participatingAgencies03012025am.xlsx": (P_HEADER, participating({1: "2025-02-03"})),
            "participatingAgencies03052025am.xlsx": (P_HEADER, participating({1: "2025-02-03", 2: "2025-06-20"})),
        },
        write_list,
    )
    assert result.publications["file_names"].str[0].tolist() == ["participatingAgencies03012025am.xlsx"]
    [held] = warnings(result, "list_held_for_review")
    assert held["scope"] == "participatingAgencies03052025am.xlsx" and "signed up to 2025-06-20" in held["value"]
    assert not warnings(result, "publication_year_corrected")


def test_a_reviewed_date_wins_over_the_year_rule(write_list, tmp_path):
    fix = {"wrong": "participatingAgencies01152025am.xlsx", "right": "2026-01-16T09:00:00", "reason": "test", "source": "test", "reviewed": "2026-12-02"}
    result = ingest_lists(
        tmp_path / "data",
        {"participatingAgencies01152025am.xlsx": (P_HEADER, participating({1: "2026-01-12"}))},
        write_list,
        fixes=[fix],
    )
    pub = result.publications.iloc[0]
    assert (pub["date_source"], pub["published_at"]) == ("manual_fix", pd.Timestamp("2026-01-16 09:00"))
    assert not warnings(result, "publication_year_corrected")


# ------------------------------------------------------------------ pending lists

# Five participating lists through 2025 carrying agreements 1-6, signed in January 2025.
SIGNED_EARLY = {n: "2025-01-10" for n in range(1, 7)}
PARTICIPATING_2025 = {f"participatingAgencies0{m}012025am.xlsx": (P_HEADER, participating(SIGNED_EARLY)) for m in range(2, 10)}


def test_a_pending_list_of_requests_signed_long_before_is_flagged_and_set_aside(write_list, tmp_path):
    lists = dict(PARTICIPATING_2025)
    lists["pendingAgencies08252025am.xlsx"] = (Q_HEADER, pending(range(20, 30)))
    lists["pendingAgencies09022025am.xlsx"] = (Q_HEADER, pending([1, 2, 3, 4, 5, 20, 21]))  # old requests, long signed
    lists["pendingAgencies09102025am.xlsx"] = (Q_HEADER, pending(range(21, 30)))
    result = ingest_lists(tmp_path / "data", lists, write_list)
    pending_names = result.publications.loc[result.publications["list_kind"] == "pending", "file_names"].str[0].tolist()
    assert pending_names == ["pendingAgencies08252025am.xlsx", "pendingAgencies09102025am.xlsx"]
    [flag] = warnings(result, "pending_list_misdated")
    assert flag["scope"] == "pendingAgencies09022025am.xlsx" and flag["status"] == "warn"
    assert flag["value"].startswith("5 of 7 requests were signed over 120 days before it") and "2025-09-01" in flag["value"]
    assert "publication_dates.csv" in flag["expected"]
    assert "pendingAgencies09022025am.xlsx" not in set(result.publications["file_names"].explode())


def test_requests_for_another_model_or_recently_signed_are_not_stale(write_list, tmp_path):
    lists = dict(PARTICIPATING_2025)
    # The same agencies asking for the Task Force model, and agencies signed weeks ago: ordinary requests.
    lists["pendingAgencies09022025am.xlsx"] = (Q_HEADER, pending([1, 2, 3, 4, 5], model=TFM) + pending([30]))
    lists["participatingAgencies09032025am.xlsx"] = (P_HEADER, participating({**SIGNED_EARLY, 31: "2025-08-20", 32: "2025-08-20", 33: "2025-08-20"}))
    lists["pendingAgencies09042025am.xlsx"] = (Q_HEADER, pending([31, 32, 33, 34, 35]))
    result = ingest_lists(tmp_path / "data", lists, write_list)
    assert not warnings(result, "pending_list_misdated")
    assert (result.publications["list_kind"] == "pending").sum() == 2


def year_off_lists() -> dict:
    """Pending lists in February 2025 (requests 1-10) and February 2026 (requests 40-49), and one misdated list."""
    lists = {}
    for day in ("03", "06", "10"):
        lists[f"pendingAgencies02{day}2025am.xlsx"] = (Q_HEADER, pending(range(1, 11)))
        lists[f"pendingAgencies02{day}2026am.xlsx"] = (Q_HEADER, pending(range(40, 50)))
    lists["pendingAgencies02052025pm.xlsx"] = (Q_HEADER, pending(range(40, 50)))  # February 2026's list, last year's name
    return lists


def test_a_pending_list_matching_the_lists_a_year_on_is_flagged(write_list, tmp_path):
    result = ingest_lists(tmp_path / "data", year_off_lists(), write_list)
    [flag] = warnings(result, "pending_list_misdated")
    assert flag["scope"] == "pendingAgencies02052025pm.xlsx"
    assert flag["value"] == "matches the pending list of 2026-02-03 (Jaccard 1.00) far better than its neighbours (0.00)"
    assert "pendingAgencies02052025pm.xlsx" not in set(result.sheet_rows["file_name"])
    # Correctly dated lists, each matching its neighbours, are not flagged.
    assert len(result.publications) == 2


def test_a_reviewed_date_places_a_flagged_pending_list(write_list, tmp_path):
    fix = {"wrong": "pendingAgencies02052025pm.xlsx", "right": "2026-02-05T17:00:00", "reason": "content of 2026-02", "source": "test", "reviewed": "2026-12-02"}
    result = ingest_lists(tmp_path / "data", year_off_lists(), write_list, fixes=[fix])
    assert not warnings(result, "pending_list_misdated")
    # Placed among the lists of its content: one publication with the unchanged 2026 lists around it.
    [placed] = [p for p in result.publications.itertuples() if "pendingAgencies02052025pm.xlsx" in list(p.file_names)]
    assert list(placed.file_names) == ["pendingAgencies02032026am.xlsx", "pendingAgencies02052025pm.xlsx", "pendingAgencies02062026am.xlsx", "pendingAgencies02102026am.xlsx"]
    assert [q["value"] for q in warnings(result, "publication_date_fixed")] == ["2026-02-05 17:00:00"]


def test_nothing_misdated_creates_a_change_in_the_wrong_year(write_list, tmp_path):
    lists = {
        "participatingAgencies01072026am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05"})),
        "participatingAgencies01152025am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05", 3: "2026-01-12"})),
        "participatingAgencies01222026am.xlsx": (P_HEADER, participating({1: "2025-11-03", 2: "2026-01-05", 3: "2026-01-12"})),
        "pendingAgencies01062025am.xlsx": (Q_HEADER, pending(range(10, 17))),
        "pendingAgencies01102025am.xlsx": (Q_HEADER, pending(range(10, 18))),
        "pendingAgencies01072026am.xlsx": (Q_HEADER, pending(range(40, 50))),
        "pendingAgencies01082025am.xlsx": (Q_HEADER, pending(range(40, 50))),  # a year early: flagged, set aside
        "pendingAgencies01092026am.xlsx": (Q_HEADER, pending(range(40, 50))),
    }
    data = tmp_path / "data"
    result = ingest_lists(data, lists, write_list)
    assert [q["scope"] for q in warnings(result, "pending_list_misdated")] == ["pendingAgencies01082025am.xlsx"]
    changes = history.run(data).changes
    # Agreement 3 and requests 40-49 are 2026 content: every change of theirs lies in 2026.
    of_2026 = changes[changes["agency_name"].str.contains(r"county (?:3|4\d) sheriff", case=False)]
    assert len(of_2026) and (of_2026["published_at"].dt.year == 2026).all()
    added = of_2026[(of_2026["list_kind"] == "participating") & (of_2026["change"] == "added")]
    assert added["published_at"].dt.date.tolist() == [dt.date(2026, 1, 15)]


# ------------------------------------------------------------------ archive captures


@pytest.mark.parametrize(
    "name, expected",
    [
        ("pendingAgencies-20250716013000.xlsx", "2025-07-15 21:30:00"),  # summer evening: UTC-4, the previous day
        ("pendingAgencies-20250116030000.xlsx", "2025-01-15 22:00:00"),  # winter evening: UTC-5
        ("pendingAgencies-20250716150000.xlsx", "2025-07-16 11:00:00"),  # daytime: same day
    ],
)
def test_an_archive_capture_is_dated_in_new_york(write_list, tmp_path, name, expected):
    data = tmp_path / "data"
    result = ingest_lists(data, {name: (Q_HEADER, pending([1]))}, write_list)
    pub = result.publications.iloc[0]
    assert (pub["published_at"], pub["date_source"]) == (pd.Timestamp(expected), "archive_capture")
    assert pub["publication_id"] == "pending-" + pd.Timestamp(expected).strftime("%Y%m%d-%H%M%S")
    # The raw manifest keeps the capture's own UTC stamp.
    assert Store(data).manifest()[0]["published_at"] == dt.datetime.strptime(name[16:30], "%Y%m%d%H%M%S").isoformat()


# ------------------------------------------------------------------ warnings on the console


def test_every_warning_is_printed_one_line_each(write_list, tmp_path, capsys):
    lists = year_off_lists()
    lists["participatingAgencies03052025am.xlsx"] = (P_HEADER, participating({1: "2025-06-20"}))
    data = tmp_path / "data"
    paths = [write_list(name, header, rows) for name, (header, rows) in lists.items()]
    assert cli.main(["--data-dir", str(data), "import", *map(str, paths)]) == 0
    capsys.readouterr()
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert "warn list_held_for_review participatingAgencies03052025am.xlsx: 1 rows held: signed up to 2025-06-20, after its file-name date 2025-03-05 (expected a reviewed date in data/manual/publication_dates.csv)" in err
    flagged = [line for line in err if line.startswith("warn pending_list_misdated ")]
    assert flagged == ["warn pending_list_misdated pendingAgencies02052025pm.xlsx: matches the pending list of 2026-02-03 (Jaccard 1.00) far better than its neighbours (0.00) (expected a reviewed date in data/manual/publication_dates.csv)"]
    # The project's hand fixes, unused by these lists: one line per fix table, not one per row.
    unused = [line for line in err if line.startswith("warn fix_unused ")]
    assert unused and len(unused) == len({line.split(":")[0] for line in unused})
    assert any(line.startswith("warn fix_unused publication_dates.csv: 1 rows matched no value: participatingAgencies08022025pm.xlsx") for line in unused)
    # `ledger check` prints the same lines.
    assert cli.main(["--data-dir", str(data), "check"]) == 0
    assert capsys.readouterr().err.splitlines() == err


def test_list_key_ignores_case_punctuation_and_spacing():
    assert list_key("TX", "Smith County  Sheriff’s Office", JEM) == list_key("TX", "SMITH COUNTY SHERIFF'S OFFICE", JEM)
    assert list_key("TX", "Smith County", JEM) != list_key("TX", "Smith County", TFM)
