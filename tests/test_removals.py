"""The removals stage: each loader on small fixtures in the real layouts, the linker, the store, the stage."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from ledger import removals
from ledger.common.qa import check
from ledger.common.fixes import FixTable

from .conftest import shared_path

YEARS = range(2006, 2014)
AGENCY_HEADER = (
    ["Jurisdiction_orig", "Jurisdiction", "address", "LAT", "LON"]
    + [f"{y}_identified" for y in YEARS]
    + [f"{y}_removed" for y in YEARS]
    + ["all_removed"]
)
# The Deportation Data Project's arrests releases (2025) and UWCHR's removals releases (FY2012-2023).
DDP_HEADER = removals.DDP_ARRESTS_COLUMNS
UWCHR_HEADER = [
    "Area of Responsibility", "Arrest Date", "Departed Date", "Case Close Date", "Removal Date",
    "Apprehension Method Code", "Processing Disposition Code", "Citizenship Country", "Gender",
    "Removal Threat Level", "Final Charge Section", "Alien File Number",
]  # fmt: skip
REDACTED = "(b)(6), (b)(7)(c)"
BANNER = [
    ["U.S. Immigration and Customs Enforcement"],
    ["ERO-LESA Statistical Tracking Unit"],
    ["FOIA 2025-ICFO-00000"],
    [],
    ["Redactions: (b)(6), (b)(7)(c)"],
    [],
]


# ---------------------------------------------------------------- factories


def agency_line(
    name: str, address: str, identified: dict[int, str] | None = None, removed: dict[int, str] | None = None, total: str = ""
) -> list[str]:
    """One row of ICE's statistics by agency as the file prints it: '2.00' for figures, '' for not reported."""
    identified, removed = identified or {}, removed or {}
    return (
        [name.upper(), name, address, "", ""]
        + [identified.get(y, "") for y in YEARS]
        + [removed.get(y, "") for y in YEARS]
        + [total]
    )


