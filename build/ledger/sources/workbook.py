"""Reads one ICE workbook, safely, into its header, its rows (with Excel row numbers) and its hyperlinks.

This is the only module that opens spreadsheet files. Files come from the internet, so the zip
directory is checked before anything is decompressed, XML is parsed with defusedxml, and formula
cells are counted rather than silently read as values.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import defusedxml.ElementTree as SafeET
from python_calamine import CalamineWorkbook

from ..common.errors import LedgerError
from ..common.excel import (
    HEADER_SEARCH_ROWS,
    MAX_LINKED_CELLS,
    MAX_SHEET_COLUMNS,
    MAX_SHEET_ROWS,
    check_sheet_bounds,
    column_letter,
    over_limit,
    parse_area,
)

MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # no real ICE list is near 2 MiB uncompressed
MAX_COMPRESSION_RATIO = 100  # the real lists stay under 20:1; zip bombs are far above
# Members under 1 MiB may compress far better than that (blank styles XML) and cannot hurt.
RATIO_FLOOR_BYTES = 1024 * 1024
# Enough of the file's start to tell a zip (PK\x03\x04) from an HTML error page ICE's site served instead.
SNIFF_BYTES = 200
# A DOCTYPE or ENTITY declaration can only stand in the XML prolog, well inside its first 4 KiB.
PROLOG_BYTES = 4096

# Header names as ICE prints them, mapped to the project's column names.
HEADER_NAMES = {
    "STATE": "state",
    "LAW ENFORCEMENT AGENCY": "agency",
    "TYPE": "agency_type",
    "COUNTY": "county",
    "SUPPORT TYPE": "support_type",
    "SIGNED": "signed",
    "MOA": "moa",
    "ADDENDUM": "addendum",
}

# Every header layout seen in ICE's lists from 2021 on, as the set of columns it has.
LAYOUTS = {
    "participating-2021": ("participating", {"state", "agency", "support_type", "signed", "moa"}),
    "participating-type": ("participating", {"state", "agency", "agency_type", "support_type", "signed", "moa"}),
    "participating-county": (
        "participating",
        {"state", "agency", "agency_type", "county", "support_type", "signed", "moa"},
    ),
    "participating-addendum": (
        "participating",
        {"state", "agency", "agency_type", "county", "support_type", "signed", "moa", "addendum"},
    ),
    "pending-type": ("pending", {"state", "agency", "agency_type", "support_type"}),
    "pending-county": ("pending", {"state", "agency", "agency_type", "county", "support_type"}),
    "pending-moa": ("pending", {"state", "agency", "agency_type", "county", "support_type", "moa"}),
}

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class Sheet:
    """The first worksheet of a workbook, as read, column by column: nothing normalised yet."""

    layout: str
    layout_kind: str
    columns: list[str]  # project column names in sheet order; "" under an empty header cell
    header_row: int  # Excel row number of the header
    row_numbers: list[int]  # Excel row number of each row below the header
    cells: dict[str, list[str]]  # column name -> cell texts, one per row
    signed_types: list[str] | None  # cell type of each SIGNED cell (date, number, text, empty)
    stray: list[str]  # per row: values under no header, joined; "" for none
    hyperlinks: dict[str, str] = field(default_factory=dict)  # "G12" -> target
    formula_cells: int = 0

    @property
    def row_count(self) -> int:
        return len(self.row_numbers)


def size_text(limit: int) -> str:
    return f"{limit // 1024**3} GiB" if limit >= 1024**3 else f"{limit // 1024**2} MiB"


def check_zip(path: Path, data: bytes | None = None, limit: int = MAX_UNCOMPRESSED_BYTES) -> None:
    """Refuse anything that is not a sane xlsx zip before any member is decompressed.

    `data` is the file's bytes, or None to read the zip directory from `path` (FOIA releases are
    too large to hold in memory, and get a larger `limit`).
    """
    if data is None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
    else:
        head = data[:SNIFF_BYTES]
    if not head.startswith(b"PK\x03\x04"):
        what = "an HTML page" if head.lstrip().lower().startswith((b"<!doctype html", b"<html")) else "not a zip file"
        raise LedgerError(path, f"not an Excel workbook ({what})")
    try:
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
            members = zf.infolist()
    except zipfile.BadZipFile as exc:
        raise LedgerError(path, f"not an Excel workbook (broken zip: {exc})") from None
    total = sum(m.file_size for m in members)
    if total > limit:
        raise LedgerError(path, f"declared uncompressed size {total:,} bytes is over the {size_text(limit)} limit")
    for m in members:
        if m.file_size > MAX_COMPRESSION_RATIO * max(m.compress_size, 1) and m.file_size > RATIO_FLOOR_BYTES:
            raise LedgerError(path, f"member {m.filename} expands over {MAX_COMPRESSION_RATIO}:1 (possible zip bomb)")
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise LedgerError(path, "not an Excel workbook (no xl/workbook.xml)")


def cell_text(value: object) -> tuple[str, str]:
    """A cell as (text, type): dates as ISO text, numbers without a trailing .0."""
    if type(value) is str:  # the common case, first
        return (value, "text") if value else ("", "empty")
    if value is None:
        return "", "empty"
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), "date"
    if isinstance(value, dt.date):
        return value.isoformat(), "date"
    if isinstance(value, bool):
        return str(value), "text"
    if isinstance(value, (int, float)):
        return (str(int(value)) if float(value).is_integer() else repr(value)), "number"
    return str(value), "text"


def header_key(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split()).upper()


def find_layout(path: Path, rows: list[list]) -> tuple[int, list[str | None], str, str]:
    """Find the header row and match its columns to a known layout, or say why not."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [header_key(cell_text(c)[0]) for c in row]
        if "STATE" not in keys or "LAW ENFORCEMENT AGENCY" not in keys:
            continue
        unknown = [k for k in keys if k and k not in HEADER_NAMES]
        if unknown:
            raise LedgerError(path, f"unknown layout: unrecognised column {unknown[0]!r} in header row {index + 1}")
        columns = [HEADER_NAMES.get(k) for k in keys]
        present = {c for c in columns if c}
        if len(present) != len([c for c in columns if c]):
            raise LedgerError(path, f"unknown layout: a column is repeated in header row {index + 1}")
        for name, (list_kind, wanted) in LAYOUTS.items():
            if present == wanted:
                return index, columns, name, list_kind
        raise LedgerError(path, f"unknown layout: columns {', '.join(k for k in keys if k)}")
    raise LedgerError(path, f"no header row (STATE, LAW ENFORCEMENT AGENCY) in the first {HEADER_SEARCH_ROWS} rows")


