"""ICE's 287(g) statistics by agency, FY2006-FY2013: the wide CSV as one row per agency and fiscal year, and the rows set aside."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from ..common.errors import LedgerError
from ..common.fixes import FixTable
from ..common.states import state_names
from ..common.text import clean_text
from .contract import SET_ASIDE_COLUMNS
from .names import state_from_address
from .vocabulary import FIRST_DATA_LINE, exception_text

# The agency file gives no citation per year; its compiler's README does (its README names the reports).
COMPILED_BY = "compiled by The Marshall Project (themarshallproject/ICE287g-removals)"
MASTERSTATS = (
    f"ICE, 287(g) master statistics report (31 Oct 2010), {COMPILED_BY}",
    "https://www.ice.gov/doclib/foia/reports/287g-masterstats2010oct31.pdf",
)
MUCKROCK_12227 = (
    f"ICE answer to MuckRock FOIA request 12227 (FY2011-FY2013), {COMPILED_BY}",
    "https://www.muckrock.com/foi/united-states-of-america-10/ices-statistics-on-deportation-through-the-287g-in-fy2011-fy2013-12227/",
)
MUCKROCK_8942 = (
    f"ICE answer to MuckRock FOIA request 8942 (FY2012), {COMPILED_BY}",
    "https://www.muckrock.com/foi/united-states-of-america-10/ices-statistics-on-deportation-removal-through-the-287g-in-fy2012-8942/",
)
AGENCY_SOURCES = {2006: MASTERSTATS, 2007: MASTERSTATS, 2008: MASTERSTATS, 2009: MASTERSTATS, 2010: MASTERSTATS,
                  2011: MUCKROCK_12227, 2012: MUCKROCK_8942, 2013: MUCKROCK_12227}  # fmt: skip

YEAR_COLUMN_RE = re.compile(r"^(?P<year>(?:19|20)\d{2})_(?P<measure>identified|removed)$")
WHOLE_NUMBER_RE = re.compile(r"^\d+(?:\.0*)?$")


def read_agency_stats(path: Path) -> pd.DataFrame:
    """The FY2006-2013 CSV as text cells ('' for blank), with each row's line in `source_row`."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LedgerError(path, f"not a readable CSV ({exception_text(exc)})") from None
    agency_stats_layout(path, list(frame.columns))
    frame.insert(0, "source_row", range(FIRST_DATA_LINE, len(frame) + FIRST_DATA_LINE))
    return frame


def agency_stats_layout(path: object, columns: list[str]) -> list[tuple[int, str, str]]:
    """The (year, measure, column) triples of the file, or the reason it is not ICE's statistics by agency."""
    years = [(int(m["year"]), m["measure"], c) for c in columns if (m := YEAR_COLUMN_RE.match(c.strip()))]
    if "Jurisdiction" not in columns or not any(measure == "removed" for _, measure, _ in years):
        raise LedgerError(path, "not ICE's 287(g) statistics by agency: no Jurisdiction and YYYY_removed columns")
    return sorted(years)


def parse_count(text: str) -> int | None:
    """A figure as ICE printed it ('2.00'), None when blank; ValueError when not a whole number."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    if not WHOLE_NUMBER_RE.match(text):
        raise ValueError(text)
    return int(float(text))


def set_aside_row(rows: list[dict], source_file: str, row: int, reason: str, detail: str = "") -> None:
    rows.append({"source_file": source_file, "row": row, "reason": reason, "detail": detail, "count": 1})


def agency_rows(wide: pd.DataFrame, state_fixes: FixTable, source_file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide to long: one row per agency and fiscal year with a reported figure; and the rows set aside."""
    layout = agency_stats_layout(source_file, [c for c in wide.columns if c != "source_row"])
    years = sorted({year for year, _, _ in layout})
    long_rows, set_aside, seen = [], [], set()
    for row in wide.to_dict("records"):
        name = clean_text(row.get("Jurisdiction", ""))
        cells = {(year, measure): row[column] for year, measure, column in layout}
        aside = functools.partial(set_aside_row, set_aside, source_file, row["source_row"])
        if not name and not any(clean_text(v) for k, v in row.items() if k != "source_row"):
            aside("empty_row")
            continue
        if not name:
            aside("missing_agency")
            continue
        figures, bad = {}, None
        for year, measure, column in layout:
            try:
                figures[(year, measure)] = parse_count(cells[(year, measure)])
            except ValueError:
                bad = f"{name}: {column} = {cells[(year, measure)]!r}"
                break
        if bad:
            aside("bad_figure", bad)
            continue
        state = state_from_address(row.get("address", ""))
        if state is None:
            state = state_fixes.apply(name)
            if state not in state_names():
                why = (
                    f"removals_states.csv gives {state!r}, not a USPS code"
                    if state
                    else f"address {clean_text(row.get('address', ''))!r}"
                )
                aside("no_state", f"{name}: {why}")
                continue
        if all(v is None for v in figures.values()):
            aside("no_figures", name)
            continue
        identity = (name, state, tuple(sorted(figures.items())))
        if identity in seen:
            aside("repeated_row", name)
            continue
        seen.add(identity)
        for year in years:
            identified, removed = figures.get((year, "identified")), figures.get((year, "removed"))
            if identified is None and removed is None:
                continue  # neither figure reported that year: no row, rather than a row of zeros
            source, url = AGENCY_SOURCES.get(year, (f"ICE 287(g) statistics by agency, {COMPILED_BY}", ""))
            long_rows.append(
                {
                    "agency_name": name, "state": state, "fiscal_year": year,
                    "identified": identified, "removed": removed,
                    "source": source, "source_url": url, "source_file": source_file, "source_row": row["source_row"],
                }
            )  # fmt: skip
    long = pd.DataFrame(
        long_rows,
        columns=[
            "agency_name",
            "state",
            "fiscal_year",
            "identified",
            "removed",
            "source",
            "source_url",
            "source_file",
            "source_row",
        ],
    )
    long = long.astype({"fiscal_year": "int64", "identified": "Int64", "removed": "Int64", "source_row": "int64"})
    return long, pd.DataFrame(set_aside, columns=SET_ASIDE_COLUMNS)

