"""The ingest stage: file names, layouts, cell quirks, untrusted files, reconciliation, the command line."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest

from ledger import checks, cli, ingest
from ledger.common.errors import LedgerError
from ledger.common.fixes import FixTable
from ledger.sources.store import Store, date_from_name, import_paths
from ledger.sources.workbook import LAYOUTS, read_sheet

P_HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
MOA = ("link", "https://www.ice.gov/doclib/287gMOA/x.pdf")


def row(state="TEXAS", agency="Smith County Sheriff's Office", signed="2025-07-07", model="Jail Enforcement Model"):
    return [state, agency, "County", "Smith County", model, signed, MOA]


def build(data_dir, *lists, **kw):
    """Import the given workbook paths and ingest; returns the IngestResult."""
    store = Store(data_dir)
    imported, skipped, errors = import_paths(store, list(lists), **kw)
    assert not errors, errors
    return ingest.run(data_dir, force=True)


# ------------------------------------------------------------------ dates from file names


@pytest.mark.parametrize(
    "name, expected, source",
    [
        ("participatingAgencies12302025am.xlsx", dt.datetime(2025, 12, 30, 9, 0), "ice_file_name"),
        ("pendingAgencies07012025pm.xlsx", dt.datetime(2025, 7, 1, 17, 0), "ice_file_name"),
        ("pendingAgencies09292025mid.xlsx", dt.datetime(2025, 9, 29, 12, 0), "ice_file_name"),
        ("pendingAgencies10012025.xlsx", dt.datetime(2025, 10, 1, 12, 0), "ice_file_name"),
        ("participatingAgencies05122025amB.xlsx", dt.datetime(2025, 5, 12, 9, 1), "ice_file_name"),
        ("pendingAgencies07012025pm_b.xlsx", dt.datetime(2025, 7, 1, 17, 1), "ice_file_name"),
        ("participatingAgencies07012025pm2.xlsx", dt.datetime(2025, 7, 1, 17, 1), "ice_file_name"),
        ("ParticipatingEntities-20210113002027.xlsx", dt.datetime(2021, 1, 13, 0, 20, 27), "archive_capture"),
        ("participatingAgencies-20250221214937.xlsx", dt.datetime(2025, 2, 21, 21, 49, 37), "archive_capture"),
    ],
)
def test_publication_date_from_file_name(name, expected, source):
    dating = date_from_name(name)
    assert (dating.published_at, dating.date_source) == (expected, source)


@pytest.mark.parametrize("name", ["participatingAgencies.xlsx", "list.xlsx", "participatingAgencies13452025am.xlsx"])
def test_file_name_without_a_valid_date_gives_none(name):
    assert date_from_name(name) is None


# ------------------------------------------------------------------ cell values


@pytest.mark.parametrize(
    "text, cell_type, expected",
    [
        ("2016-06-08", "date", dt.date(2016, 6, 8)),
        ("45922", "number", dt.date(2025, 9, 22)),  # Excel serial date
        ("45922", "text", dt.date(2025, 9, 22)),
        ("05/082025", "text", dt.date(2025, 5, 8)),  # slash dropped before the year
        ("7/72025", "text", dt.date(2025, 7, 7)),
        ("8/282025", "text", dt.date(2025, 8, 28)),
        ("7/7/2025", "text", dt.date(2025, 7, 7)),
        ("7/7/25", "text", dt.date(2025, 7, 7)),
        ("July 7, 2025", "text", dt.date(2025, 7, 7)),
        (" 2025-07-07 ", "text", dt.date(2025, 7, 7)),
        ("13/45/2025", "text", None),
        ("soon", "text", None),
        ("", "empty", None),
        ("12", "number", None),
    ],
)
def test_parse_signed(text, cell_type, expected):
    assert ingest.parse_signed(text, cell_type) == expected


@pytest.mark.parametrize(
    "href, text, expected",
    [
        ("https://www.ice.gov/doclib/287gMOA/a.pdf", "link", "https://www.ice.gov/doclib/287gMOA/a.pdf"),
        ("", "https://web.archive.org/web/20210113002027/https://www.ice.gov/a.pdf", "https://www.ice.gov/a.pdf"),
        ("", "https://web.archive.org/web/20210113002027id_/http://www.ice.gov/a.pdf", "https://www.ice.gov/a.pdf"),
        (
            "https://gcc02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fdoclib%2Fb.pdf&data=05",
            "link",
            "https://www.ice.gov/doclib/b.pdf",
        ),
        ("", "link pending", None),
        ("", "", None),
    ],
)
def test_clean_url(href, text, expected):
    assert ingest.clean_url(href, text) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("TEXAS", ("TX", None, False)),
        ("Texas ", ("TX", None, False)),
        ("  west   virginia", ("WV", None, False)),
        ("GUAM", ("GU", None, False)),
        ("NORTHERN MARIANA ISLANDS", ("MP", None, False)),
        ("PENNSLYVANIA", ("PA", None, True)),
        ("ATLANTIS", (None, "unknown_state", False)),
        ("", (None, "missing_state", False)),
    ],
)
def test_clean_state(raw, expected):
    fixes = FixTable("state_names", {"PENNSLYVANIA": "PENNSYLVANIA"})
    assert ingest.clean_state(raw, ingest.state_codes(), fixes) == expected


def test_clean_text_straightens_apostrophes_and_spaces():
    assert ingest.clean_text("  Collier County Sheriff\u2019s\xa0 Office ") == "Collier County Sheriff's Office"


def test_every_state_dc_and_territory_has_a_code():
    codes = ingest.state_codes()
    assert len(codes) == 56 and len(set(codes.values())) == 56
    assert {"DC", "PR", "GU", "VI", "AS", "MP"} <= set(codes.values())


# ------------------------------------------------------------------ layouts


LAYOUT_HEADERS = {
    "participating-2021": ["STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA"],
    "participating-type": ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"],
    "participating-county": P_HEADER,
    "participating-addendum": P_HEADER + ["ADDENDUM"],
    "pending-type": ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE"],
    "pending-county": ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"],
    "pending-moa": ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "MOA"],
}


def test_every_known_layout_is_covered_here():
    assert set(LAYOUT_HEADERS) == set(LAYOUTS)


VALUES = {
    "STATE": "TEXAS",
    "LAW ENFORCEMENT AGENCY": "Smith County Sheriff's Office",
    "TYPE": "County",
    "COUNTY": "Smith County",
    "SUPPORT TYPE": "Task Force Model",
    "SIGNED": "2025-07-07",
    "MOA": MOA,
    "ADDENDUM": ("link", "https://www.ice.gov/doclib/287gMOA/add.pdf"),
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_HEADERS))
@pytest.mark.parametrize("reverse", [False, True], ids=["ice-order", "reversed"])
def test_layouts_are_found_by_header_name_in_any_order(write_list, tmp_path, layout, reverse):
    header = LAYOUT_HEADERS[layout][::-1] if reverse else LAYOUT_HEADERS[layout]
    kind = LAYOUTS[layout][0]
    path = write_list(f"{kind}Agencies07082025pm.xlsx", header, [[VALUES[h] for h in header]])
    assert read_sheet(path).layout == layout
    result = build(tmp_path / "data", path)
    (accepted,) = result.sheet_rows.to_dict("records")
    assert accepted["state"] == "TX" and accepted["support_type"] == "Task Force Model"
    assert accepted["agency_name"] == "Smith County Sheriff's Office"
    if "SIGNED" in header:
        assert accepted["signed"] == dt.date(2025, 7, 7)
        assert accepted["moa_url"] == "https://www.ice.gov/doclib/287gMOA/x.pdf"
    if "ADDENDUM" in header:
        assert accepted["addendum_url"] == "https://www.ice.gov/doclib/287gMOA/add.pdf"


def test_unknown_layout_is_a_clear_error(write_list):
    path = write_list("participatingAgencies07082025pm.xlsx", ["STATE", "LAW ENFORCEMENT AGENCY", "OFFICERS"], [])
    with pytest.raises(LedgerError, match="unknown layout: unrecognised column 'OFFICERS'"):
        read_sheet(path)


def test_no_header_is_a_clear_error(write_list):
    path = write_list("participatingAgencies07082025pm.xlsx", ["A", "B"], [["x", "y"]])
    with pytest.raises(LedgerError, match="no header row"):
        read_sheet(path)


def test_header_below_a_banner_is_found_with_excel_row_numbers(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["A1"] = "287(g) participating agencies"
    sheet.append([])
    sheet.append(P_HEADER)
    sheet.append(["TEXAS", "Smith County Sheriff's Office", "County", "Smith County", "Task Force Model", "2025-07-07", "link"])
    path = tmp_path / "participatingAgencies07082025pm.xlsx"
    book.save(path)
    parsed = read_sheet(path)
    assert parsed.header_row == 3 and parsed.row_numbers == [4]


# ------------------------------------------------------------------ quirks in rows


def test_quirks_are_normalised_or_rejected_with_a_reason(write_list, tmp_path):
    rows = [
        row(state="Texas ", agency="  Smith County Sheriff\u2019s Office "),  # case, spaces, curly apostrophe
        row(state="PENNSLYVANIA", agency="Bucks County Sheriff's Office"),  # known misspelling, fixed
        row(model="Warrant Services Officer"),  # known misspelt model, fixed
        row(signed="7/72025"),  # text date with the slash dropped
        P_HEADER,  # the header printed again
        ["", "", "", "", "", "", ("", None)],  # an empty row between rows
        row(state="ATLANTIS"),  # unresolvable: rejected with its raw value
        row(model="Deputy Model"),
        row(signed="someday"),
        row(signed="1925-07-07"),  # before the program existed: implausible
        row(agency=" "),
        row(),  # last row, so the empty row above is inside the list
    ]
    path = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, rows)
    result = build(tmp_path / "data", path)
    accepted, rejected = result.sheet_rows, result.rejected
    assert len(accepted) + len(rejected) == len(rows) == int(result.publications["rows_in"].iloc[0])
    assert accepted["agency_name"].iloc[0] == "Smith County Sheriff's Office"
    assert accepted["state"].tolist()[:2] == ["TX", "PA"]
    assert accepted["support_type"].iloc[2] == "Warrant Service Officer"
    assert accepted["signed"].iloc[3] == dt.date(2025, 7, 7)
    assert "state_names" in accepted["fixes_applied"].iloc[1]
    reasons = dict(zip(rejected["row_number"], rejected["reason"]))
    assert reasons == {
        6: "repeated_header",
        7: "empty_row",
        8: "unknown_state",
        9: "unknown_support_type",
        10: "bad_signed_date",
        11: "implausible_signed_date",
        12: "missing_agency",
    }
    assert rejected.set_index("row_number").loc[8, "detail"] == "ATLANTIS"
    assert rejected.set_index("row_number").loc[10, "raw_signed"] == "someday"
    assert set(rejected["reason"]) <= set(ingest.REJECT_REASONS)


def test_values_under_no_header_are_not_silently_dropped(write_list, tmp_path):
    path = write_list(
        "participatingAgencies07082025pm.xlsx", P_HEADER, [row() + ["a note ICE typed"], row() + [None]]
    )
    result = build(tmp_path / "data", path)
    assert result.rejected["reason"].tolist() == ["cells_outside_header"]
    assert result.rejected["detail"].iloc[0] == "a note ICE typed"
    assert len(result.sheet_rows) == 1


def test_hyperlink_ranges_and_formula_cells(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(P_HEADER)
    for _ in range(3):
        sheet.append(["TEXAS", "Smith County Sheriff's Office", "County", "Smith County", "Task Force Model", "2025-07-07", "link"])
    sheet["G2"].hyperlink = "https://www.ice.gov/doclib/287gMOA/one.pdf"
    sheet["H2"] = "=1+1"
    path = tmp_path / "participatingAgencies07082025pm.xlsx"
    book.save(path)
    parsed = read_sheet(path)
    assert parsed.hyperlinks["G2"] == "https://www.ice.gov/doclib/287gMOA/one.pdf"
    assert parsed.formula_cells == 1


# ------------------------------------------------------------------ untrusted files


def test_an_html_page_is_refused_by_name():
    with pytest.raises(LedgerError, match=r"x\.xlsx: not an Excel workbook \(an HTML page\)"):
        read_sheet("x.xlsx", b"<!DOCTYPE html><html><body>Access denied</body></html>")


def zip_with(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_decompressing():
    bomb = zip_with({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(LedgerError, match="expands over 100:1"):
        read_sheet("bomb.xlsx", bomb)


def test_a_declared_size_over_50_mib_is_refused():
    big = zip_with({"xl/workbook.xml": b"<workbook/>", "xl/big.bin": bytes(range(256)) * (52 * 4096)})
    with pytest.raises(LedgerError, match="over the 50 MiB limit"):
        read_sheet("big.xlsx", big)


def test_a_broken_workbook_is_refused_with_a_reason():
    with pytest.raises(LedgerError, match="unreadable workbook|not an Excel workbook"):
        read_sheet("broken.xlsx", zip_with({"xl/workbook.xml": b"<not xml"}))


# ------------------------------------------------------------------ publications


def test_content_identical_consecutive_lists_are_one_publication(write_list, tmp_path):
    a = write_list("participatingAgencies07082025am.xlsx", P_HEADER, [row()])
    b = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row()])
    c = write_list("participatingAgencies07092025am.xlsx", P_HEADER, [row(), row(agency="Knox County Sheriff's Office")])
    d = write_list("participatingAgencies07102025am.xlsx", P_HEADER, [row()])  # back to the first list
    result = build(tmp_path / "data", a, b, c, d)
    pubs = result.publications
    assert pubs["sightings"].tolist() == [2, 1, 1]
    assert list(pubs["file_names"].iloc[0]) == ["participatingAgencies07082025am.xlsx", "participatingAgencies07082025pm.xlsx"]
    assert len(result.sheet_rows) == 1 + 2 + 1  # rows are counted once per publication


def test_signing_dates_after_the_file_name_date_are_caught(write_list, tmp_path):
    path = write_list("participatingAgencies08022025pm.xlsx", P_HEADER, [row(signed="2025-08-28")])
    result = build(tmp_path / "data", path)  # the project's fix table has a reviewed date for this name
    pub = result.publications.iloc[0]
    assert pub["date_source"] == "manual_fix" and pub["published_at"] == pd.Timestamp("2025-09-02 17:00")
    other = write_list("participatingAgencies08032025pm.xlsx", P_HEADER, [row(signed="2025-08-20")], folder=tmp_path / "b")
    good = write_list("participatingAgencies08252025pm.xlsx", P_HEADER, [row(signed="2025-08-20")], folder=tmp_path / "b")
    result = build(tmp_path / "data2", other, good)
    # Without a reviewed date the misdated list is held, not moved; the good list beside it is kept.
    assert result.publications["file_names"].str[0].tolist() == ["participatingAgencies08252025pm.xlsx"]
    held = [q for q in result.qa if q["check"] == "list_held_for_review"]
    assert [(q["scope"], q["status"]) for q in held] == [("participatingAgencies08032025pm.xlsx", "warn")]
    assert "1 rows held: signed up to 2025-08-20" in held[0]["value"]


def test_a_pending_list_under_a_participating_name_is_taken_as_pending(write_list, tmp_path):
    header = LAYOUT_HEADERS["pending-county"]
    path = write_list("participatingAgencies09222025pm.xlsx", header, [[VALUES[h] for h in header]])
    result = build(tmp_path / "data", path)
    assert result.publications[["list_kind", "list_kind_source"]].iloc[0].tolist() == ["pending", "layout"]


def test_an_empty_list_is_a_publication_with_no_rows(write_list, tmp_path):
    header = LAYOUT_HEADERS["pending-county"]
    path = write_list("pendingAgencies11062025pm.xlsx", header, [])
    result = build(tmp_path / "data", path)
    assert result.publications["rows_in"].tolist() == [0]


def test_unused_fixes_are_reported(write_list, tmp_path):
    path = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row()])
    result = build(tmp_path / "data", path)
    unused = {q["scope"] for q in result.qa if q["check"] == "fix_unused"}
    assert "state_names.csv: PENNSLYVANIA" in unused


# ------------------------------------------------------------------ the command line


def test_import_names_bad_files_keeps_good_ones_and_exits_2(write_list, tmp_path, capsys):
    good = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row()])
    (good.parent / "pendingAgencies07082025pm.xlsx").write_text("<html>Access Denied</html>")
    (good.parent / "participatingAgencies.xlsx").write_bytes(good.read_bytes())  # no date in its name
    data = tmp_path / "data"
    status = cli.main(["--data-dir", str(data), "import", str(good.parent)])
    err = capsys.readouterr().err
    assert status == 2
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 2 and "Traceback" not in err
    assert any("pendingAgencies07082025pm.xlsx: not an Excel workbook" in line for line in lines)
    assert any("participatingAgencies.xlsx: no publication date in the file name" in line for line in lines)
    assert [r["original_name"] for r in Store(data).manifest()] == ["participatingAgencies07082025pm.xlsx"]
    # Again: the good file is skipped, never stored twice.
    assert cli.main(["--data-dir", str(data), "import", str(good)]) == 0
    assert "1 already present" in capsys.readouterr().out
    assert len(Store(data).manifest()) == 1
    # With --date the undated file is taken.
    assert cli.main(["--data-dir", str(data), "import", "--date", "2025-07-09", str(good.parent / "participatingAgencies.xlsx")]) == 0
    assert Store(data).manifest()[-1]["date_source"] == "import_option"


def test_manifest_records_provenance(write_list, tmp_path):
    path = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row()])
    store = Store(tmp_path / "data")
    import_paths(store, [path])
    (entry,) = store.manifest()
    assert entry["list_kind"] == "participating" and entry["date_source"] == "ice_file_name"
    assert entry["source"] == str(path.resolve()) and int(entry["size"]) == path.stat().st_size
    assert store.path_of(entry["sha256"]).read_bytes() == path.read_bytes()


def test_ingest_then_check_and_a_tampered_output_fails(write_list, tmp_path, capsys):
    path = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row(), row(agency="Knox County Sheriff's Office")])
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(path)]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    assert "nothing new" in capsys.readouterr().out
    summary = pd.read_csv(data / "build" / "qa_summary.csv")
    assert list(summary.columns) == checks.QA_COLUMNS and "fail" not in set(summary["status"])
    rows = pd.read_parquet(data / "build" / "sheet_rows.parquet")
    rows.iloc[:1].to_parquet(data / "build" / "sheet_rows.parquet")  # lose a row after the build
    assert cli.main(["--data-dir", str(data), "check"]) == 1
    assert "fail publication_rows_reconciled participating-20250708-170000: 1 (expected 2)" in capsys.readouterr().err.splitlines()


def test_a_corrupted_raw_file_is_reported_and_the_rest_still_ingested(write_list, tmp_path, capsys):
    a = write_list("participatingAgencies07082025pm.xlsx", P_HEADER, [row()])
    b = write_list("participatingAgencies07092025pm.xlsx", P_HEADER, [row(), row(agency="Knox County Sheriff's Office")])
    data = tmp_path / "data"
    store = Store(data)
    import_paths(store, [a, b])
    store.path_of(store.manifest()[0]["sha256"]).write_bytes(b"<html>tampered</html>")
    assert cli.main(["--data-dir", str(data), "ingest"]) == 1
    captured = capsys.readouterr()
    assert "not an Excel workbook" in captured.err and "Traceback" not in captured.err
    assert len(pd.read_parquet(data / "build" / "sheet_rows.parquet")) == 2


def test_sample_archive_builds_and_says_it_is_sample(tmp_path):
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "sample"]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    pubs = pd.read_parquet(data / "build" / "publications.parquet")
    assert pubs["is_sample"].all() and len(pubs) == 6
    # Real lists never mix with the sample.
    assert cli.main(["--data-dir", str(data), "import", str(tmp_path)]) == 2


def test_county_markers_typos_and_agencies_under_the_wrong_state_are_fixed(write_list, tmp_path):
    rows = [
        ["TEXAS", "McKenzie County Sheriff's Office", "County", "McKenzie County", "Task Force Model", "2025-03-17", MOA],
        ["FLORIDA", "Florida Highway Patrol", "State Agency", "#NA", "Task Force Model", "2025-03-17", MOA],
        ["GEORGIA", "Decatur County Sheriff's Office", "County", "Decatur", "Task Force Model", "2025-03-17", MOA],
        ["TEXAS", "Lake County Sheriff's Office", "County", "Lake Conty", "Task Force Model", "2025-03-17", MOA],
        ["ALABAMA", "Decatur Police Department", "Municipality", "Decatur", "Task Force Model", "2025-03-17", MOA],
    ]
    result = build(tmp_path / "data", write_list("participatingAgencies03182025pm.xlsx", P_HEADER, rows))
    got = result.sheet_rows[["state", "county", "fixes_applied"]].astype(object).where(result.sheet_rows[["state", "county", "fixes_applied"]].notna(), None).values.tolist()
    assert got == [
        ["ND", "McKenzie County", "agency_states"],
        ["FL", None, "county_names"],
        ["GA", "Decatur County", "county_names"],  # keyed on state and county
        ["TX", "Lake County", "county_names"],
        ["AL", "Decatur", ""],  # the Georgia fix does not reach another state's Decatur
    ]
