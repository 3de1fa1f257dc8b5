"""The program before 2021: the 2009 OIG list and the FY2006-2013 statistics paired, linked to the archive, and given pages."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from ledger import cli
from ledger.common.fixes import FixTable
from ledger.common.ids import agency_id, slug
from ledger.removals.early import display_name, early_agencies, pair_sources
from ledger.removals.linking import link_agencies
from ledger.site.messages import Messages
from ledger.site.pages.common import Output, Site, environment
from ledger.site.pages.early import early_by_agency, early_pages

from .conftest import ICE_SHEETS, shared_path

REPO = Path(__file__).resolve().parents[1]
OIG_URL, STATS_URL = "https://oig.example/OIG-10-63.pdf", "https://stats.example/287g.csv"


def archive(*rows: tuple[str, str, str]) -> pd.DataFrame:
    """agencies.parquet as history writes it: (state, name, county); the id by the one id rule."""
    return pd.DataFrame(
        [{"agency_id": agency_id(s, n), "agency_name": n, "spellings": [n], "state": s, "county": c} for s, n, c in rows]
    )


def oig(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """The 2009 list: (state, agency, model, signed, status)."""
    return pd.DataFrame(
        [{"state": s, "state_name": s, "agency": a, "model": m, "date_signed_original": d, "status": st,
          "as_of": "2009-10-28", "source": "OIG-10-63 Appendix E", "source_url": OIG_URL} for s, a, m, d, st in rows]
    )  # fmt: skip


def stats(*rows: tuple[str, str, dict[int, int]]) -> pd.DataFrame:
    """removals_by_agency without its links: (state, name, {fiscal_year: removed})."""
    return pd.DataFrame(
        [{"agency_name": n, "state": s, "fiscal_year": y, "identified": r, "removed": r,
          "source": "ICE 287(g) statistics", "source_url": STATS_URL} for s, n, years in rows for y, r in years.items()],
        columns=["agency_name", "state", "fiscal_year", "identified", "removed", "source", "source_url"],
    )  # fmt: skip


def build_early(agencies, oig_rows, stat_rows, oig_hand=None, pair_hand=None, stats_hand=None):
    stats_links = link_agencies(stat_rows, agencies, FixTable("removals_agency_links", dict(stats_hand or {})))
    oig_links = link_agencies(oig_rows.rename(columns={"agency": "agency_name"}), agencies, FixTable("oig", dict(oig_hand or {})))
    pairs = pair_sources(stat_rows, oig_rows, FixTable("early_agency_links", dict(pair_hand or {})))
    frame, qa = early_agencies(stat_rows, stats_links, oig_rows, oig_links, pairs, agencies)
    return frame.set_index("agency_name"), pd.DataFrame(qa)


def test_one_id_rule_is_state_and_slug():
    assert agency_id("TX", "Harris County Sheriff's Office") == "TX-harris-county-sheriffs-office"
    assert slug("Harris County Sheriff's Office") == "harris-county-sheriffs-office"
    assert agency_id("TX", "Harris County Sheriff's Office", hashed=True).startswith("TX-harris-county-sheriffs-office-")


@pytest.mark.parametrize(
    "stats_name, oig_name, hand, method",
    [
        ("Harris County Sheriff", "Harris County Sheriff's Office", {}, "loose_name"),  # 'office' is how, not who
        ("Hudson City Police Dept.", "Hudson City Police Department", {}, "name"),  # 'Dept.' is 'Department'
        ("Gilford County Sheriff", "Guilford County Sheriff's Office", {"Gilford County Sheriff": "Guilford County Sheriff's Office"}, "manual"),
    ],
)  # fmt: skip
def test_the_two_sources_pair_by_name_key_or_by_hand(stats_name, oig_name, hand, method):
    pairs = pair_sources(stats(("TX", stats_name, {2010: 1})), oig(("TX", oig_name, "Hybrid", "", "signed")), FixTable("h", hand))
    assert pairs[["stats_name", "oig_name", "pair_method"]].values.tolist() == [[stats_name, oig_name, method]]


@pytest.mark.parametrize(
    "printed, state, shown",
    [("N.M. Corrections Dept.", "NM", "New Mexico Corrections Department"), ("Washington County Sheriff_1", "AR", "Washington County Sheriff"),
     ("Ala. Dept. of Public Safety", "GA", "Ala. Department of Public Safety"), ("Orange County Sheriff", "CA", "Orange County Sheriff")],
)  # fmt: skip
def test_a_statistics_name_is_shown_spelt_out(printed, state, shown):
    assert display_name(printed, state) == shown  # another state's abbreviation is left as printed


def test_a_typo_without_a_hand_link_pairs_nothing():
    pairs = pair_sources(stats(("NC", "Gilford County Sheriff", {2010: 1})), oig(("NC", "Guilford County Sheriff's Office", "Task Force", "", "signed")), FixTable("h", {}))
    assert pairs.empty


def test_harris_county_texas_is_not_harris_county_georgia():
    # The archive has a Harris County in Georgia only: a state-bounded link never crosses states.
    agencies = archive(("GA", "Harris County Sheriff's Office", "Harris County"), ("TX", "Harrison County Sheriff's Office", "Harrison County"))
    frame, qa = build_early(
        agencies,
        oig(("TX", "Harris County Sheriff's Office", "Jail Enforcement", "2008-07-20", "pending")),
        stats(("TX", "Harris County Sheriff", {2009: 6965, 2010: 3741})),
    )
    harris = frame.loc["Harris County Sheriff's Office"]
    assert len(frame) == 1  # the report's row and the statistics' row are one agency
    assert (harris["agency_id"], bool(harris["in_archive"]), harris["link_method"]) == ("TX-harris-county-sheriffs-office", False, "new_id")
    assert (harris["removed_total"], harris["first_fiscal_year"], harris["last_fiscal_year"]) == (10706, 2009, 2010)
    assert (harris["oig_model"], harris["oig_status"], harris["county"]) == ("Jail Enforcement", "pending", "Harris County")
    assert list(harris["statistics_names"]) == ["Harris County Sheriff"]
    assert list(harris["source_urls"]) == [OIG_URL, STATS_URL] and harris["sources"].splitlines()[0] == "OIG-10-63 Appendix E"
    assert set(qa.loc[qa["check"].str.startswith("early_agenc"), "status"]) <= {"pass", "info"}


def test_an_agency_in_both_eras_keeps_the_archive_id_and_both_sources_merge():
    agencies = archive(("FL", "Collier County Sheriff's Office", "Collier County"))
    frame, qa = build_early(
        agencies,
        oig(("FL", "Collier County Sheriff's Office", "Hybrid", "2007-08-06", "signed")),
        stats(("FL", "Collier County Sheriff", {2008: 707, 2009: 1063})),
    )
    collier = frame.loc["Collier County Sheriff's Office"]
    assert (collier["agency_id"], bool(collier["in_archive"]), collier["removed_total"]) == ("FL-collier-county-sheriffs-office", True, 1770)
    assert collier["link_method"] == "loose_name; name"  # the statistics by the loose key, the report by the name


def test_hand_link_to_a_renamed_agency_and_a_hand_pair():
    agencies = archive(("TN", "Tennessee Department of Safety and Homeland Security", None))
    frame, _ = build_early(
        agencies,
        oig(("TN", "Tennessee Department of Safety", "Task Force", "2008-06-25", "signed"),
            ("RI", "Rhode Island State Police", "Task Force", "2009-10-15", "signed")),
        stats(("TN", "Tenn. Dept. of Safety", {2010: 5}), ("RI", "R.I. State Dept.", {2010: 12})),
        oig_hand={"Tennessee Department of Safety": "Tennessee Department of Safety and Homeland Security"},
        stats_hand={"Tenn. Dept. of Safety": "Tennessee Department of Safety and Homeland Security"},
        pair_hand={"R.I. State Dept.": "Rhode Island State Police"},
    )  # fmt: skip
    assert len(frame) == 2
    assert frame.loc["Tennessee Department of Safety", "agency_id"] == "TN-tennessee-department-of-safety-and-homeland-security"
    assert frame.loc["Tennessee Department of Safety", "link_method"] == "manual"
    police = frame.loc["Rhode Island State Police"]
    assert (police["agency_id"], police["removed_total"], list(police["statistics_names"])) == ("RI-rhode-island-state-police", 12, ["R.I. State Dept."])


def test_a_new_id_never_takes_an_archive_id():
    # Two archive agencies share the name, so the link is ambiguous and the early agency gets an id of its own.
    agencies = pd.DataFrame(
        [{"agency_id": "AZ-maricopa-county-sheriffs-office", "agency_name": "Maricopa County Sheriff's Office", "spellings": [], "state": "AZ", "county": None},
         {"agency_id": "AZ-maricopa-county-sheriffs-office-2", "agency_name": "Maricopa County Sheriff's Office", "spellings": [], "state": "AZ", "county": None}]
    )  # fmt: skip
    frame, qa = build_early(agencies, oig(("AZ", "Maricopa County Sheriff's Office", "Jail Enforcement", "2007-02-07", "signed")), stats())
    made = frame.loc["Maricopa County Sheriff's Office", "agency_id"]
    assert made not in set(agencies["agency_id"]) and made.startswith("AZ-maricopa-county-sheriffs-office-")
    assert "warn" in set(qa.loc[qa["check"] == "early_agency_id_disambiguated", "status"])
    assert set(qa.loc[qa["check"] == "early_agency_ids_distinct_from_archive", "status"]) == {"pass"}


def test_every_source_row_is_accounted_for():
    frame, qa = build_early(
        archive(("NC", "Wake County Sheriff's Office", "Wake County")),
        oig(("NC", "Wake County Sheriff's Office", "Jail Enforcement", "2008-06-25", "signed"), ("NC", "Durham Police Department", "Task Force", "2008-02-01", "signed")),
        stats(("NC", "Wake County Sheriff", {2010: 957}), ("NC", "Cumberland County Sheriff", {2009: 69})),
    )  # fmt: skip
    assert len(frame) == 3
    accounted = qa[qa["check"] == "early_agencies_sources_accounted"]
    assert accounted["value"].tolist() == accounted["expected"].tolist() == [2, 2]
    total = qa[qa["check"] == "early_agencies_removed_total"].iloc[0]
    assert (total["value"], total["expected"], total["status"]) == (1026, 1026, "pass")


def site_for(agencies: pd.DataFrame, removals: pd.DataFrame, tmp_path: Path) -> tuple[Site, Output]:
    t = Messages("en")
    common = {"is_sample": False, "first": "2021-01-13", "archive_start": "2021-01-13", "status": lambda s: t.get(f"status.{s}", s)}
    inputs = SimpleNamespace(agencies=agencies, removals_agency=removals)
    figures = pd.DataFrame({"usps": ["TX", "FL"], "title": ["Texas", "Florida"]})
    site = Site(t=t, env=environment(t, REPO / "site_src"), inputs=inputs, shown=None, figures=figures, national=None,
                series=None, changes=None, latest=None, latest_pending=None, common=common,
                agency_figures=None, list_changes=None, rows=None, counties=None)  # fmt: skip
    return site, Output(tmp_path)


def test_an_early_agency_page_says_what_2009_and_the_statistics_say(tmp_path):
    agencies = archive(("FL", "Collier County Sheriff's Office", "Collier County"))
    removal_rows = stats(("TX", "Harris County Sheriff", {2009: 6965}), ("FL", "Collier County Sheriff", {2009: 1063}))
    frame, _ = build_early(
        agencies,
        oig(("TX", "Harris County Sheriff's Office", "Jail Enforcement", "2008-07-20", "pending"), ("FL", "Collier County Sheriff's Office", "Hybrid", "2007-08-06", "signed")),
        removal_rows,
    )  # fmt: skip
    early = frame.reset_index()
    site, out = site_for(agencies, removal_rows, tmp_path)
    assert early_pages(site, out, early) == 1  # Collier has its archive page; only Harris gets a new one
    page = (tmp_path / "agencies" / "TX-harris-county-sheriffs-office.md").read_text()
    assert page.startswith("# Harris County Sheriff\\'s Office") or page.startswith("# Harris County Sheriff's Office")
    for text in ("before 2021", "since the archive began on 2021-01-13", "as of 2009-10-28", "jail enforcement model",
                 "pending", "6,965", f'href="{OIG_URL}"', f'href="{STATS_URL}"', "“Harris County Sheriff”"):  # fmt: skip
        assert text in page, text
    era = early_by_agency(early, removal_rows, site.t)
    assert list(era) == ["FL-collier-county-sheriffs-office"]
    section = site.render("_early_era.md.j2", era=era["FL-collier-county-sheriffs-office"])
    assert "First agreement signed 2007-08-06" in section and "1,063" in section


# ---------------------------------------------------------------- the real archive


@pytest.mark.archive
def test_real_archive_every_early_agency_links_or_has_a_page(tmp_path):
    stats_file = shared_path("ice-287g-removals-fy2006-2013.csv")
    shared_path("ice-sheets")
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(ICE_SHEETS)]) == 0
    assert cli.main(["--data-dir", str(data), "import-removals", str(stats_file)]) == 0
    for stage in ("ingest", "history", "removals"):
        assert cli.main(["--data-dir", str(data), stage]) == 0, stage
    build = data / "build"
    early = pd.read_parquet(build / "early_agencies.parquet").set_index(["state", "agency_name"])
    oig_rows = pd.read_parquet(build / "oig_2009_agreements.parquet")
    qa = pd.read_csv(build / "qa" / "removals.csv")
    assert set(qa.loc[qa["check"].str.startswith("early_agenc"), "status"]) <= {"pass", "info"}
    for state, name in (("TX", "Harris County Sheriff's Office"), ("AZ", "Maricopa County Sheriff's Office")):
        row = early.loc[(state, name)]
        assert not row["in_archive"] and row["link_method"] == "new_id"
        assert row["removed_total"] > 0 and row["oig_model"] == "Jail Enforcement"
    assert early.loc[("TX", "Harris County Sheriff's Office"), "removed_total"] == 16006
    # Every agency of both sources is in exactly one row: in the archive, or an id of its own for its page.
    agencies = set(pd.read_parquet(build / "agencies.parquet")["agency_id"])
    assert set(early.loc[early["in_archive"], "agency_id"]) <= agencies
    assert not set(early.loc[~early["in_archive"], "agency_id"]) & agencies
    assert len(oig_rows) == 67 and early["oig_model"].notna().sum() == 67
    named = {n for names in early["statistics_names"] for n in names}
    assert len(named) == 73
    assert early.loc[("MO", "Missouri State Highway Patrol"), "agency_id"] == "MO-missouri-highway-patrol"
    assert early.loc[("NC", "Guilford County Sheriff's Office"), "removed_total"] > 0  # 'Gilford' paired by hand
