"""Bounded work for any input: a sheet past what an ICE list could hold is refused before the
spreadsheet reader builds it, a reader that dies costs the one file it was reading, and a run of
blank rows is one set-aside record. The hostile workbooks are written here, part by part."""

from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import signal
import zipfile

import pandas as pd
import pytest

from ledger import cli, ingest
from ledger.common import excel
from ledger.common.errors import LedgerError
from ledger.sources import store as store_module
from ledger.sources.store import Store, check_workbook, read_apart

HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"]
SIGNED = (dt.date(2025, 7, 1) - excel.EXCEL_EPOCH).days  # a date cell, as ICE's lists have
MOA = "https://www.ice.gov/doclib/287gMOA/x.pdf"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS}><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
SHEET_RELS = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="{MOA}" TargetMode="External"/></Relationships>'
LIMIT = "limit of a plausible ICE list"


def cell(ref: str, value: object) -> str:
    if isinstance(value, int):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def row(number: int, values: list, first_column: int = 0) -> str:
    cells = "".join(cell(f"{excel.column_letter(first_column + i)}{number}", v) for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def ice_rows(count: int) -> list[str]:
    """The header and `count` rows of a participating list, from row 1."""
    body = [row(n, ["TEXAS", f"Agency {n} Sheriff's Office", "County", "Jail Enforcement Model", SIGNED, "link"]) for n in range(2, count + 2)]
    return [row(1, HEADER), *body]


def workbook(rows: list[str], dimension: str | None = None, links: list[str] = (), stored: bool = False) -> bytes:
    """An xlsx of one sheet, its XML written by hand: the rows, a <dimension> if given, hyperlinks on rId1."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    hyperlinks = "<hyperlinks>" + "".join(f'<hyperlink ref="{ref}" r:id="rId1"/>' for ref in links) + "</hyperlinks>" if links else ""
    sheet = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{"".join(rows)}</sheetData>{hyperlinks}</worksheet>'
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/worksheets/sheet1.xml", sheet, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        if links:
            zf.writestr("xl/worksheets/_rels/sheet1.xml.rels", SHEET_RELS)
    return out.getvalue()


# Each hostile workbook, and the one-line reason it is refused with.
HOSTILE = {
    "far corner, dimension lies": (
        workbook([*ice_rows(1), row(1048576, ["x"], 16383)], dimension="A1:F2"),
        f"sheet spans 1,048,576 rows, over the 50,000-row {LIMIT}",
    ),
    "far row, no dimension": (workbook([*ice_rows(1), row(1048576, ["x"])]), f"sheet spans 1,048,576 rows, over the 50,000-row {LIMIT}"),
    "dimension declares the whole sheet": (
        workbook(ice_rows(1), dimension="A1:XFD1048576"),
        f"sheet declares 1,048,576 rows, over the 50,000-row {LIMIT} (dimension A1:XFD1048576)",
    ),
    "fifty links over a column": (
        workbook(ice_rows(1), links=["F1:F1048576"] * 50),
        f"hyperlink F1:F1048576 reaches 1,048,576 rows, over the 50,000-row {LIMIT}",
    ),
    "sixty columns": (workbook([*ice_rows(1), row(3, ["note"] * 60)]), f"sheet spans 60 columns, over the 32-column {LIMIT}"),
    "forty cells with no reference": (
        workbook([*ice_rows(1), '<row r="3">' + '<c t="inlineStr"><is><t>x</t></is></c>' * 40 + "</row>"]),
        f"sheet spans 40 columns, over the 32-column {LIMIT}",
    ),
    "links covering 120,000 cells": (
        workbook([*ice_rows(1), row(40000, ["x"])], links=["F2:F40000"] * 3),
        f"hyperlinks cover 119,997 cells, over the 100,000-cell {LIMIT}",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_sheet_is_refused_in_one_line_before_the_reader_builds_it(tmp_path, case):
    data, reason = HOSTILE[case]
    assert len(data) < 10_000  # a few kilobytes, each
    path = tmp_path / "participatingAgencies07082025pm.xlsx"
    with pytest.raises(LedgerError) as caught:
        check_workbook(path, data)
    assert str(caught.value) == f"{path}: {reason}"
    assert "\n" not in str(caught.value)


def test_the_scan_finds_cells_however_they_are_written():
    far = excel.MAX_SHEET_ROWS + 1
    prefixed = f'<x:worksheet><x:sheetData><x:row r="{far}"><x:c r="A{far}"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    assert excel.sheet_extent(prefixed.encode()).rows == far
    assert excel.sheet_extent(b'<row r="2"><c r="xfd2"><v>1</v></c></row>').columns == 16384  # lower case
    unplaced = b"<row><c><v>1</v></c></row>" * 3 + f'<row r="{far}"/><row><c><v>1</v></c></row>'.encode()
    assert excel.sheet_extent(unplaced).rows == far + 1  # a row without r follows the one before
    assert excel.sheet_extent(b'<row r="2"><c r="&#88;FD2"><v>1</v></c></row>').columns == 16384  # escaped
    with pytest.raises(LedgerError, match=r"sheet spans over 9,999,999 rows"):
        excel.check_sheet_bounds("x.xlsx", b'<c r="A' + b"9" * 100_000 + b'"><v>1</v></c>')
    for row_tag in (b'<row r="1">', b"<row>"):  # the same cell again and again, in a plain sheet or not
        with pytest.raises(LedgerError, match=r"^x\.xlsx: sheet holds over 1,600,000 cells, the limit of a plausible ICE list$"):
            excel.check_sheet_bounds("x.xlsx", row_tag + b'<c r="A1"/>' * (excel.MAX_SHEET_CELLS + 1) + b"</row>")
    # What ICE's lists are like passes, without the full scan.
    assert excel.check_sheet_bounds("x.xlsx", "".join(ice_rows(1500)).encode()) <= excel.MAX_SHEET_ROWS


def test_good_files_beside_hostile_ones_are_imported_and_ingested(write_list, tmp_path, capsys):
    folder = tmp_path / "lists"
    good = [
        write_list("participatingAgencies07012025pm.xlsx", HEADER, [["TEXAS", "Smith County Sheriff's Office", "County", "Jail Enforcement Model", "2025-06-30", ("link", MOA)]]),
        write_list("participatingAgencies07022025pm.xlsx", HEADER, [["TEXAS", "Knox County Sheriff's Office", "County", "Task Force Model", "2025-06-30", ("link", MOA)]]),
    ]
    for day, case in enumerate(sorted(HOSTILE), start=3):  # dated between and after the good ones
        (folder / f"participatingAgencies07{day:02d}2025pm.xlsx").write_bytes(HOSTILE[case][0])
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(folder)]) == 2
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line]
    assert len(lines) == len(HOSTILE) and "Traceback" not in captured.err
    for day, case in enumerate(sorted(HOSTILE), start=3):
        assert f"refused {folder / f'participatingAgencies07{day:02d}2025pm.xlsx'}: {HOSTILE[case][1]}" in lines
    assert f"import: 2 imported, 0 already present, {len(HOSTILE)} refused" in captured.out
    assert [r["original_name"] for r in Store(data).manifest()] == [p.name for p in good]
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    assert "ingest: 2 publications, 2 rows in, 2 accepted, 0 rejected" in capsys.readouterr().out


def test_a_list_ten_times_icelargest_is_read(tmp_path):
    path = tmp_path / "lists" / "participatingAgencies07082025pm.xlsx"
    path.parent.mkdir()
    path.write_bytes(workbook(ice_rows(15_000), dimension="A1:F15001"))
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(path.parent)]) == 0
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    pubs = pd.read_parquet(data / "build" / "publications.parquet")
    assert pubs["rows_in"].tolist() == pubs["rows_accepted"].tolist() == [15_000]


def test_a_stray_cell_far_below_the_list_makes_one_blank_run_record(tmp_path):
    path = tmp_path / "lists" / "participatingAgencies07082025pm.xlsx"
    path.parent.mkdir()
    path.write_bytes(workbook([*ice_rows(3), row(4005, ["TEXAS"])]))  # rows 5 to 4,004 are blank
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(path.parent)]) == 0
    result = ingest.run(data)
    rejected = result.rejected.set_index("row_number")
    assert rejected["reason"].to_dict() == {5: "empty_row", 4005: "missing_agency"}
    assert rejected.loc[5, "rows"] == 4000 and rejected.loc[5, "detail"] == "rows 5-4,004: 4,000 empty rows"
    assert rejected.loc[4005, "rows"] == 1
    pub = result.publications.iloc[0]
    assert pub["rows_in"] == 4004 == pub["rows_accepted"] + result.rejected["rows"].sum()
    assert pub["rows_accepted"] == 3 and pub["rows_rejected"] == 4001
    qa = pd.DataFrame(result.qa).set_index(["check", "scope"])
    assert qa.loc[("workbooks_reconciled", "all workbooks"), "status"] == "pass"
    assert qa.loc[("rows_rejected", "empty_row"), "value"] == 4000
    saved = pd.read_csv(data / "build" / "rejected_rows.csv")
    assert saved["rows"].sum() == 4001 and len(saved) == 2
    # The recomputed checks count what a record stands for too: the command and `ledger check` pass.
    assert cli.main(["--data-dir", str(data), "ingest"]) == 0
    assert cli.main(["--data-dir", str(data), "check"]) == 0


needs_fork = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="the injected crash reaches reader children by fork"
)


def aborting_on(name: str, real, how):
    """A read_sheet that kills its process, the way a native crash does, on the file named `name`."""

    def read(path, data=None):
        if name in str(path):
            os.kill(os.getpid(), how)
        return real(path, data)

    return read


@needs_fork
def test_an_abort_in_the_reader_costs_one_file_at_import(write_list, tmp_path, monkeypatch, capsys):
    names = [f"participatingAgencies07{day:02d}2025pm.xlsx" for day in (1, 2, 3)]
    for name in names:
        write_list(name, HEADER, [["TEXAS", "Smith County Sheriff's Office", "County", "Jail Enforcement Model", "2025-06-30", ("link", MOA)]])
    monkeypatch.setattr(store_module, "read_sheet", aborting_on(names[1], store_module.read_sheet, signal.SIGABRT))
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(tmp_path / "lists")]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [f"refused {tmp_path / 'lists' / names[1]}: the spreadsheet reader crashed (signal 6, SIGABRT)"]
    assert "import: 2 imported, 0 already present, 1 refused" in captured.out
    assert [r["original_name"] for r in Store(data).manifest()] == [names[0], names[2]]


@needs_fork
def test_a_fault_in_the_reader_costs_one_file_at_ingest(write_list, tmp_path, monkeypatch, capsys):
    from ledger.ingest import parse

    names = [f"participatingAgencies07{day:02d}2025pm.xlsx" for day in (1, 2, 3)]
    for i, name in enumerate(names):
        write_list(name, HEADER, [["TEXAS", f"Agency {i} Sheriff's Office", "County", "Jail Enforcement Model", "2025-06-30", ("link", MOA)]])
    data = tmp_path / "data"
    assert cli.main(["--data-dir", str(data), "import", str(tmp_path / "lists")]) == 0
    victim = Store(data).path_of(Store(data).manifest()[1]["sha256"])
    monkeypatch.setattr(parse, "read_sheet", aborting_on(victim.name, parse.read_sheet, signal.SIGSEGV))
    assert cli.main(["--data-dir", str(data), "ingest"]) == 1  # an unreadable stored file fails the build
    captured = capsys.readouterr()
    assert f"unreadable {victim}: the spreadsheet reader crashed (signal 11, SIGSEGV)" in captured.err.splitlines()
    assert "Traceback" not in captured.err
    assert "ingest: 2 publications, 2 rows in, 2 accepted, 0 rejected" in captured.out


def test_children_keep_order_and_a_dead_one_is_the_item_it_held():
    items = [0, 1, 2, 3, 4, 5, 6]
    results = list(read_apart(die_on_three, items, lambda item: f"item{item}", workers=3))
    assert results[:3] == [0, 10, 20] and results[4:] == [40, 50, 60]
    assert isinstance(results[3], LedgerError) and str(results[3]) == "item3: the spreadsheet reader crashed (exit status 7)"
    refused = list(read_apart(refuse, [1], lambda item: "x"))
    assert isinstance(refused[0], LedgerError) and (refused[0].path, refused[0].reason) == ("one.xlsx", "no")


def die_on_three(item: int) -> int:
    if item == 3:
        os._exit(7)
    return item * 10


def refuse(item: int) -> int:
    raise LedgerError("one.xlsx", "no")


def test_the_methodology_page_lists_a_hundred_rows_set_aside_and_links_them_all(tmp_path):
    from types import SimpleNamespace

    from ledger.common.paths import SITE_SRC
    from ledger.common.qa import QA_COLUMNS
    from ledger.site.messages import Messages
    from ledger.site.pages.common import Output, Site, environment
    from ledger.site.pages.methodology import LISTED_REJECTED, REJECTED_CSV, methodology_page

    count = LISTED_REJECTED + 150
    rejected = pd.DataFrame(
        {"publication_id": "participating-20250708-170000", "file_name": "participatingAgencies07082025pm.xlsx",
         "row_number": [str(n) for n in range(2, count + 2)], "rows": "2", "reason": "missing_agency", "detail": "",
         "raw_state": "TEXAS", "raw_agency": "=HYPERLINK(\"http://evil\")"}
    )  # fmt: skip
    pubs = pd.DataFrame({"list_kind": ["participating"], "file_names": [["participatingAgencies07082025pm.xlsx"]], "sightings": [1]})
    inputs = SimpleNamespace(publications=pubs, qa=pd.DataFrame(columns=QA_COLUMNS), rejected=rejected, tiers=pd.DataFrame(), identity_text="")
    t = Messages("en")
    site = Site(t, environment(t, SITE_SRC), inputs, *[None] * 11, common={"is_sample": False, "first": "July 8, 2025", "last": "July 8, 2025"})
    out = Output(tmp_path)
    methodology_page(site, out)
    page = (tmp_path / "generated" / "methodology.md").read_text(encoding="utf-8")
    assert page.count("<td>missing_agency") == LISTED_REJECTED
    assert f"The first {LISTED_REJECTED} of {count:,} records set aside ({2 * count:,} rows) are listed here." in page
    assert f'<a href="../{REJECTED_CSV}" download>' in page
    published = pd.read_csv(tmp_path / REJECTED_CSV, dtype=str)
    assert len(published) == count and published["raw_agency"].iloc[0].startswith("'=")  # spreadsheet-safe