def write_agency_csv(path: Path, lines: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(AGENCY_HEADER)
        writer.writerows(lines)
    return path


def ddp_record(method: object = "287(g) Program", state: object = "NORTH CAROLINA", departed: object = dt.date(2024, 3, 5),
               criminality: object = "1 Convicted Criminal") -> dict:  # fmt: skip
    record = dict.fromkeys(DDP_HEADER, "")
    record.update({
        "Apprehension Date": dt.date(2024, 1, 10), "Apprehension State": state, "Apprehension Method": method,
        "Apprehension Criminality": criminality, "Departed Date": departed, "Final Program": "ERO Criminal Alien Program",
        "Birth Date": REDACTED, "Alien File Number": REDACTED, "EID Case ID": REDACTED, "EID Subject ID": REDACTED,
        "Unique Identifier": "3f8a" * 10,
    })  # fmt: skip
    return record


def write_workbook(path: Path, sheets: dict[str, tuple[list[str], list[dict]] | list[list]]) -> Path:
    """A release-shaped workbook: banner rows above the header on every data sheet."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, content in sheets.items():
        sheet = workbook.create_sheet(name)
        if isinstance(content, list):  # a notes page
            for row in content:
                sheet.append(row)
            continue
        header, records = content
        for row in BANNER:
            sheet.append(row)
        sheet.append(header)
        for record in records:
            sheet.append([record.get(c, "") for c in header])
    workbook.save(path)
    return path


def write_parquet(path: Path, records: list[dict], snake: bool = True) -> Path:
    frame = pd.DataFrame(records)
    if snake:
        frame.columns = [c.lower().replace(" ", "_") for c in frame.columns]
    frame.to_parquet(path, index=False)
    return path


def slug(text: str) -> str:
    """history's agency_id slug rule: lower case, apostrophes dropped, other non-alphanumerics as '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def states_table(mapping: dict[str, str] | None = None) -> FixTable:
    return FixTable("removals_states", dict(mapping or {}))


def agencies(*rows: tuple[str, str, list[str]]) -> pd.DataFrame:
    """A five-row stand-in for history's agencies.parquet: (state, canonical name, extra spellings)."""
    return pd.DataFrame(
        [
            {"agency_id": f"{state}-{slug(name)}", "canonical_name": name, "spellings": [name, *extra], "state": state}
            for state, name, extra in rows
        ]  # fmt: skip
    )


# ---------------------------------------------------------------- names, addresses, keys


@pytest.mark.parametrize(
    "address, state",
    [
        ("502 Washington Ave, Montgomery, AL 36104", "AL"),
        ("2102 W Encanto BLVD, Phoenix, Arizona 85009-2847", "AZ"),
        ("700 Kipling Street #1000, Denver, CO _80215 USA", "CO"),
        ("721 West 12th Street  Ogden, Utah 84404 ", "UT"),
        ("397 Herndon Parkway Herndon, VA, 20170", "VA"),
        ("1 County Complex Ct Woodbridge, Virginia, 1 County Complex Ct, Woodbridge, VA 22192", "VA"),
        ("445 Minnesota Street Saint Paul MN 55101-5155", "MN"),
        ("", None),
        ("somewhere without a zip", None),
    ],
)
def test_state_from_address(address, state):
    assert removals.state_from_address(address) == state


@pytest.mark.parametrize(
    "source_name, ice_name, state, tier",
    [
        ("Alamance County Sheriff", "Alamance County Sheriff's Office", "NC", "loose"),
        ("Ariz. Dept. of Corrections", "Arizona Department of Corrections", "AZ", "strict"),
        ("Mass. Dept. of Corrections", "Massachusetts Department of Correction", "MA", "strict"),
        ("N.M. Corrections Dept. ", "New Mexico Corrections Department", "NM", "strict"),
        ("Lexington County Sheriff Dept. ", "Lexington County Sheriff\u2019s Department", "SC", "strict"),
        ("Washington County Sheriff_1", "Washington County Sheriff's Office", "AR", "loose"),
        ("Monmouth County Sheriff", "Monmouth County Sheriff's Office (Addendum)", "NJ", "loose"),
        ("City of Mesa Police Dept. ", "Mesa Police Department", "AZ", "loose"),
    ],
)
def test_name_keys_match_ice_spellings(source_name, ice_name, state, tier):
    strict, loose = removals.name_keys(source_name, state), removals.name_keys(ice_name, state)
    assert loose[1] == strict[1]
    assert (strict[0] == loose[0]) == (tier == "strict")


def test_state_abbreviations_expand_only_to_the_rows_own_state():
    assert removals.name_keys("Ga. Dept. of Public Safety", "GA")[0] == "georgia department of public safety"
    assert "georgia" not in removals.name_keys("Ga. Dept. of Public Safety", "AL")[0]


# ---------------------------------------------------------------- 1. statistics by agency


def load_agency_lines(tmp_path: Path, lines: list[list[str]], states: dict[str, str] | None = None):
    path = write_agency_csv(tmp_path / "stats.csv", lines)
    wide = removals.read_agency_stats(path)
    long, aside = removals.agency_rows(wide, states_table(states), "stats.csv")
    return wide, long, aside


def test_wide_to_long_keeps_blank_as_not_reported_and_zero_as_zero(tmp_path):
    line = agency_line("Alamance County Sheriff", "109 S Maple St, Graham, NC 27253",
                       {2007: "299.00", 2013: "0.00"}, {2007: "238.00", 2008: "432.00", 2013: "52.00"}, "722.00")  # fmt: skip
    _, long, aside = load_agency_lines(tmp_path, [line])
    assert aside.empty
    assert long["fiscal_year"].tolist() == [2007, 2008, 2013]  # 2006 and 2009-2012: nothing reported, no row
    by_year = long.set_index("fiscal_year")
    assert by_year.loc[2007, ["identified", "removed"]].tolist() == [299, 238]
    assert pd.isna(by_year.loc[2008, "identified"]) and by_year.loc[2008, "removed"] == 432
    assert by_year.loc[2013, "identified"] == 0  # a printed zero stays zero
    assert set(long["state"]) == {"NC"} and set(long["source_row"]) == {2}


def test_each_year_cites_its_own_document(tmp_path):
    line = agency_line(
        "Wake County Sheriff", "330 S. Salisbury St. Raleigh, NC 27602", removed={2010: "957.00", 2011: "818.00", 2012: "521.00"}
    )
    _, long, _ = load_agency_lines(tmp_path, [line])
    urls = dict(zip(long["fiscal_year"], long["source_url"]))
    assert "masterstats" in urls[2010] and "12227" in urls[2011] and "8942" in urls[2012]


@pytest.mark.parametrize(
    "line, reason",
    [
        (agency_line("", "", {}, {}), "empty_row"),
        (agency_line("", "1 Main St, Durham, NC 27701", {2008: "3.00"}), "missing_agency"),
        (agency_line("Florence Police Dept. ", "", {2011: "0.00"}, {2011: "0.00"}), "no_state"),
        (agency_line("Durham Police Dept.", "101 City Hall Plaza, Durham, NC 27701", {2008: "about 30"}), "bad_figure"),
        (agency_line("Durham Police Dept.", "101 City Hall Plaza, Durham, NC 27701", {2008: "2.5"}), "bad_figure"),
        (agency_line("Pima County Sheriff", "1750 E. Benson Highway Tucson, AZ 85714"), "no_figures"),
    ],
)
def test_rows_set_aside_with_a_reason(tmp_path, line, reason):
    good = agency_line("Wake County Sheriff", "330 S. Salisbury St. Raleigh, NC 27602", removed={2010: "957.00"})
    wide, long, aside = load_agency_lines(tmp_path, [good, line])
    assert aside["reason"].tolist() == [reason]
    assert reason in removals.SET_ASIDE_REASONS
    assert aside["row"].tolist() == [3]
    assert long["agency_name"].unique().tolist() == ["Wake County Sheriff"]  # the good row beside it stays
    assert long["source_row"].nunique() + len(aside) == len(wide)


def test_missing_address_takes_the_state_from_the_hand_table(tmp_path):
    line = agency_line("Florence Police Dept. ", "", {2011: "0.00", 2013: "0.00"}, {2011: "0.00", 2013: "0.00"}, "0.00")
    _, long, aside = load_agency_lines(tmp_path, [line], {"Florence Police Dept.": "AZ"})
    assert aside.empty and set(long["state"]) == {"AZ"}


def test_repeated_row_is_set_aside_once(tmp_path):
    line = agency_line("Wake County Sheriff", "330 S. Salisbury St. Raleigh, NC 27602", removed={2010: "957.00"})
    _, long, aside = load_agency_lines(tmp_path, [line, line])
    assert aside["reason"].tolist() == ["repeated_row"] and len(long) == 1


def test_agency_checks_compare_year_totals_with_the_source(tmp_path):
    lines = [
        agency_line("Wake County Sheriff", "330 S. Salisbury St. Raleigh, NC 27602", removed={2010: "957.00"}, total="957.00"),
        agency_line("Durham Police Dept.", "no address", removed={2010: "14.00"}, total="15.00"),
    ]
    wide, long, aside = load_agency_lines(tmp_path, lines)
    qa = pd.DataFrame(removals.agency_checks(wide, long, aside, "stats.csv"))
    totals = qa[(qa["check"] == "removals_year_total_matches_source") & (qa["scope"] == "FY2010 removed")].iloc[0]
    assert (totals["value"], totals["expected"], totals["status"]) == (957, 971, "fail")  # the set-aside row's 14 is missing
    accounted = qa[qa["check"] == "removals_source_rows_accounted"].iloc[0]
    assert accounted["status"] == "pass"
    assert "warn" in set(qa.loc[qa["check"] == "removals_agency_total_matches_all_removed", "status"])  # 14 != 15


# ---------------------------------------------------------------- linking


def link(names: list[tuple[str, str]], table: pd.DataFrame | None, hand: dict[str, str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(names, columns=["agency_name", "state"])
    return removals.link_agencies(frame, table, FixTable("removals_agency_links", dict(hand or {}))).set_index("agency_name")


def test_linker_tiers():
    table = agencies(
        ("NC", "Alamance County Sheriff's Office", []),
        ("AZ", "Arizona Department of Corrections", []),
        ("NV", "Las Vegas Metropolitan Police Department", []),
        ("GA", "Harris County Sheriff's Office", []),
        ("SC", "Lexington County Sheriff's Office", ["Lexington County Sheriff's Department"]),
    )
    out = link(
        [("Alamance County Sheriff", "NC"), ("Ariz. Dept. of Corrections", "AZ"), ("Law Vegas Metropolitan Police Dept.", "NV"),
         ("Harris County Sheriff", "TX"), ("Lexington County Sheriff Dept.", "SC")],
        table,
        {"Law Vegas Metropolitan Police Dept.": "Las Vegas Metropolitan Police Department"},
    )  # fmt: skip
    assert out.loc["Alamance County Sheriff", ["agency_id", "link_method"]].tolist() == [
        "NC-alamance-county-sheriffs-office",
        "loose_name",
    ]
    assert out.loc["Ariz. Dept. of Corrections", "link_method"] == "name"
    assert out.loc["Law Vegas Metropolitan Police Dept.", ["agency_id", "link_method"]].tolist() == [
        "NV-las-vegas-metropolitan-police-department",
        "manual",
    ]
    assert pd.isna(out.loc["Harris County Sheriff", "agency_id"])  # Georgia's Harris County is another agency
    assert out.loc["Harris County Sheriff", "reason"] == "no_match"
    assert (
        out.loc["Lexington County Sheriff Dept.", "agency_id"] == "SC-lexington-county-sheriffs-office"
    )  # matched through a spelling


def test_linker_never_guesses_between_two_agencies():
    table = agencies(("AZ", "Mesa Police Department", []), ("AZ", "City of Mesa Police Department", []))
    out = link([("Mesa Police", "AZ")], table)
    assert pd.isna(out.loc["Mesa Police", "agency_id"]) and out.loc["Mesa Police", "reason"] == "ambiguous"


def test_hand_link_to_a_missing_agency_is_reported():
    out = link(
        [("Gilford County Sheriff", "NC")],
        agencies(("NC", "Wake County Sheriff's Office", [])),
        {"Gilford County Sheriff": "Guilford County Sheriff's Office"},
    )
    assert out.loc["Gilford County Sheriff", "reason"] == "manual_target_missing"


def test_without_agencies_table_everything_is_unlinked():
    out = link([("Alamance County Sheriff", "NC")], None)
    assert out["link_method"].tolist() == ["unlinked"] and out["reason"].tolist() == ["no_agencies_table"]


# ---------------------------------------------------------------- 2. national totals


def test_national_rows_account_for_every_row():
    frame = pd.DataFrame(
        {
            "fiscal_year": ["2010", "2011", "20x2", "2011"],
            "removals": ["392,862", "396906", "1", "5"],
            "source": ["a", "b", "c", "d"],
            "source_url": ["", "", "", ""],
        }  # fmt: skip
    )
    national, aside = removals.national_rows(frame, "national_removals.csv")
    assert national["national_removed"].tolist() == [392862, 396906]
    assert aside["reason"].tolist() == ["bad_fiscal_year", "repeated_year"]


def test_project_cited_files_name_a_source_for_every_figure():
    for name in ("national_removals.csv", "oig_2010_findings.csv", "oig_2009_agreements.csv"):
        frame = pd.read_csv(removals.PROJECT_PUBLISHED_DIR / name, dtype=str, keep_default_na=False)
        assert (frame["source"].str.strip() != "").all(), name
    national = pd.read_csv(removals.PROJECT_PUBLISHED_DIR / "national_removals.csv")
    assert national["fiscal_year"].is_unique and national["fiscal_year"].min() == 2006
    oig = pd.read_csv(removals.PROJECT_PUBLISHED_DIR / "oig_2009_agreements.csv", dtype=str)
    assert len(oig) == 67 and oig["state"].str.fullmatch(r"[A-Z]{2}").all() and oig["state"].nunique() == 24


# ---------------------------------------------------------------- 3. FOIA releases


def test_workbook_with_banner_rows_several_sheets_and_redactions(tmp_path):
    first = [
        ddp_record(),  # NC, FY2024
        ddp_record(departed=dt.date(2023, 9, 30), criminality="3 Other Immigration Violator"),  # last day of FY2023
        ddp_record(departed=dt.date(2023, 10, 1), criminality="2 Pending Criminal Charges"),  # first day of FY2024
        ddp_record(state=""),  # no state: counted under 'unknown', not dropped
        ddp_record(state=REDACTED),
        ddp_record(method="CAP Local Incarceration"),
        ddp_record(method=REDACTED),
        ddp_record(method=""),
    ]
    second = [
        ddp_record(state="TEXAS", departed="2025-02-14"),  # a date typed as text
        ddp_record(state="TEXAS", departed=""),  # arrested, not removed
        ddp_record(state="TEXAS", departed=REDACTED),
        ddp_record(state="TEXAS", departed="next week"),
        ddp_record(state="ATLANTIS"),
    ]
    path = write_workbook(tmp_path / "ERO Admin Arrests.xlsx", {"Notes": [["Read me"], ["Records released under FOIA"]],
                                                                 "Admin Arrests": (DDP_HEADER, first), "Admin Arrests 2": (DDP_HEADER, second)})  # fmt: skip
    release = removals.load_foia(path)
    assert release.sheets == ["Admin Arrests", "Admin Arrests 2"]
    assert release.rows_in == 13 and sum(release.counts.values()) == 13
    assert release.counts == {
        "loaded": 7, "not_287g": 1, "method_redacted": 1, "method_missing": 1,
        "not_removed": 1, "date_redacted": 1, "bad_date": 1, "empty_row": 0,
    }  # fmt: skip
    agg = release.aggregate.groupby(["state", "fiscal_year"])["removed"].sum().to_dict()
    assert agg == {("NC", 2023): 1, ("NC", 2024): 2, ("unknown", 2024): 3, ("TX", 2025): 1}
    assert release.unrecognised_states == {"ATLANTIS": 1}
    crim = release.aggregate.groupby("criminality")["removed"].sum().to_dict()
    assert crim == {"convicted_criminal": 5, "other_immigration_violator": 1, "pending_criminal_charges": 1}
    assert release.loaded_by_year == {2023: 1, 2024: 5, 2025: 1}


@pytest.mark.parametrize("code", [287, 287.0, "287", "287.0", " 287(g) program "])
def test_both_spellings_of_the_287g_method(tmp_path, code):
    records = [
        {"Area of Responsibility": "SEA", "Departed Date": dt.date(2014, 2, 1), "Removal Date": dt.date(2014, 2, 1),
         "Apprehension Method Code": code, "Removal Threat Level": "Level 1", "Alien File Number": REDACTED},
        {"Area of Responsibility": "SEA", "Departed Date": dt.date(2014, 2, 1), "Apprehension Method Code": "CAP",
         "Removal Threat Level": REDACTED, "Alien File Number": REDACTED},
    ]  # fmt: skip
    release = removals.load_foia(write_workbook(tmp_path / "ICE_Removals_FY2014.xlsx", {"Removals": (UWCHR_HEADER, records)}))
    assert release.counts["loaded"] == 1 and release.counts["not_287g"] == 1
    row = release.aggregate.iloc[0]
    assert (row["state"], row["fiscal_year"], row["threat_level"], row["removed"]) == (
        "unknown",
        2014,
        "level_1",
        1,
    )  # UWCHR has no state column


def test_removal_date_fills_a_missing_departed_date(tmp_path):
    record = {"Departed Date": "", "Removal Date": dt.date(2013, 11, 2), "Apprehension Method Code": "287"}
    release = removals.load_foia(write_workbook(tmp_path / "r.xlsx", {"Removals": (UWCHR_HEADER, [record])}))
    assert release.loaded_by_year == {2014: 1}


def test_parquet_release_reads_only_what_it_needs(tmp_path):
    records = [ddp_record(), ddp_record(method=287.0, state="GEORGIA"), ddp_record(method="Located")]
    for record in records:
        record["Apprehension Method"] = str(record["Apprehension Method"])
    path = write_parquet(tmp_path / "arrests.parquet", records)
    release = removals.load_foia(path)
    assert release.counts["loaded"] == 2 and release.counts["not_287g"] == 1
    assert set(release.aggregate["state"]) == {"NC", "GA"}


def test_parquet_with_numeric_method_codes(tmp_path):
    table = pa.table(
        {"apprehension_method_code": pa.array([287.0, 101.0, None]), "departed_date": pa.array([dt.date(2016, 1, 1)] * 3)}
    )
    pq.write_table(table, tmp_path / "codes.parquet")
    release = removals.load_foia(tmp_path / "codes.parquet")
    assert {k: v for k, v in release.counts.items() if v} == {"loaded": 1, "not_287g": 1, "method_missing": 1}


def test_aggregate_foia_publishes_only_aggregates(tmp_path):
    path = write_parquet(tmp_path / "a.parquet", [ddp_record(), ddp_record()])
    out = removals.aggregate_foia([path])
    assert list(out.columns) == ["source_file", "state", "fiscal_year", "criminality", "threat_level", "removed"]
    assert out["removed"].tolist() == [2]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("release.xlsx", b"<!DOCTYPE html><html>not found</html>", "not an Excel workbook (an HTML page)"),
        ("release.xlsx", b"just text", "not an Excel workbook (not a zip file)"),
        ("release.parquet", b"a,b\n1,2\n", "not a Parquet file"),
    ],
)
def test_unreadable_releases_give_one_line_reasons(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(removals.LedgerError) as caught:
        removals.load_foia(path)
    assert reason in str(caught.value) and str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_workbook_without_the_header_is_refused(tmp_path):
    path = write_workbook(tmp_path / "list.xlsx", {"Sheet1": [["STATE", "LAW ENFORCEMENT AGENCY"], ["Texas", "Harris County"]]})
    with pytest.raises(removals.LedgerError, match="no sheet has a header"):
        removals.load_foia(path)


# ---------------------------------------------------------------- the store and the stage


def test_import_refuses_what_is_not_what_it_claims_and_keeps_the_rest(tmp_path):
    good = write_agency_csv(
        tmp_path / "stats.csv", [agency_line("Wake County Sheriff", "Raleigh, NC 27602", removed={2010: "957.00"})]
    )
    html = tmp_path / "page.csv"
    html.write_text("<!DOCTYPE html><html></html>")
    other = tmp_path / "oig.csv"
    other.write_text("source,as_of,state,agency\n")
    notes = tmp_path / "notes.md"
    notes.write_text("# hi")
    data = tmp_path / "data"
    imported, skipped, errors = removals.import_removals(data, [good, html, other, notes])
    assert (imported, skipped) == (1, 0)
    reasons = {Path(e.path).name: e.reason for e in errors}
    assert reasons == {
        "page.csv": "not a CSV file (an HTML page)",
        "oig.csv": "not ICE's 287(g) statistics by agency: no Jurisdiction and YYYY_removed columns",
        "notes.md": "not a removals file: expected .csv (ICE's 287(g) statistics by agency), .xlsx or .parquet (FOIA records)",
    }
    row = removals.RemovalsStore(data).manifest()[0]
    assert set(row) == set(removals.MANIFEST_FIELDS) and row["source_kind"] == "agency_stats"
    assert removals.RemovalsStore(data).path_of(row).read_bytes() == good.read_bytes()
    assert removals.import_removals(data, [good]) == (0, 1, [])


def run_stage(
    tmp_path: Path,
    lines: list[list[str]],
    agencies_table: pd.DataFrame | None = None,
    foia: dict[str, bytes | Path] | None = None,
):
    data = tmp_path / "data"
    removals.import_removals(data, [write_agency_csv(tmp_path / "ice-287g-removals-fy2006-2013.csv", lines)])
    if agencies_table is not None:
        (data / "build").mkdir(parents=True, exist_ok=True)
        agencies_table.to_parquet(data / "build" / "agencies.parquet", index=False)
    for name, content in (foia or {}).items():
        (data / "raw" / "foia").mkdir(parents=True, exist_ok=True)
        target = data / "raw" / "foia" / name
        target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)
    return data, removals.run(data)


LINES = [
    agency_line(
        "Alamance County Sheriff",
        "109 S Maple St, Graham, NC 27253",
        {2007: "299.00"},
        {2007: "238.00", 2008: "432.00"},
        "670.00",
    ),
    agency_line("Wake County Sheriff", "330 S. Salisbury St. Raleigh, NC 27602", {2008: "540.00"}, {2008: "352.00"}, "352.00"),
    agency_line(
        "Ariz. Dept. of Corrections", "1601 W Jefferson St, Phoenix, AZ 85007", {2006: "414.00"}, {2006: "302.00"}, "302.00"
    ),
]


def test_stage_writes_tables_that_add_up(tmp_path):
    data, result = run_stage(
        tmp_path, LINES, agencies(("NC", "Alamance County Sheriff's Office", []), ("AZ", "Arizona Department of Corrections", []))
    )
    build = data / "build"
    by_agency = pd.read_parquet(build / "removals_by_agency.parquet")
    by_state = pd.read_parquet(build / "removals_by_state.parquet")
    assert list(by_agency.columns) == list(removals.AGENCY_COLUMNS)
    assert list(by_state.columns) == list(removals.STATE_COLUMNS)
    assert by_state.set_index(["state", "fiscal_year"])["removed"].to_dict() == {
        ("AZ", 2006): 302,
        ("NC", 2007): 238,
        ("NC", 2008): 784,
    }
    nc_2008 = by_state[(by_state["state"] == "NC") & (by_state["fiscal_year"] == 2008)].iloc[0]
    assert nc_2008["national_removed"] == 369221 and nc_2008["share"] == pytest.approx(784 / 369221, rel=1e-5)
    assert nc_2008["agencies_reporting"] == 2 and pd.isna(nc_2008["convicted_criminal"])
    unlinked = pd.read_csv(build / "removals_unlinked.csv")
    assert unlinked["agency_name"].tolist() == ["Wake County Sheriff"]  # listed, and still in the tables
    assert "Wake County Sheriff" in set(by_agency["agency_name"])
    qa = pd.read_csv(build / "qa" / "removals.csv")
    assert not (qa["status"] == "fail").any(), qa[qa["status"] == "fail"]
    assert set(qa["status"]) <= {"pass", "warn", "info"}
    assert {"removals_year_total_matches_source", "removals_state_sums_equal_national", "removals_source_rows_accounted"} <= set(
        qa["check"]
    )


def test_stage_without_agencies_table_warns_and_links_nothing(tmp_path):
    _, result = run_stage(tmp_path, LINES)
    assert result.by_agency["agency_id"].isna().all() and len(result.unlinked) == 3
    qa = pd.DataFrame(result.qa)
    assert qa.loc[qa["check"] == "removals_agencies_table_present", "status"].tolist() == ["warn"]
    assert not (qa["status"] == "fail").any()
    assert not qa["scope"].astype(str).str.startswith("removals_agency_links").any()  # no stale-row noise without the table


def test_stage_keeps_good_releases_beside_a_broken_one(tmp_path):
    good = write_workbook(tmp_path / "good.xlsx", {"Arrests": (DDP_HEADER, [ddp_record(), ddp_record(state="TEXAS")])})
    _, result = run_stage(tmp_path, LINES, foia={"good.xlsx": good, "broken.xlsx": b"<html>gateway timeout</html>"})
    assert [Path(e.path).name for e in result.errors] == ["broken.xlsx"]
    foia_rows = result.by_state[result.by_state["source_file"] == "good.xlsx"]
    assert foia_rows.set_index("state")["removed"].to_dict() == {"NC": 1, "TX": 1}
    assert foia_rows["convicted_criminal"].tolist() == [1, 1] and foia_rows["level_1"].isna().all()
    qa = pd.DataFrame(result.qa)
    assert qa.loc[qa["check"] == "removals_file_unreadable", "scope"].tolist() == ["broken.xlsx"]
    sums = qa[(qa["check"] == "removals_state_sums_equal_national") & qa["scope"].str.startswith("good.xlsx")]
    assert sums["status"].tolist() == ["pass"]


def test_every_reason_is_in_the_vocabulary(tmp_path):
    _, result = run_stage(
        tmp_path,
        LINES + [agency_line("", "", {}, {})],
        foia={"a.parquet": write_parquet(tmp_path / "a.parquet", [ddp_record(method="Located")])},
    )
    assert set(result.set_aside["reason"]) <= set(removals.SET_ASIDE_REASONS)
    assert set(result.set_aside["reason"]) == {"empty_row", "not_287g"}


def test_checks_table_shape_is_the_projects():
    assert set(check("x", "y", 1, 1, "pass")) == set(removals.QA_COLUMNS)


# ---------------------------------------------------------------- the real file


@pytest.mark.archive
def test_real_fy2006_2013_file_matches_its_source(tmp_path):
    source = shared_path("ice-287g-removals-fy2006-2013.csv")
    data = tmp_path / "data"
    assert removals.import_removals(data, [source])[0] == 1
    result = removals.run(data)
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    by_agency = result.by_agency.set_index(["agency_name", "fiscal_year"])
    compared = 0
    for row in raw.to_dict("records"):
        name = " ".join(row["Jurisdiction"].split())
        for year in YEARS:
            for measure in ("identified", "removed"):
                text = row[f"{year}_{measure}"]
                if text == "":
                    assert (name, year) not in by_agency.index or pd.isna(by_agency.loc[(name, year), measure])
                else:
                    assert by_agency.loc[(name, year), measure] == int(float(text)), (name, year, measure)
                    compared += 1
    assert compared > 800
    assert result.by_agency[["agency_name", "state"]].drop_duplicates().shape[0] == len(raw) == 73
    qa = pd.DataFrame(result.qa)
    for name in ("removals_year_total_matches_source", "removals_state_sums_equal_national", "removals_source_rows_accounted"):
        statuses = set(qa.loc[qa["check"] == name, "status"])
        assert statuses == {"pass"}, (name, qa[qa["check"] == name])
    assert result.set_aside.empty


def test_departure_dates_outside_the_program_are_bad_dates(tmp_path):
    records = [ddp_record(departed=dt.date(1999, 5, 1)), ddp_record(departed=dt.date(2099, 1, 1)), ddp_record()]
    release = removals.load_foia(write_workbook(tmp_path / "typos.xlsx", {"Arrests": (DDP_HEADER, records)}))
    assert (release.counts["bad_date"], release.counts["loaded"]) == (2, 1)


# ---------------------------------------------------------------- the restructuring's mends


def test_departure_bound_comes_from_the_release_not_the_clock(tmp_path):
    # A departure alone more than a year past the release's others is a typing error, whatever today's date.
    typo = [ddp_record(departed=dt.date(2024, 3, 5)), ddp_record(departed=dt.date(2024, 4, 1)),
            ddp_record(departed=dt.date(2026, 6, 1)), ddp_record(departed=dt.date(2026, 6, 1))]  # fmt: skip
    release = removals.load_foia(write_workbook(tmp_path / "typo.xlsx", {"Arrests": (DDP_HEADER, typo)}))
    assert (release.counts["bad_date"], release.counts["loaded"]) == (2, 2)
    # A release of dates after today (2030) is loaded all the same: nothing depends on the clock.
    later = [ddp_record(departed=dt.date(2030, 1, 1)), ddp_record(departed=dt.date(2030, 2, 1))]
    release = removals.load_foia(write_workbook(tmp_path / "later.xlsx", {"Arrests": (DDP_HEADER, later)}))
    assert (release.counts["bad_date"], release.counts["loaded"]) == (0, 2)


def state_rows(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(source_kind, source_file, removed) rows for NC in FY2012, as the two state builders make them."""
    return pd.DataFrame(
        [{"state": "NC", "fiscal_year": 2012, "removed": removed, "source": file, "source_url": "", "source_file": file,
          "source_kind": kind} for kind, file, removed in rows]  # fmt: skip
    )


NATIONAL_2012 = pd.DataFrame(
    {"fiscal_year": [2012], "national_removed": [409849], "national_source": ["UWCHR"], "national_source_url": [""]}
)


@pytest.mark.parametrize("foia_name", ["0-sorts-first.parquet", "zz-sorts-last.parquet"])
def test_share_shown_prefers_the_statistics_by_agency_whatever_the_file_names(foia_name):
    rows = state_rows([("foia", foia_name, 500), ("agency_stats", "ice-287g-removals-fy2006-2013.csv", 400)])
    out = removals.with_national(rows, NATIONAL_2012)
    chosen = out[out["share_chosen"]]
    assert chosen["source_file"].tolist() == ["ice-287g-removals-fy2006-2013.csv"]
    assert chosen["share"].iloc[0] == pytest.approx(400 / 409849)
    assert chosen["national_source"].tolist() == ["UWCHR"]
    assert out["share"].notna().all()  # every source keeps its own share beside the one shown


@pytest.mark.parametrize("bigger, smaller", [("a.parquet", "b.parquet"), ("b.parquet", "a.parquet")])
def test_share_shown_between_two_releases_is_the_more_complete(bigger, smaller):
    rows = state_rows([("foia", smaller, 10), ("foia", bigger, 30)])
    out = removals.with_national(rows, NATIONAL_2012)
    assert out.loc[out["share_chosen"], "source_file"].tolist() == [bigger]
    assert out.groupby(["state", "fiscal_year"])["share_chosen"].sum().tolist() == [1]


def test_stage_writes_the_cited_figures_and_the_national_share(tmp_path):
    data, result = run_stage(tmp_path, LINES)
    build = data / "build"
    national = pd.read_parquet(build / "national_removals.parquet")
    assert list(national.columns) == list(pd.read_csv(removals.PROJECT_PUBLISHED_DIR / "national_removals.csv").columns)
    assert national.set_index("fiscal_year").loc[2008, "removals"] == 369221
    oig = pd.read_parquet(build / "oig_2009_agreements.parquet")
    assert len(oig) == 67 and (oig["source"].str.strip() != "").all()
    findings = pd.read_parquet(build / "oig_2010_findings.parquet").set_index("figure_id")
    assert findings.loc["active_agreements", "value"] == 66
    by_year = pd.read_parquet(build / "removals_by_year.parquet").set_index("fiscal_year")
    assert by_year.loc[2008, "removed"] == 784 and by_year.loc[2008, "share"] == pytest.approx(784 / 369221)
    assert by_year.loc[2008, "agencies_reporting"] == 2
    assert result.by_state["share_chosen"].all()  # one source per state and year here


def test_a_cited_file_without_its_sources_fails_the_checks(tmp_path):
    data = tmp_path / "data"
    published = data / "published"
    published.mkdir(parents=True)
    for name in ("oig_2009_agreements.csv", "oig_2010_findings.csv"):
        (published / name).write_bytes((removals.PROJECT_PUBLISHED_DIR / name).read_bytes())
    (published / "national_removals.csv").write_text("fiscal_year,removals,source_url,source_kind,note\n2008,369221,,primary,\n")
    result = removals.run(data)
    qa = pd.DataFrame(result.qa)
    failed = set(qa.loc[qa["status"] == "fail", "check"])
    assert {"cited_file_has_source", "removals_file_unreadable"} <= failed
    assert pd.read_parquet(data / "build" / "national_removals.parquet").empty


def test_manifests_written_with_kind_still_read(tmp_path):
    data = tmp_path / "data"
    removals.import_removals(data, [write_agency_csv(tmp_path / "stats.csv", LINES)])
    store = removals.RemovalsStore(data)
    text = store.manifest_path.read_text().replace("source_kind", "kind", 1)
    store.manifest_path.write_text(text)
    assert store.manifest()[0]["source_kind"] == "agency_stats"
    other = write_agency_csv(tmp_path / "other.csv", LINES[:1])
    assert removals.import_removals(data, [other]) == (1, 0, [])
    assert store.manifest_path.read_text().splitlines()[0].split(",")[1] == "kind"  # the old header is kept
    assert [r["source_kind"] for r in store.manifest()] == ["agency_stats", "agency_stats"]
    assert len(removals.run(data).by_agency)