def first_sheet_part(zf: zipfile.ZipFile) -> str:
    """The zip path of the first worksheet, through workbook.xml and its relationships."""
    workbook = SafeET.fromstring(zf.read("xl/workbook.xml"))
    first = workbook.find(f"{NS_MAIN}sheets/{NS_MAIN}sheet")
    rel_id = first.get(f"{NS_REL}id") if first is not None else None
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{NS_PKG}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return "xl/worksheets/sheet1.xml"


def same_part(name: str, part: str) -> bool:
    """Whether a zip member's name, as a lenient reader resolves it, is the given part."""
    return posixpath.normpath(name.replace("\\", "/").lstrip("/")).lower() == part.lower()


# The hyperlink parts are flat lists of empty elements, so a scan does what a parser would in a
# tenth of the time, and cannot expand entities (parts with a DOCTYPE are refused first).
# Lookaheads take both attributes whatever their order.
RELATIONSHIP_RE = re.compile(rb'<(?:\w+:)?Relationship\b(?=[^>]*\bId="([^"]*)")(?=[^>]*\bTarget="([^"]*)")[^>]*>')
HYPERLINK_RE = re.compile(rb'<(?:\w+:)?hyperlink\b(?=[^>]*\bref="([^"]*)")(?=[^>]*\s(?:\w+:)?id="([^"]*)")[^>]*>')
# Excel itself always writes the attributes in this order: the fast path, checked by count.
RELATIONSHIP_FAST_RE = re.compile(rb'<Relationship Id="([^"]*)" Type="[^"]*" Target="([^"]*)"')
HYPERLINK_FAST_RE = re.compile(rb'<hyperlink ref="([^"]*)" r:id="([^"]*)"')


def find_pairs(fast: re.Pattern, general: re.Pattern, xml: bytes, tag: bytes, start: int = 0) -> list[tuple[bytes, bytes]]:
    """Attribute pairs of every tag, by the fast pattern when it saw them all, else the general one."""
    pairs = fast.findall(xml, start)
    if len(pairs) == xml.count(tag, start):
        return pairs
    return general.findall(xml, start)


def link_cells(path: Path, ref: str, last_row: int) -> list[str]:
    """'G2' -> ['G2']; 'G2:G4' -> ['G2', 'G3', 'G4'] (ICE's links sit in one column).

    A range is cut at the sheet's last row (links on cells that do not exist change nothing), and
    one reaching past the limits of any ICE list is refused, so no range expands to millions.
    """
    if ":" not in ref:  # one cell, whatever it says: nothing to expand (ICE's every link)
        return [ref]
    area = parse_area(ref)
    if area is None:
        return [ref.split(":", 1)[0]]
    first_col, first_row, last_col, end_row = area
    reason = over_limit(f"hyperlink {ref[:40]} reaches", end_row, MAX_SHEET_ROWS, "row") or over_limit(
        f"hyperlink {ref[:40]} reaches", last_col, MAX_SHEET_COLUMNS, "column"
    )
    if reason:
        raise LedgerError(path, reason)
    letter = column_letter(first_col - 1)
    if first_col != last_col:
        return [f"{letter}{first_row}"]
    return [f"{letter}{n}" for n in range(first_row, min(end_row, last_row) + 1)]


