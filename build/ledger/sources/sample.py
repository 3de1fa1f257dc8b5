"""Writes the sample archive: a handful of tiny workbooks in ICE's real layouts, imported into <data-dir>/raw/.

The rows are written by hand for the project and are NOT ICE data: they exist so the site can be
built offline and so tests have a small archive with every quirk in it. Every sighting is
recorded with a `sample:` source, and every page built from them says it is sample data.
The agencies and counties are real places; the agreements, dates and links are invented.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ..common.addresses import build_moment
from ..common.errors import LedgerError
from .store import Store, date_from_name

SAMPLE_SOURCE = "sample"
MOA = "https://www.ice.gov/doclib/287gMOA/sample/{}.pdf"
ARCHIVE = "https://web.archive.org/web/20210113002027/https://www.ice.gov/doclib/287gMOA/sample/{}.pdf"

# Each list: (file name, header, rows). A row's MOA cell is ("text", hyperlink or None).
# The quirks below are the ones the real archive has: trailing spaces, curly apostrophes,
# case, misspelt states and models, text dates with a dropped slash, "link pending",
# a repeated header row, an empty row, and an agreement's signing date re-typed between lists.
# The latest participating list no longer prints Bucks County's agreement, which was on the list
# before it, so the sample shows a drop the day it happens (a `dropped` change, status `missing`).
SAMPLE_LISTS = [
    (
        "ParticipatingEntities-20210113002027.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "SUPPORT TYPE", "SIGNED", "MOA"],
        [
            ["NORTH CAROLINA", "Alamance County Sheriff's Office", "Jail Enforcement Model", "2019-06-28", (ARCHIVE.format("alamance"), None)],
            ["TEXAS", "Galveston County Sheriff's Office", "Jail Enforcement Model", "2020-07-24", (ARCHIVE.format("galveston"), None)],
            ["FLORIDA", "Collier County Sheriff’s Office", "Jail Enforcement Model", "2019-07-08", (ARCHIVE.format("collier"), None)],
            ["FLORIDA", "Collier County Sheriff's Office", "Warrant Service Officer", "2019-07-08", (ARCHIVE.format("collier-wso"), None)],
            ["GEORGIA", "Cobb County Sheriff's Office", "Jail Enforcement Model", "2020-06-01", (ARCHIVE.format("cobb"), None)],
            ["PENNSYLVANIA", "Bucks County Sheriff's Office", "Warrant Service Officer", "2020-09-15", (ARCHIVE.format("bucks"), None)],
        ],
    ),
    (
        "participatingAgencies-20250221214937.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "SUPPORT TYPE", "SIGNED", "MOA"],
        [
            ["NORTH CAROLINA", "Alamance County Sheriff's Office ", "County", "Jail Enforcement Model", "2019-06-28", ("link", MOA.format("alamance"))],
            ["TEXAS", "Galveston County Sheriff's Office", "County", "Jail Enforcement Model ", "2020-07-24", ("link", MOA.format("galveston"))],
            ["FLORIDA", "Collier County Sheriff's Office", "County", "Jail Enforcement Model", "2019-07-08", ("link", MOA.format("collier"))],
            ["FLORIDA", "Collier County Sheriff's Office", "County", "Warrant Service Officer", "2019-07-08", ("link", MOA.format("collier-wso"))],
            ["PENNSLYVANIA", "Bucks County Sheriff's Office", "County", "Warrant Service Officer", "2020-09-15", ("link", MOA.format("bucks"))],
            ["FLORIDA", "Florida Highway Patrol", "State", "Task Force Model", "2025-02-19", ("link pending", None)],
            ["TEXAS", "Harris County Constable Precinct 4", "County", "Warrant Service Officer", "2025-02-20", ("link pending", None)],
        ],
    ),
    (
        "pendingAgencies07012025pm.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"],
        [
            ["TEXAS", "Smith County Sheriff's Office", "County", "Smith County", "Jail Enforcement Model"],
            ["TENNESSEE", "Knox County Sheriff's Office", "County", "Knox County", "Task Force Model"],
            ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE"],
            ["OKLAHOMA", "Tulsa Police Department", "Municipality ", "Tulsa County", "Task Force Model"],
        ],
    ),
    (
        "participatingAgencies07082025pm.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"],
        [
            ["NORTH CAROLINA", "Alamance County Sheriff's Office", "County", "Alamance County", "Jail Enforcement Model", "2019-06-28", ("link", MOA.format("alamance"))],
            ["TEXAS ", "Galveston County Sheriff's Office", "County", "Galveston County", "Jail Enforcement Model", "2020-07-24", ("link", MOA.format("galveston"))],
            ["FLORIDA", "Collier County Sheriff's Office", "County", "Collier County", "Jail Enforcement Model", "2019-07-08", ("link", MOA.format("collier"))],
            ["FLORIDA", "Collier County Sheriff's Office", "County", "Collier County", "Task Force Model", "2025-03-03", ("link", MOA.format("collier-tfm"))],
            ["PENNSYLVANIA", "Bucks County Sheriff's Office", "County", "Bucks County", "Warrant Service Officer", "2020-09-15", ("link", MOA.format("bucks"))],
            ["FLORIDA", "Florida Highway Patrol", "State Agency", "", "Task Force Model", "2025-02-19", ("link", MOA.format("fhp"))],
            ["TEXAS", "Harris County Constable Precinct 4", "County", "Harris County", "Warrant Service Office", "2025-02-20", ("link", MOA.format("harris-4"))],
            ["TEXAS", "Smith County Sheriff's Office", "County", "Smith County", "Jail Enforcement Model", "7/72025", ("link pending", None)],
            ["", "", "", "", "", "", ("", None)],
            ["WEST VIRIGINIA", "Berkeley County Sheriff's Office", "County", "Berkeley County", "Task Force Model", "2025-06-30", ("link", MOA.format("berkeley"))],
        ],
    ),
    (
        "pendingAgencies01082026am.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "MOA"],
        [
            ["TENNESSEE", "Knox County Sheriff's Office", "County", "Knox County", "Task Force Model", ("", None)],
            ["NEBRASKA", "Douglas County Sheriff's Office", "County", "Douglas County", "Warrant Service Officer", ("", None)],
        ],
    ),
    (
        "participatingAgencies01072026am.xlsx",
        ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"],
        [
            ["NORTH CAROLINA", "Alamance County Sheriff's Office", "County", "Alamance County", "Jail Enforcement Model", "2025-12-01", ("link", MOA.format("alamance-2025")), ("", None)],
            ["TEXAS", "Galveston County Sheriff's Office", "County", "Galveston County", "Jail Enforcement Model", "2020-07-24", ("link", MOA.format("galveston")), ("link", MOA.format("galveston-addendum"))],
            ["FLORIDA", "Collier County Sheriff's Office", "County", "Collier County", "Task Force Model", "2025-03-03", ("link", MOA.format("collier-tfm")), ("", None)],
            ["FLORIDA", "Florida Highway Patrol", "State Agency", "", "Task Force Model", "2025-02-19", ("link", MOA.format("fhp")), ("", None)],
            ["TEXAS", "Harris County Constable Precinct 4", "County", "Harris County", "Warrant Service Officer", "2025-02-20", ("link", MOA.format("harris-4")), ("", None)],
            ["TEXAS", "Smith County Sheriff's Office", "County", "Smith County", "Jail Enforcement Model", "2025-07-07", ("link", MOA.format("smith")), ("", None)],
            ["west virginia", "Berkeley County Sheriff's Office", "County", "Berkeley County", "Task Force Model", "2025-06-30", ("link", MOA.format("berkeley")), ("", None)],
            ["OKLAHOMA", "Tulsa Police Department", "Municipality", "Tulsa County", "Task Force Model", "2025-10-14", ("link", MOA.format("tulsa")), ("", None)],
        ],
    ),
]


# The sample's one moment, from its own data by the build's one rule (the latest list's day at
# midnight UTC): every workbook's document properties and zip members and every manifest row's
# imported_at carry it, so the sample's bytes (and sha256s) never depend on the day, or the time
# zone, they were made in.
SAMPLE_MOMENT = build_moment(pd.DataFrame({"published_at": [date_from_name(name).published_at for name, _, _ in SAMPLE_LISTS]}))
# openpyxl writes document times as UTC without a zone; zip members have no zone at all.
SAMPLE_LOCAL = SAMPLE_MOMENT.replace(tzinfo=None)


# ICE's 287(g) statistics by agency, FY2006-2013, in the layout of the real file. Invented numbers.
REMOVALS_HEADER = (
    ["Jurisdiction_orig", "Jurisdiction", "address", "LAT", "LON"]
    + [f"{year}_identified" for year in range(2006, 2014)]
    + [f"{year}_removed" for year in range(2006, 2014)]
    + ["all_removed"]
)
SAMPLE_REMOVALS = [
    ["Alamance County Sheriff Office", "Alamance County Sheriff", "109 S Maple St, Graham, NC 27253", "36.07", "-79.40",
     "", "120", "200", "150", "110", "90", "80", "0", "", "100", "160", "120", "70", "60", "40", "10", "560"],
    ["Collier County Sheriff's Office", "Collier County Sheriff", "3319 Tamiami Trl E, Naples, FL 34112", "26.13", "-81.76",
     "", "", "300", "280", "260", "240", "", "", "", "", "210", "200", "190", "150", "", "", "750"],
    ["Galveston County Sheriff", "Galveston County Sheriff", "601 54th St, Galveston, TX 77551", "29.29", "-94.82",
     "", "", "", "40", "35", "30", "20", "10", "", "", "", "25", "20", "15", "10", "5", "75"],
]  # fmt: skip


def removals_csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(REMOVALS_HEADER)
    writer.writerows(SAMPLE_REMOVALS)
    return buffer.getvalue().encode()


def workbook_bytes(header: list[str], rows: list[list], sheet_title: str = "Sheet1") -> bytes:
    """One list as ICE lays it out: the header in row 1, dates as real dates, MOA as a 'link' hyperlink."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(header)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=c)
            if isinstance(value, tuple):
                text, target = value
                cell.value = text or None
                if target:
                    cell.hyperlink = target
            elif c <= len(header) and header[c - 1] == "SIGNED" and isinstance(value, str) and len(value) == 10 and value[4] == "-":
                cell.value = dt.date.fromisoformat(value)
                cell.number_format = "m/d/yyyy"
            else:
                cell.value = value or None
    # Fixed document properties and zip member times make the bytes, and so the sha256, the same on
    # every run. Workbook.save stamps `modified` with the clock, so the writer is called directly.
    book.properties.created = book.properties.modified = SAMPLE_LOCAL
    buffer = io.BytesIO()
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return fixed_zip_times(buffer.getvalue())


def fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every member stamped SAMPLE_LOCAL (zipfile stamps members with the local clock)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=SAMPLE_LOCAL.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def write_sample_archive(data_dir: Path) -> int:
    """Import the sample lists and removal figures into <data-dir>/raw; refuses an archive holding real lists.

    Returns the number of sample lists."""
    store = Store(data_dir)
    if store.manifest() and not store.holds_sample():
        raise LedgerError(store.manifest_path, "this archive holds real lists; write the sample into another --data-dir")
    count = 0
    for name, header, rows in SAMPLE_LISTS:
        title = "287(g) Agreements" if name.startswith("ParticipatingEntities") else "Sheet1"
        store.add(workbook_bytes(header, rows, title), name, f"{SAMPLE_SOURCE}:{name}", imported_at=SAMPLE_MOMENT)
        count += 1
    from .removal_files import import_removals  # imported here: the removals store is not needed to read lists

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sample-287g-removals-fy2006-2013.csv"
        path.write_bytes(removals_csv())
        _, _, errors = import_removals(data_dir, [path], source_label=SAMPLE_SOURCE, imported_at=SAMPLE_MOMENT)
        if errors:
            raise errors[0]
    return count
