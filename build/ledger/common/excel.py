"""What the project knows of Excel files, shared by every reader of ICE's workbooks and FOIA releases.

Besides Excel's date rules: its cell references ("G12"), and the bounds of a plausible ICE list,
found by scanning a worksheet's XML before any spreadsheet library builds its grid. A native
reader allocates rows x columns of the area a sheet's cells span, so one cell at the far corner
(XFD1048576) of a 5 KB file asks for half a terabyte, and the process is aborted, not raised in.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import LedgerError

EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its leap-year bug)
# A number is read as a date serial only in 1954-10-03 (20000) .. 2119-01-10 (80000): every real
# signing or departure date lies inside, and counts such as 3 or 1,500 stay numbers.
SERIAL_MIN, SERIAL_MAX = 20000, 80000
# ICE prints a title and notes above the header; the header has never been below row 6.
HEADER_SEARCH_ROWS = 20
PROGRAM_START = dt.date(2002, 1, 1)  # the first 287(g) agreement (Florida, 2002)

# ICE's largest list (February 2026) ends at row 1,503. A list ten times that (15,000 rows) is
# the benchmark and must be read; 50,000 leaves a margin of over thirty times the largest.
MAX_SHEET_ROWS = 50_000
# ICE's lists name at most 8 columns and their cells never go past column M (13); 32 leaves room
# for 19 more, four times the named ones, and keeps a reader's grid to 50,000 x 32 = 1.6 million.
MAX_SHEET_COLUMNS = 32
# A sheet holds no more distinct cells than its area; cell elements beyond that are repeats that
# would only cost the reader memory (the largest real list has 12,024).
MAX_SHEET_CELLS = MAX_SHEET_ROWS * MAX_SHEET_COLUMNS
# ICE links at most two cells a row (the MOA and the addendum); the largest list links 1,433.
MAX_LINKED_CELLS = 2 * MAX_SHEET_ROWS
# Longer column letters or row numbers are past any limit above (and past Excel's XFD1048576);
# they are not converted, so a reference of a million digits cannot cost a million-digit int.
MAX_LETTERS, MAX_DIGITS = 3, 7
BEYOND = 10**MAX_DIGITS  # stands for any row or column number too long to convert

REF_RE = re.compile(r"^\$?([A-Za-z]+)\$?(\d+)$")
# The tags that place cells, in document order: <row r="12"> and <c r="G12"> (either may omit r).
PLACING_TAG_RE = re.compile(rb'<(?:\w+:)?(row|c)(?=[\s/>])([^>]*)>')
R_ATTR_RE = re.compile(rb'\sr="([^"]*)"')
# A placing tag other than Excel's plain <c r="G12" or <row r="12" with a row under 10,000 and a
# column under AA, or one with a namespace prefix: only a sheet with one needs the full scan, as
# those bounds lie inside the limits. Three searches (each with a literal start, which the regex
# engine finds fast) clear every real list.
NEAR_ROWS, NEAR_COLUMNS = 9_999, 26
assert NEAR_ROWS <= MAX_SHEET_ROWS and NEAR_COLUMNS <= MAX_SHEET_COLUMNS
UNUSUAL_TAG_RES = (
    re.compile(rb'<c(?! r="[A-Z]\d{1,4}")(?=[\s/>])'),
    re.compile(rb'<row(?! r="\d{1,4}")(?=[\s/>])'),
    re.compile(rb':(?:c|row)[\s/>]'),
)
# A placing tag without its r attribute: it goes after the one before, so only a walk places it.
UNPLACED_TAG_RE = re.compile(rb'<(?:\w+:)?(?:c|row)(?=[\s/>])(?![^>]*\sr=")')
CELL_REF_ATTR_RE = re.compile(rb'<(?:\w+:)?c\s[^>]*?(?<=\s)r="\$?([A-Za-z]+)\$?(\d+)"')
# Excel writes <dimension> first in the sheet, after the prolog and <sheetPr>; one placed further
# down is not looked for (the cells' own extent is checked either way).
DIMENSION_SEARCH_BYTES = 64 * 1024
DIMENSION_RE = re.compile(rb'dimension\s[^>]*?(?<=\s)ref="([^"]*)"')
LIMIT_NOTE = "of a plausible ICE list"


def date_of_serial(serial: float) -> dt.date | None:
    """The date an Excel serial number stands for, or None outside the plausible range."""
    if SERIAL_MIN <= serial <= SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return None


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_number(letters: str) -> int:
    """'A' -> 1, 'XFD' -> 16384; BEYOND for letters too many to be a column."""
    if len(letters) > MAX_LETTERS:
        return BEYOND
    number = 0
    for char in letters.upper():
        number = number * 26 + ord(char) - 64
    return number


def row_number(digits: str) -> int:
    return int(digits) if len(digits) <= MAX_DIGITS else BEYOND


def parse_ref(ref: str) -> tuple[int, int] | None:
    """'G12' -> (7, 12): its column and row numbers, from 1; None when it is no cell reference."""
    match = REF_RE.match(ref.strip())
    return (column_number(match[1]), row_number(match[2])) if match else None


def parse_area(ref: str) -> tuple[int, int, int, int] | None:
    """'A1:E20' -> (1, 1, 5, 20): first column, first row, last column, last row; 'G2' -> (7, 2, 7, 2)."""
    first, _, last = ref.partition(":")
    start, end = parse_ref(first), parse_ref(last or first)
    if start is None or end is None:
        return None
    return min(start[0], end[0]), min(start[1], end[1]), max(start[0], end[0]), max(start[1], end[1])


@dataclass(frozen=True)
class Extent:
    rows: int  # the last row a cell is placed in
    columns: int  # the last column
    cells: int  # cell elements (counted up to one past MAX_SHEET_CELLS)


def walk_extent(xml: bytes) -> Extent:
    """The last row and column a cell takes, placing cells that omit r after the one before, as readers do.

    Only sheets with a cell or row that omits r (or escapes it) come here. The walk ends past
    MAX_SHEET_CELLS cells, as the sheet is refused for that alone.
    """
    row = col = last_row = last_col = cells = 0
    for match in PLACING_TAG_RE.finditer(xml):
        found = R_ATTR_RE.search(match[2])
        value = found[1].decode("ascii", "replace") if found else ""
        value = html.unescape(value) if "&" in value else value  # "&#88;FD1" is XFD1 to a reader
        if match[1] == b"row":
            row, col = (row_number(value) if value.isdigit() else row + 1), 0
            continue
        place = parse_ref(value) if found else None
        col, cell_row = place if place else (col + 1, row)
        last_row, last_col, cells = max(last_row, cell_row, row), max(last_col, col), cells + 1
        if cells > MAX_SHEET_CELLS:
            break
    return Extent(last_row, last_col, cells)


def sheet_extent(xml: bytes) -> Extent:
    """How far a worksheet's cells reach, from its XML bytes, without parsing it into a tree.

    Exact for a sheet with an unusual placing tag; for any other (every real list), all that
    matters is that it lies inside the limits, and NEAR_ROWS and NEAR_COLUMNS are given as its
    bounds (its cells, all written <c r="...", are counted exactly).
    """
    if not any(pattern.search(xml) for pattern in UNUSUAL_TAG_RES):
        return Extent(NEAR_ROWS, NEAR_COLUMNS, xml.count(b'<c r="'))
    if UNPLACED_TAG_RE.search(xml) or b'r="&' in xml:  # placed in turn, or by an escaped reference
        return walk_extent(xml)
    if (tags := xml.count(b"<c")) > MAX_SHEET_CELLS:  # "<c" also counts <col> and such: a few
        return Extent(0, 0, tags)
    refs = CELL_REF_ATTR_RE.findall(xml)  # every cell names its place: all read at once
    rows = max((row_number(r.decode()) for _, r in refs), default=0)
    return Extent(rows, max((column_number(c.decode()) for c, _ in refs), default=0), len(refs))


def over_limit(what: str, count: int, limit: int, unit: str) -> str | None:
    if count <= limit:
        return None
    shown = f"over {BEYOND - 1:,}" if count >= BEYOND else f"{count:,}"
    return f"{what} {shown} {unit}s, over the {limit:,}-{unit} limit {LIMIT_NOTE}"


def check_sheet_bounds(path: Path | str, xml: bytes) -> int:
    """Refuse a worksheet an ICE list could not be, before any reader builds its grid; returns its last row.

    Both what the sheet declares (<dimension ref="A1:E1503">) and where its cells really are
    are checked: the declaration may be absent or lie.
    """
    declared = DIMENSION_RE.search(xml[:DIMENSION_SEARCH_BYTES])
    area = parse_area(declared[1].decode("ascii", "replace")) if declared else None
    if area is not None:
        reason = over_limit("sheet declares", area[3], MAX_SHEET_ROWS, "row") or over_limit(
            "sheet declares", area[2], MAX_SHEET_COLUMNS, "column"
        )
        if reason:
            raise LedgerError(path, f"{reason} (dimension {declared[1].decode('ascii', 'replace')[:40]})")
    extent = sheet_extent(xml)
    reason = (
        over_limit("sheet spans", extent.rows, MAX_SHEET_ROWS, "row")
        or over_limit("sheet spans", extent.columns, MAX_SHEET_COLUMNS, "column")
    )
    if not reason and extent.cells > MAX_SHEET_CELLS:
        reason = f"sheet holds over {MAX_SHEET_CELLS:,} cells, the limit {LIMIT_NOTE}"
    if reason:
        raise LedgerError(path, reason)
    return min(extent.rows, MAX_SHEET_ROWS)