def unescape(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def refuse_doctype(xml: bytes) -> None:
    prolog = xml[:PROLOG_BYTES]
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise ValueError("XML with a DOCTYPE (entity declarations are refused)")


def read_links(path: Path, zf: zipfile.ZipFile, sheet_part: str, sheet_xml: bytes, last_row: int) -> dict[str, str]:
    """Hyperlink targets by cell reference, from the sheet's <hyperlinks> block and its relationships."""
    start = sheet_xml.rfind(b"<hyperlinks")
    if start < 0:
        start = sheet_xml.rfind(b":hyperlinks>")
    if start < 0:
        return {}
    rels_part = posixpath.join(posixpath.dirname(sheet_part), "_rels", posixpath.basename(sheet_part) + ".rels")
    if rels_part not in zf.namelist():
        return {}
    count = sheet_xml.count(b"hyperlink ", start)
    if count > MAX_LINKED_CELLS:
        raise LedgerError(path, over_limit("sheet has", count, MAX_LINKED_CELLS, "hyperlink"))
    rels_xml = zf.read(rels_part)
    refuse_doctype(rels_xml)
    targets = dict(find_pairs(RELATIONSHIP_FAST_RE, RELATIONSHIP_RE, rels_xml, b"<Relationship "))
    links: dict[str, str] = {}
    covered = 0  # cells named by every range so far, repeats included: the work expanding them costs
    # A hyperlink either points outside (its id names a relationship) or to a place in the workbook.
    for ref, rel_id in find_pairs(HYPERLINK_FAST_RE, HYPERLINK_RE, sheet_xml, b"<hyperlink ", start):
        target = targets.get(rel_id)
        if target:
            text = unescape(target)
            cells = link_cells(path, ref.decode("ascii", "replace").replace("$", ""), last_row)
            covered += len(cells)
            if covered > MAX_LINKED_CELLS:
                raise LedgerError(path, over_limit("hyperlinks cover", covered, MAX_LINKED_CELLS, "cell"))
            for cell in cells:
                links[cell] = text
    return links


def read_sheet(path: Path, data: bytes | None = None) -> Sheet:
    """Read the first worksheet of an ICE workbook, or raise LedgerError with the reason."""
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
    check_zip(path, data)
    try:
        # The sheet's XML is checked before calamine sees it: calamine builds the whole area the
        # cells span, and a far cell makes it abort the process (no exception to catch).
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            part = first_sheet_part(zf)
            # Every member a reader could take for that part is checked, however its name is spelt.
            for name in [m for m in zf.namelist() if m != part and same_part(m, part)] + [part]:
                sheet_xml = zf.read(name)
                refuse_doctype(sheet_xml)
                last_row = check_sheet_bounds(path, sheet_xml)
            links = read_links(path, zf, part, sheet_xml, last_row)
        formulas = sheet_xml.count(b"<f>") + sheet_xml.count(b"<f ")
        del sheet_xml
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        values = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except LedgerError:
        raise
    except Exception as exc:  # calamine and the XML parser raise many types; all mean "unreadable"
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise LedgerError(path, f"unreadable workbook ({reason[:160]})") from None
    header_index, columns, layout, layout_kind = find_layout(path, values)
    body = values[header_index + 1 :]
    # Trailing rows with nothing in them are the sheet's formatting, not data rows.
    while body and all(v is None or v == "" or (type(v) is str and not v.strip()) for v in body[-1]):
        body.pop()
    width = max([len(columns)] + [len(r) for r in body])
    grid = list(zip(*[list(r) + [""] * (width - len(r)) for r in body])) if body else [()] * width
    texts = [[v if type(v) is str else cell_text(v)[0] for v in column] for column in grid]
    cells = {name: texts[i] for i, name in enumerate(columns) if name}
    signed_types = None
    if "signed" in cells:
        signed_types = [cell_text(v)[1] for v in grid[columns.index("signed")]]
    # Values under an empty header, or right of the last header, have no column to go to.
    loose = [texts[i] for i in range(width) if i >= len(columns) or not columns[i]]
    stray = [" | ".join(t for t in row if t.strip()) for row in zip(*loose)] if loose else [""] * len(body)
    return Sheet(
        layout=layout,
        layout_kind=layout_kind,
        columns=[c or "" for c in columns],
        header_row=header_index + 1,
        row_numbers=list(range(header_index + 2, header_index + 2 + len(body))),
        cells=cells,
        signed_types=signed_types,
        stray=stray,
        hyperlinks=links,
        formula_cells=formulas,
    )
