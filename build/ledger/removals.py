"""Makes the removal figures: <data-dir>/build/removals_by_agency.parquet, removals_by_state.parquet, removals_unlinked.csv, removals_set_aside.csv and qa/removals.csv.

Three sources, each read by its own loader, every source row accounted for (loaded, or set aside
with a reason from SET_ASIDE_REASONS):

1. ICE's 287(g) statistics by agency, FY2006-FY2013 (`ledger import-removals` puts the CSV in
   <data-dir>/raw/removals/): people identified and removed per agency and fiscal year.
2. The project's cited national removal totals, data/published/national_removals.csv.
3. ICE enforcement records released under FOIA (xlsx or Parquet, imported the same way or left
   in <data-dir>/raw/foia/): only the 287(g) rows, and only ever as aggregates.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import itertools
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from python_calamine import CalamineWorkbook

from .common.qa import QA_COLUMNS, check
from .common.errors import LedgerError
from .common.fixes import FixTable, load_table, manual_dir
from .ingest import clean_text, key_of, state_codes
from .store import append_row
from .workbook import check_zip

PROJECT_PUBLISHED_DIR = Path(__file__).resolve().parents[2] / "data" / "published"
# The column layout of the Deportation Data Project's ICE arrests releases (2025): the loader finds
# columns by role, whatever the layout; fixtures and the benchmark generator write this one.
DDP_ARRESTS_COLUMNS = [
    "Apprehension Date", "Apprehension State", "Apprehension County", "Apprehension AOR", "Final Program",
    "Final Program Group", "Apprehension Method", "Apprehension Criminality", "Case Status", "Case Category",
    "Departed Date", "Departure Country", "Final Order Yes No", "Final Order Date", "Birth Date", "Birth Year",
    "Citizenship Country", "Gender", "Apprehension Site Landmark", "Alien File Number", "EID Case ID",
    "EID Subject ID", "Unique Identifier",
]  # fmt: skip

# The one vocabulary for source rows set aside. Tests and the methodology page read it from here.
SET_ASIDE_REASONS = {
    # ICE's statistics by agency, FY2006-2013
    "empty_row": "a row with nothing in it",
    "missing_agency": "figures without an agency name",
    "no_state": "no state in the address and none in data/manual/removals_states.csv",
    "bad_figure": "a figure that is not a whole number of people",
    "no_figures": "an agency with no figure reported for any year",
    "repeated_row": "the same agency, state and figures as an earlier row",
    # the cited national totals
    "bad_fiscal_year": "a fiscal year that is not a year",
    "bad_removals": "a national total that is not a whole number",
    "repeated_year": "a second figure for a fiscal year already given",
    # FOIA enforcement records
    "not_287g": "apprehended through another program than 287(g)",
    "method_missing": "no apprehension method given",
    "method_redacted": "apprehension method redacted",
    "not_removed": "a 287(g) record with no departure date: not a removal, or not yet",
    "date_redacted": "departure date redacted",
    "bad_date": "a departure date that cannot be read as a date",
}

AGENCY_KIND = "agency_stats"
FOIA_KIND = "foia"
KIND_BY_SUFFIX = {".csv": AGENCY_KIND, ".xlsx": FOIA_KIND, ".parquet": FOIA_KIND}
MANIFEST_FIELDS = ["name", "kind", "sha256", "size", "source", "imported_at"]

# The agency file gives no citation per year; its compiler's README does (SOURCES.md).
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
# ICE's FOIA redaction codes, e.g. "(b)(6), (b)(7)(c)".
REDACTION_RE = re.compile(r"^\(b\)\s*\(\d\)", re.I)
METHOD_287G_RE = re.compile(r"287(?:\.0+)?|287\s*\(\s*g\s*\)(?:\s+program)?", re.I)
HEADER_SEARCH_ROWS = 20

# Column names across the releases (compared lower-case, non-alphanumerics as '_'), best first.
# Departure dates are coalesced in this order: UWCHR's removals carry both departed and removal dates.
FOIA_COLUMNS = {
    "method": ("apprehension_method", "apprehension_method_code", "arrest_method"),
    "state": ("apprehension_state", "state"),
    "departed": ("departed_date", "departure_date", "removal_date"),
    "criminality": ("apprehension_criminality", "case_criminality"),
    "threat_level": ("removal_threat_level", "case_threat_level", "apprehension_threat_level"),
}
CRIMINALITY = {"1": "convicted_criminal", "2": "pending_criminal_charges", "3": "other_immigration_violator"}
CRIMINALITY_COLUMNS = [*CRIMINALITY.values(), "criminality_unknown"]
LEVEL_COLUMNS = ["level_1", "level_2", "level_3", "level_unknown"]
# Real releases run to hundreds of MiB of sheet XML, far past the ICE lists' 50 MiB cap in
# workbook.check_zip; the compression-ratio rule against zip bombs is the same.
MAX_RELEASE_BYTES = 8 * 1024**3

AGENCY_COLUMNS = {
    "agency_id": "the agency in the agreements history (agencies.parquet), empty when unlinked",
    "agency_name": "the agency's name as the source printed it",
    "state": "USPS code, from the address or data/manual/removals_states.csv",
    "fiscal_year": "federal fiscal year (October to September)",
    "identified": "people identified through 287(g); empty = not reported (never zero)",
    "removed": "people removed through 287(g); empty = not reported (never zero)",
    "link_method": "how agency_id was found: manual, name, loose_name, or unlinked",
    "source": "the publication the figure comes from",
    "source_url": "its address",
    "source_file": "the file in the raw archive",
    "source_row": "the row of that file (1 = header)",
}
STATE_COLUMNS = {
    "state": "USPS code; 'unknown' where the record gives none",
    "fiscal_year": "federal fiscal year (October to September)",
    "removed": "people removed through 287(g)",
    "agencies_reporting": "agencies with a reported figure (statistics by agency only)",
    "national_removed": "all ICE removals that year (data/published/national_removals.csv)",
    "share": "removed / national_removed",
    **{c: f"removed, criminality '{c}' (FOIA records with criminality only)" for c in CRIMINALITY_COLUMNS},
    **{c: f"removed, threat {c.replace('_', ' ')} (FOIA records with a threat level only)" for c in LEVEL_COLUMNS},
    "source": "the publication the figures come from",
    "source_url": "its address, where known",
    "source_file": "the file in the raw archive",
}
UNLINKED_COLUMNS = ["agency_name", "state", "reason", "detail", "source_file", "source_row"]
SET_ASIDE_COLUMNS = ["source_file", "row", "reason", "detail", "count"]


@dataclass
class RemovalsResult:
    by_agency: pd.DataFrame
    by_state: pd.DataFrame
    unlinked: pd.DataFrame
    set_aside: pd.DataFrame
    qa: list[dict]
    errors: list[LedgerError] = field(default_factory=list)

    def summary(self) -> str:
        agencies = self.by_agency[["agency_name", "state"]].drop_duplicates()
        return (
            f"removals: {len(agencies)} agencies ({len(self.unlinked)} unlinked), "
            f"{len(self.by_agency)} agency-years, {len(self.by_state)} state-years, "
            f"{int(self.set_aside['count'].sum()) if not self.set_aside.empty else 0} source rows set aside"
        )


# ---------------------------------------------------------------- names and states


def column_key(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", clean_text(name).lower()).strip("_")


@functools.cache
def usps_codes() -> dict[str, str]:
    """Upper-case state, DC and territory names -> USPS codes, read once."""
    return state_codes()


@functools.cache
def state_names() -> dict[str, str]:
    """USPS code -> state name in lower case."""
    return {usps: name.lower() for name, usps in usps_codes().items()}


# AP-style state abbreviations, as ICE's 2010 statistics print them ("Ariz. Dept. of Corrections").
AP_STATES = {
    "ala.": "AL", "ariz.": "AZ", "ark.": "AR", "calif.": "CA", "colo.": "CO", "conn.": "CT", "del.": "DE",
    "fla.": "FL", "ga.": "GA", "ill.": "IL", "ind.": "IN", "kan.": "KS", "ky.": "KY", "la.": "LA", "md.": "MD",
    "mass.": "MA", "mich.": "MI", "minn.": "MN", "miss.": "MS", "mo.": "MO", "mont.": "MT", "neb.": "NE",
    "nev.": "NV", "n.h.": "NH", "n.j.": "NJ", "n.m.": "NM", "n.y.": "NY", "n.c.": "NC", "n.d.": "ND",
    "okla.": "OK", "ore.": "OR", "pa.": "PA", "r.i.": "RI", "s.c.": "SC", "s.d.": "SD", "tenn.": "TN",
    "tex.": "TX", "vt.": "VT", "va.": "VA", "wash.": "WA", "w.va.": "WV", "wis.": "WI", "wyo.": "WY",
}  # fmt: skip
AP_STATE_RE = re.compile(
    r"(?<![a-z.])(" + "|".join(re.escape(a) for a in sorted(AP_STATES, key=len, reverse=True)) + r")(?![a-z])"
)
WORD_FORMS = {"dept": "department", "depts": "department", "ofc": "office", "sheriffs": "sheriff", "corrections": "correction"}
# Words that change how a name is written, not which agency it is ("City of Mesa Police Dept." is
# "Mesa Police Department"). Used only by the loose tier, and only when it finds a single agency.
LOOSE_DROP = {"the", "of", "office", "department", "city", "town", "and"}


def name_keys(name: str, state: str) -> tuple[str, str]:
    """(strict, loose) comparison keys for an agency name in its state."""
    text = clean_text(name).lower()
    text = re.sub(r"\([^)]*\)", " ", text)  # ICE's remarks such as "(Addendum)"
    text = re.sub(r"_\d+\s*$", "", text)  # the compiler's suffix for a repeated name ("Sheriff_1")
    text = text.replace("*", " ").replace("'", "")
    own = state_names().get(state, "")
    text = AP_STATE_RE.sub(lambda m: f" {own} " if AP_STATES[m.group(1)] == state else m.group(1), text)
    words = [WORD_FORMS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]
    if len(words) > 1 and words[0] == state.lower():  # "AZ Department of Corrections"
        words = own.split() + words[1:]
    words = [w for w in words if w != "the"]
    return " ".join(words), " ".join(w for w in words if w not in LOOSE_DROP)


@functools.cache
def address_pattern() -> re.Pattern:
    """A state name or code followed by a ZIP code ('AZ 85007', 'Utah 84404', 'CO _80215', 'VA, 20170')."""
    names = "|".join(re.escape(n) for n in sorted(usps_codes(), key=len, reverse=True))
    return re.compile(rf"\b({names}|[A-Z]{{2}})\b[\s,]*_?\d{{5}}(?:-\d{{4}})?\b")


def state_from_address(address: str) -> str | None:
    """The USPS code of the last state-and-ZIP in an address ('..., Phoenix, AZ 85007', 'Ogden, Utah 84404')."""
    codes = usps_codes()
    matches = address_pattern().findall(clean_text(address).upper())
    for found in reversed(matches):
        if found in codes:
            return codes[found]
        if found in codes.values():
            return found
    return None


# ---------------------------------------------------------------- 1. ICE's statistics by agency


def read_agency_stats(path: Path) -> pd.DataFrame:
    """The FY2006-2013 CSV as text cells ('' for blank), with each row's line in `source_row`."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise LedgerError(path, f"not a readable CSV ({' '.join(str(exc).split())[:120]})") from None
    agency_stats_layout(path, list(frame.columns))
    frame.insert(0, "source_row", range(2, len(frame) + 2))
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


# ---------------------------------------------------------------- linking to the agreements history


def agency_index(agencies: pd.DataFrame) -> tuple[dict, dict, dict]:
    """Lookups from (state, key) to agency ids, over every spelling, for the strict and loose tiers."""
    name_column = next((c for c in ("canonical_name", "name", "agency") if c in agencies.columns), None)
    strict: dict[tuple[str, str], set[str]] = {}
    loose: dict[tuple[str, str], set[str]] = {}
    states = dict(zip(agencies["agency_id"], agencies["state"]))
    for record in agencies.to_dict("records"):
        spellings = list(record.get("spellings") if record.get("spellings") is not None else [])
        if name_column:
            spellings.append(record[name_column])
        for spelling in spellings:
            if not isinstance(spelling, str) or not spelling.strip():
                continue
            strict_key, loose_key = name_keys(spelling, record["state"])
            strict.setdefault((record["state"], strict_key), set()).add(record["agency_id"])
            loose.setdefault((record["state"], loose_key), set()).add(record["agency_id"])
    return strict, loose, states


def link_agencies(names: pd.DataFrame, agencies: pd.DataFrame | None, links: FixTable) -> pd.DataFrame:
    """agency_id, link_method and (when unlinked) reason and detail for each (agency_name, state).

    Tiers: the hand table, then the same name after normalisation, then the loose key; a tier
    links only when it finds exactly one agency in the same state.
    """
    out = []
    index = agency_index(agencies) if agencies is not None else None
    for name, state in names[["agency_name", "state"]].drop_duplicates().itertuples(index=False):
        found, method, reason, detail = None, "unlinked", "", ""
        if index is None:
            reason, detail = "no_agencies_table", "build/agencies.parquet is absent: run the history stage"
        else:
            strict, loose, states = index
            strict_key, loose_key = name_keys(name, state)
            target = links.apply(name)
            if target is not None:
                ids = {target} if target in states else strict.get((state, name_keys(target, state)[0]), set())
                if len(ids) == 1 and states[next(iter(ids))] == state:
                    found, method = next(iter(ids)), "manual"
                else:
                    reason, detail = (
                        "manual_target_missing",
                        f"removals_agency_links.csv gives {target!r}, not one agency in {state}",
                    )
            else:
                for tier, ids in (
                    ("name", strict.get((state, strict_key), set())),
                    ("loose_name", loose.get((state, loose_key), set())),
                ):
                    if len(ids) == 1:
                        found, method = next(iter(ids)), tier
                        break
                    if len(ids) > 1:
                        reason, detail = "ambiguous", "; ".join(sorted(ids))
                        break
                else:
                    reason = "no_match"
        out.append(
            {"agency_name": name, "state": state, "agency_id": found, "link_method": method, "reason": reason, "detail": detail}
        )
    return pd.DataFrame(out, columns=["agency_name", "state", "agency_id", "link_method", "reason", "detail"])


# ---------------------------------------------------------------- 2. the cited national totals


def national_rows(frame: pd.DataFrame, source_file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The national totals by fiscal year, and the rows set aside."""
    missing = [c for c in ("fiscal_year", "removals", "source", "source_url") if c not in frame.columns]
    if missing:
        raise LedgerError(source_file, f"lacks column(s) {', '.join(missing)}")
    rows, set_aside, years = [], [], set()
    for number, row in enumerate(frame.to_dict("records"), start=2):
        year_text, removals_text = clean_text(row["fiscal_year"]), clean_text(row["removals"])
        reason = None
        if not re.fullmatch(r"(19|20)\d{2}", year_text):
            reason = "bad_fiscal_year"
        elif not re.fullmatch(r"\d+", removals_text.replace(",", "")):
            reason = "bad_removals"
        elif int(year_text) in years:
            reason = "repeated_year"
        if reason:
            set_aside.append(
                {
                    "source_file": source_file,
                    "row": number,
                    "reason": reason,
                    "detail": f"{year_text}: {removals_text}",
                    "count": 1,
                }
            )
            continue
        years.add(int(year_text))
        rows.append({"fiscal_year": int(year_text), "national_removed": int(removals_text.replace(",", "")),
                     "national_source": clean_text(row["source"]), "national_source_url": clean_text(row["source_url"])})  # fmt: skip
    national = pd.DataFrame(rows, columns=["fiscal_year", "national_removed", "national_source", "national_source_url"])
    return national, pd.DataFrame(set_aside, columns=SET_ASIDE_COLUMNS)


def cited_file_checks(name: str, frame: pd.DataFrame) -> list[dict]:
    """Every figure of a cited file names its source (fail) and, where one is known, its address (warn)."""
    qa = []
    for column, status in (("source", "fail"), ("source_url", "warn")):
        if column not in frame.columns:
            qa.append(check(f"cited_file_has_{column}", name, "column missing", "present", "fail"))
            continue
        blank = int((frame[column].fillna("").astype(str).str.strip() == "").sum())
        qa.append(check(f"cited_figures_without_{column}", name, blank, 0, "pass" if blank == 0 else status))
    return qa


# ---------------------------------------------------------------- 3. FOIA enforcement records


@dataclass
class FoiaFile:
    """What one release gave: its 287(g) removals as aggregates, and where every other row went."""

    name: str
    rows_in: int
    counts: dict[str, int]  # "loaded" and SET_ASIDE_REASONS keys
    aggregate: pd.DataFrame  # state, fiscal_year, criminality, threat_level, removed
    loaded_by_year: dict[int, int]
    unrecognised_states: dict[str, int] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)


def foia_layout(path: object, names: list[str]) -> dict[str, list[str]]:
    """Role -> the release's own column names (several for departure dates, else one)."""
    by_key: dict[str, str] = {}
    for name in names:
        by_key.setdefault(column_key(name), name)
    layout = {role: [by_key[k] for k in keys if k in by_key] for role, keys in FOIA_COLUMNS.items()}
    if not layout["method"]:
        raise LedgerError(path, "no apprehension method column (Apprehension Method, Apprehension Method Code, Arrest Method)")
    if not layout["departed"]:
        raise LedgerError(path, "no departure date column (Departed Date, Departure Date, Removal Date)")
    return {role: (cols if role == "departed" else cols[:1]) for role, cols in layout.items() if cols}


def role_columns(layout: dict[str, list[str]]) -> list[tuple[str, str]]:
    """(role column, release column) pairs: method, state, ..., and departed_0, departed_1 in priority order."""
    return [
        (f"{role}_{i}" if role == "departed" else role, name) for role, names in layout.items() for i, name in enumerate(names)
    ]


def find_header(rows) -> tuple[int, list[str]] | None:
    """(index, cells) of the first row among the first rows that names a method and a departure date."""
    for index, row in enumerate(rows):
        if index >= HEADER_SEARCH_ROWS:
            return None
        keys = {column_key(c) for c in row}
        if keys & set(FOIA_COLUMNS["method"]) and keys & set(FOIA_COLUMNS["departed"]):
            return index, [clean_text(c) for c in row]
    return None


def sheet_columns(rows, wanted: list[int], width: int) -> tuple[list[list], int, int]:
    """The wanted columns of the rows below a header, and (rows kept, empty rows passed over)."""
    columns: list[list] = [[] for _ in wanted]
    kept = empty = 0
    for row in rows:
        values = [row[i] if i < len(row) else "" for i in wanted]
        # Check the whole row only when the wanted cells are blank: rare, and the loop is hot.
        if all(v == "" or v is None for v in values) and all(v == "" or v is None for v in row[:width]):
            empty += 1
            continue
        kept += 1
        for column, value in zip(columns, values):
            column.append(value)
    return columns, kept, empty


def read_foia_workbook(path: Path) -> tuple[pd.DataFrame, int, int, list[str]]:
    """(records with role columns, rows read, empty rows, sheets used) from every sheet with a header.

    Releases put banner rows above the header and split the records over several sheets; a sheet
    without the header (a notes page) is passed over, a workbook without any is refused.
    """
    check_zip(path, limit=MAX_RELEASE_BYTES)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet_names = workbook.sheet_names
    except Exception as exc:  # calamine raises many types; all mean "unreadable"
        raise LedgerError(path, f"unreadable workbook ({' '.join(str(exc).split())[:160]})") from None
    parts, rows_in, empty, used = [], 0, 0, []
    for sheet_name in sheet_names:
        try:
            rows = workbook.get_sheet_by_name(sheet_name).iter_rows()
            head = []
            for row in rows:
                head.append(row)
                if len(head) >= HEADER_SEARCH_ROWS:
                    break
            found = find_header(head)
            if found is None:
                continue
            index, header = found
            pairs = role_columns(foia_layout(path, header))
            columns, read, blank = sheet_columns(
                itertools.chain(head[index + 1 :], rows), [header.index(n) for _, n in pairs], len(header)
            )
            rows_in, empty = rows_in + read, empty + blank
        except LedgerError:
            raise
        except Exception as exc:
            raise LedgerError(path, f"unreadable sheet {sheet_name!r} ({' '.join(str(exc).split())[:160]})") from None
        parts.append(pd.DataFrame({role: column for (role, _), column in zip(pairs, columns)}))
        used.append(sheet_name)
    if not used:
        raise LedgerError(
            path, f"no sheet has a header with an apprehension method and a departure date in its first {HEADER_SEARCH_ROWS} rows"
        )
    records = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return records, rows_in + empty, empty, used


def read_foia_parquet(path: Path) -> pd.DataFrame:
    """The role columns of a Parquet release, read alone, text as categories."""
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise LedgerError(path, f"not a Parquet file ({' '.join(str(exc).split())[:120]})") from None
    layout = foia_layout(path, schema.names)
    names = list(dict.fromkeys(n for cols in layout.values() for n in cols))
    text = [n for n in names if pa.types.is_string(schema.field(n).type) or pa.types.is_large_string(schema.field(n).type)]
    try:
        table = pq.read_table(path, columns=names, read_dictionary=text)
    except (pa.ArrowException, OSError) as exc:
        raise LedgerError(path, f"unreadable Parquet file ({' '.join(str(exc).split())[:120]})") from None
    frame = table.to_pandas(date_as_object=False)
    return pd.DataFrame({role: frame[name] for role, name in role_columns(layout)})


def per_unique(series: pd.Series, function) -> tuple[np.ndarray, list]:
    """(codes, [function(value) per distinct value]); code -1 (missing) maps to the last entry, function(None).

    Releases repeat a few thousand distinct values over millions of rows: classify each once.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, [function(v) for v in uniques] + [function(None)]


def method_reason(value: object) -> str:
    """'loaded' for the 287(g) program (either spelling), else the reason the record is set aside."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "method_missing"
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return "loaded" if float(value) == 287 else "not_287g"
    text = clean_text(value)
    if not text:
        return "method_missing"
    if REDACTION_RE.match(text):
        return "method_redacted"
    return "loaded" if METHOD_287G_RE.fullmatch(text) else "not_287g"


EXCEL_EPOCH = pd.Timestamp("1899-12-30")
PROGRAM_START = pd.Timestamp("2002-01-01")


def date_of(value: object) -> tuple[pd.Timestamp | None, str]:
    """(date, status) for one cell: status ok, missing, redacted or bad."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None, "missing"
    if isinstance(value, (dt.date, pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value), "ok"
    if isinstance(value, (int, float, np.integer, np.floating)):
        # An Excel serial number: a date cell that lost its format.
        return (EXCEL_EPOCH + pd.Timedelta(days=int(value)), "ok") if 20000 <= value <= 80000 else (None, "bad")
    text = clean_text(value)
    if not text:
        return None, "missing"
    if REDACTION_RE.match(text):
        return None, "redacted"
    for fmt in ("ISO8601", "%m/%d/%Y", "%m/%d/%y"):
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        if parsed is not pd.NaT and not pd.isna(parsed):
            return parsed, "ok"
    return None, "bad"


def departure_dates(columns: list[pd.Series]) -> tuple[pd.Series, np.ndarray]:
    """The first readable departure date of each record across the date columns, and its status."""
    dates, status = None, None
    for column in columns:
        if pd.api.types.is_datetime64_any_dtype(column.dtype):
            these = column.dt.tz_localize(None) if getattr(column.dt, "tz", None) else column
            these = these.astype("datetime64[ns]")
            this_status = np.where(these.notna().to_numpy(), "ok", "missing")
        else:
            codes, parsed = per_unique(column, date_of)
            nat = np.datetime64("NaT", "ns")
            values = np.array([p[0].to_datetime64() if p[0] is not None else nat for p in parsed], dtype="datetime64[ns]")
            these = pd.Series(values[codes], index=column.index)
            this_status = np.array([p[1] for p in parsed], dtype=object)[codes]
        if dates is None:
            dates, status = these, this_status
            continue
        take = (status != "ok") & (this_status == "ok")
        dates = dates.mask(pd.Series(take, index=dates.index), these)
        status = np.where(take | ((status == "missing") & (this_status != "missing")), this_status, status)
    return dates, status


def state_of(value: object) -> tuple[str, str]:
    """(USPS code or 'unknown', the value when it is not a state, DC or territory) for an apprehension state."""
    key = key_of(value) if value is not None and not (isinstance(value, float) and math.isnan(value)) else ""
    if not key or REDACTION_RE.match(key) or key in ("UNKNOWN", "NULL", "N/A"):
        return "unknown", ""
    codes = usps_codes()
    if key in codes:
        return codes[key], ""
    if key in state_names():
        return key, ""
    return "unknown", key


def criminality_of(value: object) -> str:
    text = clean_text(value).lower() if value is not None and not (isinstance(value, float) and math.isnan(value)) else ""
    digit = re.match(r"([123])\b", text)
    if digit:
        return CRIMINALITY[digit.group(1)]
    for word, name in (("convicted", "1"), ("pending", "2"), ("other immigration violator", "3")):
        if word in text:
            return CRIMINALITY[name]
    return "criminality_unknown"


def level_of(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "level_unknown"
    text = clean_text(value).lower()
    match = re.search(r"\blevel\s*([123])\b", text) or re.fullmatch(r"l?([123])(?:\.0+)?", text)
    return f"level_{match.group(1)}" if match else "level_unknown"


def aggregate_records(
    records: pd.DataFrame, empty_rows: int = 0
) -> tuple[pd.DataFrame, dict[str, int], dict[int, int], dict[str, int]]:
    """287(g) removals by state, fiscal year, criminality and threat level; where every other record went.

    Returns (aggregate, counts by outcome, loaded records by fiscal year, unrecognised state values).
    """
    counts = {
        "loaded": 0,
        **{r: 0 for r in ("not_287g", "method_missing", "method_redacted", "not_removed", "date_redacted", "bad_date")},
    }
    counts["empty_row"] = empty_rows
    codes, reasons = per_unique(records["method"], method_reason)
    row_reason = np.array(reasons, dtype=object)[codes]
    for reason, count in zip(*np.unique(row_reason, return_counts=True)):
        counts[reason] += int(count)
    chosen = records[row_reason == "loaded"]
    departed = [chosen[c] for c in records.columns if c.startswith("departed_")]
    dates, status = departure_dates(departed)
    # A 287(g) removal before the program began, or in the future, is a typing error, not a date.
    implausible = (status == "ok") & ((dates < PROGRAM_START) | (dates > pd.Timestamp.now() + pd.Timedelta(days=366))).to_numpy()
    status = np.where(implausible, "bad", status)
    for outcome, reason in (("missing", "not_removed"), ("redacted", "date_redacted"), ("bad", "bad_date")):
        moved = int((status == outcome).sum())
        counts[reason] += moved
        counts["loaded"] -= moved
    ok = status == "ok"
    chosen, dates = chosen[ok], dates[ok]
    fiscal_year = (dates.dt.year + (dates.dt.month >= 10).astype(int)).astype("int64").to_numpy()

    unrecognised: dict[str, int] = {}
    if "state" in chosen.columns:
        codes, found = per_unique(chosen["state"], state_of)
        state = np.array([code for code, _ in found], dtype=object)[codes]
        odd = np.array([value for _, value in found], dtype=object)[codes]
        for value, count in zip(*np.unique(odd[odd != ""], return_counts=True)):
            unrecognised[value] = int(count)
    else:
        state = np.full(len(chosen), "unknown", dtype=object)
    frame = pd.DataFrame({"state": state, "fiscal_year": fiscal_year})
    for role, function in (("criminality", criminality_of), ("threat_level", level_of)):
        if role in chosen.columns:
            codes, labels = per_unique(chosen[role], function)
            frame[role] = np.array(labels, dtype=object)[codes]
        else:
            frame[role] = None
    aggregate = (
        frame.groupby(["state", "fiscal_year", "criminality", "threat_level"], dropna=False, sort=True)
        .size()
        .rename("removed")
        .reset_index()
    )
    by_year = {int(y): int(n) for y, n in zip(*np.unique(fiscal_year, return_counts=True))}
    return aggregate, counts, by_year, unrecognised


def load_foia(path: Path) -> FoiaFile:
    """One release (xlsx or Parquet) as aggregates; LedgerError when it cannot be read as one."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        records, empty, sheets = read_foia_parquet(path), 0, []
        rows_in = len(records)
    elif suffix == ".xlsx":
        records, rows_in, empty, sheets = read_foia_workbook(path)
    else:
        raise LedgerError(path, "not a FOIA release: expected .xlsx or .parquet")
    aggregate, counts, by_year, unrecognised = aggregate_records(records, empty)
    return FoiaFile(path.name, rows_in, counts, aggregate, by_year, unrecognised, sheets)


def aggregate_foia(paths: list[Path]) -> pd.DataFrame:
    """287(g) removals by source file, state, fiscal year, criminality and threat level, over every release."""
    frames = [load_foia(p).aggregate.assign(source_file=Path(p).name) for p in paths]
    columns = ["source_file", "state", "fiscal_year", "criminality", "threat_level", "removed"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


# ---------------------------------------------------------------- state tables


def agency_state_rows(by_agency: pd.DataFrame) -> pd.DataFrame:
    """Statistics by agency summed by state and fiscal year, over the agencies that reported a figure."""
    reported = by_agency[by_agency["removed"].notna()]
    keys = ["state", "fiscal_year", "source", "source_url", "source_file"]
    return (
        reported.groupby(keys, sort=True)
        .agg(removed=("removed", "sum"), agencies_reporting=("agency_name", "nunique"))
        .reset_index()
    )


def foia_state_rows(aggregate: pd.DataFrame, sources: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """FOIA aggregates by state and fiscal year, with the criminality and level counts where the release has them."""
    if aggregate.empty:
        return pd.DataFrame(
            columns=[
                "state",
                "fiscal_year",
                "removed",
                *CRIMINALITY_COLUMNS,
                *LEVEL_COLUMNS,
                "source",
                "source_url",
                "source_file",
            ]
        )
    keys = ["source_file", "state", "fiscal_year"]
    out = aggregate.groupby(keys, sort=True)["removed"].sum().to_frame()
    for role, columns in (("criminality", CRIMINALITY_COLUMNS), ("threat_level", LEVEL_COLUMNS)):
        # A release without the column leaves its rows empty (unknown), not zero.
        known = aggregate[aggregate[role].notna()]
        if known.empty:
            for column in columns:
                out[column] = pd.array([pd.NA] * len(out), dtype="Int64")
            continue
        wide = known.pivot_table(index=keys, columns=role, values="removed", aggfunc="sum", fill_value=0)
        for column in columns:
            values = wide[column] if column in wide.columns else pd.Series(0, index=wide.index)
            out[column] = values.reindex(out.index).astype("Int64")
    out = out.reset_index()
    out["source"] = out["source_file"].map(
        lambda f: sources.get(f, (f"ICE enforcement records released under FOIA ({f})", ""))[0]
    )
    out["source_url"] = out["source_file"].map(lambda f: sources.get(f, ("", ""))[1])
    return out


def with_national(by_state: pd.DataFrame, national: pd.DataFrame) -> pd.DataFrame:
    """Adds each year's national total and the share of it removed through 287(g) in the state."""
    if by_state.empty:  # no removal source imported yet (a fresh archive, or the sample)
        return pd.DataFrame({column: pd.Series(dtype=object) for column in STATE_COLUMNS})
    merged = by_state.merge(national[["fiscal_year", "national_removed"]], on="fiscal_year", how="left")
    merged["national_removed"] = merged["national_removed"].astype("Int64")
    merged["share"] = merged["removed"].astype("Float64") / merged["national_removed"].astype("Float64")
    for column in [c for c in STATE_COLUMNS if c not in merged.columns]:
        merged[column] = pd.NA
    merged = merged[list(STATE_COLUMNS)]
    for column in ["removed", "agencies_reporting", *CRIMINALITY_COLUMNS, *LEVEL_COLUMNS]:
        merged[column] = merged[column].astype("Int64")
    return merged.sort_values(["source_file", "state", "fiscal_year"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- checks


def agency_checks(wide: pd.DataFrame, by_agency: pd.DataFrame, set_aside: pd.DataFrame, source_file: str) -> list[dict]:
    """Rows accounted for, and each year's totals equal the source file's own column sums."""
    qa = []
    loaded = by_agency["source_row"].nunique()
    aside = len(set_aside)
    qa.append(
        check(
            "removals_source_rows_accounted",
            source_file,
            loaded + aside,
            len(wide),
            "pass" if loaded + aside == len(wide) else "fail",
        )
    )
    for reason, count in set_aside["reason"].value_counts().sort_index().items():
        qa.append(check("removals_rows_set_aside", f"{source_file}: {reason}", int(count), "reviewed", "info"))
    # Recomputed from the raw cells by another route than the loader's, so a loader bug shows.
    for year, measure, column in agency_stats_layout(source_file, [c for c in wide.columns if c != "source_row"]):
        expected = int(pd.to_numeric(wide[column].str.replace(",", ""), errors="coerce").sum())
        found = int(by_agency.loc[by_agency["fiscal_year"] == year, measure].sum())
        qa.append(
            check(
                "removals_year_total_matches_source",
                f"FY{year} {measure}",
                found,
                expected,
                "pass" if found == expected else "fail",
            )
        )
    if "all_removed" in wide.columns:
        removed_columns = [c for y, m, c in agency_stats_layout(source_file, list(wide.columns)) if m == "removed"]
        sums = sum(pd.to_numeric(wide[c], errors="coerce").fillna(0) for c in removed_columns)
        totals = pd.to_numeric(wide["all_removed"], errors="coerce")
        differ = wide[totals.notna() & (sums != totals)]
        for _, row in differ.iterrows():
            qa.append(
                check(
                    "removals_agency_total_matches_all_removed",
                    clean_text(row["Jurisdiction"]),
                    int(sums[row.name]),
                    row["all_removed"],
                    "warn",
                )
            )
        qa.append(
            check(
                "removals_agency_totals_match_all_removed",
                source_file,
                len(wide) - len(differ),
                len(wide),
                "pass" if differ.empty else "warn",
            )
        )
    # Not an error: an agency whose agreement ended identifies no one but still sees earlier cases removed.
    odd = by_agency[(by_agency["identified"] == 0) & (by_agency["removed"] > 0)]
    if not odd.empty:
        qa.append(
            check(
                "removals_removed_with_none_identified",
                ", ".join(f"FY{y}" for y in sorted(odd["fiscal_year"].unique())),
                len(odd),
                "reviewed",
                "info",
            )
        )
    return qa


def state_checks(by_agency: pd.DataFrame, by_state: pd.DataFrame, foia: list[FoiaFile]) -> list[dict]:
    """The national 287(g) totals per year equal the sums of the state figures, for every source file."""
    qa = []
    national = {}
    if not by_agency.empty:
        reported = by_agency[by_agency["removed"].notna()]
        for (source_file, year), total in reported.groupby(["source_file", "fiscal_year"])["removed"].sum().items():
            national[(source_file, int(year))] = int(total)
    for release in foia:
        for year, total in release.loaded_by_year.items():
            national[(release.name, year)] = total
    states = by_state.groupby(["source_file", "fiscal_year"])["removed"].sum()
    for (source_file, year), total in sorted(national.items()):
        found = int(states.get((source_file, year), 0))
        qa.append(
            check(
                "removals_state_sums_equal_national",
                f"{source_file} FY{year}",
                found,
                total,
                "pass" if found == total else "fail",
            )
        )
    extra = set(states.index) - set(national)
    for source_file, year in sorted(extra):
        qa.append(
            check("removals_state_sums_equal_national", f"{source_file} FY{year}", int(states[(source_file, year)]), 0, "fail")
        )
    too_big = int((by_state["share"].fillna(0) > 1).sum())
    qa.append(check("removals_share_at_most_one", "all state-years", too_big, 0, "pass" if too_big == 0 else "fail"))
    without = sorted(by_state.loc[by_state["national_removed"].isna(), "fiscal_year"].unique())
    if without:
        qa.append(
            check("removals_years_without_national_total", ", ".join(f"FY{y}" for y in without), len(without), "reviewed", "info")
        )
    return qa


def foia_checks(release: FoiaFile) -> list[dict]:
    qa = []
    accounted = sum(release.counts.values())
    qa.append(
        check(
            "removals_source_rows_accounted",
            release.name,
            accounted,
            release.rows_in,
            "pass" if accounted == release.rows_in else "fail",
        )
    )
    qa.append(check("removals_foia_287g_removals", release.name, release.counts["loaded"], "reviewed", "info"))
    for reason, count in sorted(release.counts.items()):
        if reason != "loaded" and count:
            qa.append(check("removals_rows_set_aside", f"{release.name}: {reason}", count, "reviewed", "info"))
    for value, count in sorted(release.unrecognised_states.items()):
        qa.append(
            check("removals_foia_unrecognised_state", f"{release.name}: {value}", count, "a state, DC or territory", "warn")
        )
    if release.sheets:
        qa.append(check("removals_foia_sheets_read", release.name, len(release.sheets), "at least 1", "info"))
    return qa


def link_checks(links: pd.DataFrame, agencies_present: bool, fixes: list[FixTable]) -> list[dict]:
    qa = []
    if not agencies_present:
        qa.append(check("removals_agencies_table_present", "build/agencies.parquet", "missing", "present", "warn"))
    unlinked = links[links["agency_id"].isna()]
    qa.append(
        check(
            "removals_agencies_linked",
            "statistics by agency",
            len(links) - len(unlinked),
            len(links),
            "pass" if unlinked.empty else "warn",
        )
    )
    for reason, count in unlinked["reason"].value_counts().sort_index().items():
        qa.append(check("removals_agencies_unlinked", reason, int(count), 0, "warn"))
    for table in fixes:
        for wrong in table.unused():
            qa.append(check("fix_unused", f"{table.name}.csv: {wrong}", "matched no value", "matches a value", "warn"))
    return qa


# ---------------------------------------------------------------- the raw store for removal files


class RemovalsStore:
    """<data-dir>/raw/removals/: files content-addressed by sha256 under files/, one manifest row per sighting."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "raw" / "removals"
        self.files = self.root / "files"
        self.manifest_path = self.root / "manifest.csv"

    def manifest(self) -> list[dict]:
        if not self.manifest_path.exists():
            return []
        with self.manifest_path.open(newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    def path_of(self, row: dict) -> Path:
        return self.files / f"{row['sha256']}{Path(row['name']).suffix.lower()}"

    def add(self, path: Path, source: str) -> tuple[dict | None, str]:
        """Check, copy and record one file. Returns (manifest row or None, 'imported' | 'already present')."""
        path = Path(path)
        kind = validate_removals_file(path)
        self.files.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.files, suffix=".part")
        digest, size = hashlib.sha256(), 0
        try:
            # Releases run to gigabytes: hash while copying rather than reading the file whole.
            with open(path, "rb") as src, os.fdopen(fd, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
            sha = digest.hexdigest()
            if any(r["sha256"] == sha and r["name"] == path.name for r in self.manifest()):
                return None, "already present"
            row = {"name": path.name, "kind": kind, "sha256": sha, "size": str(size), "source": source,
                   "imported_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()}  # fmt: skip
            target = self.path_of(row)
            if not target.exists():
                os.replace(tmp, target)
            append_row(self.manifest_path, MANIFEST_FIELDS, row)
            return row, "imported"
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)


def validate_removals_file(path: Path) -> str:
    """The kind of a file offered for import, or LedgerError saying why it is not what its name claims."""
    kind = KIND_BY_SUFFIX.get(path.suffix.lower())
    if kind is None:
        raise LedgerError(
            path, "not a removals file: expected .csv (ICE's 287(g) statistics by agency), .xlsx or .parquet (FOIA records)"
        )
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise LedgerError(path, f"cannot read file ({exc.strerror})") from None
    if path.suffix.lower() == ".csv":
        if head.startswith(b"PK\x03\x04"):
            raise LedgerError(path, "not a CSV file (a zip or Excel workbook)")
        if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
            raise LedgerError(path, "not a CSV file (an HTML page)")
        if b"\x00" in head:
            raise LedgerError(path, "not a CSV file (binary content)")
        try:
            first_line = head.split(b"\n", 1)[0].decode("utf-8-sig")
        except UnicodeDecodeError:
            raise LedgerError(path, "not a CSV file (not UTF-8 text)") from None
        header = next(csv.reader(io.StringIO(first_line)), [])
        agency_stats_layout(path, header)
    elif path.suffix.lower() == ".xlsx":
        check_zip(path, limit=MAX_RELEASE_BYTES)
        try:
            workbook = CalamineWorkbook.from_path(str(path))
            found = False
            for name in workbook.sheet_names:
                rows = workbook.get_sheet_by_name(name).iter_rows()
                head_rows = [row for _, row in zip(range(HEADER_SEARCH_ROWS), rows)]
                if find_header(head_rows):
                    found = True
                    break
        except Exception as exc:
            raise LedgerError(path, f"unreadable workbook ({' '.join(str(exc).split())[:160]})") from None
        if not found:
            raise LedgerError(
                path, "not a FOIA enforcement release: no sheet has Apprehension Method and a departure date in its header"
            )
    else:
        if not head.startswith(b"PAR1"):
            raise LedgerError(path, "not a Parquet file (no PAR1 magic)")
        try:
            names = pq.read_schema(path).names
        except (pa.ArrowException, OSError) as exc:
            raise LedgerError(path, f"not a Parquet file ({' '.join(str(exc).split())[:120]})") from None
        foia_layout(path, names)
    return kind


def removals_files(paths: list[Path]) -> list[Path]:
    """Every file under the given files and folders, recursively, in a stable order."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KIND_BY_SUFFIX))
        else:
            found.append(path)
    return found


def import_removals(data_dir: Path, paths: list[Path], source_label: str | None = None) -> tuple[int, int, list[LedgerError]]:
    """Add ICE's statistics by agency (CSV) and FOIA releases to <data-dir>/raw/removals/. Returns (imported, skipped, errors)."""
    store = RemovalsStore(data_dir)
    imported = skipped = 0
    errors: list[LedgerError] = []
    for path in removals_files(paths):
        try:
            source = f"{source_label}:{path.name}" if source_label else str(path.resolve())
            _, status = store.add(path, source)
        except LedgerError as exc:
            errors.append(exc)
            continue
        except OSError as exc:
            errors.append(LedgerError(path, f"cannot store file ({exc.strerror})"))
            continue
        imported += status == "imported"
        skipped += status != "imported"
    return imported, skipped, errors


def release_url(source: str, name: str) -> str:
    """The address a release was imported from, when the manifest's source is one ('URL' or 'URL:name')."""
    url = source[: -len(name) - 1] if source.endswith(f":{name}") else source
    return url if re.fullmatch(r"https?://\S+", url) else ""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- the stage


def published_dir(data_dir: Path) -> Path:
    """<data-dir>/published when it exists, else the project's own data/published."""
    local = Path(data_dir) / "published"
    return local if local.is_dir() else PROJECT_PUBLISHED_DIR


def read_agencies(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    agencies = pd.read_parquet(path)
    missing = [c for c in ("agency_id", "state", "spellings") if c not in agencies.columns]
    if missing:
        raise LedgerError(path, f"lacks column(s) {', '.join(missing)}")
    return agencies


def foia_sources(data_dir: Path, store: RemovalsStore) -> tuple[list[tuple[Path, str, str]], list[dict]]:
    """(path, name, source) of every FOIA release, imported or left in raw/foia/, each once; and notes."""
    qa, seen, found = [], set(), []
    for row in store.manifest():
        if row["kind"] == FOIA_KIND and row["sha256"] not in seen:
            seen.add(row["sha256"])
            found.append((store.path_of(row), row["name"], row["source"]))
    loose_dir = Path(data_dir) / "raw" / "foia"
    if loose_dir.is_dir():
        for path in sorted(p for p in loose_dir.rglob("*") if p.is_file()):
            if path.suffix.lower() not in (".xlsx", ".parquet"):
                qa.append(
                    check(
                        "removals_foia_file_ignored",
                        str(path.relative_to(data_dir)),
                        "not .xlsx or .parquet",
                        "a release",
                        "warn",
                    )
                )
                continue
            sha = sha256_file(path)
            if sha not in seen:  # the same release imported and dropped in is counted once
                seen.add(sha)
                found.append((path, path.name, str(path.relative_to(data_dir))))
    return found, qa


def load_agency_source(
    store: RemovalsStore, manual: Path, build: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[dict], list[LedgerError]]:
    """Source 1: (by_agency, links, set aside, qa, errors) from the latest imported statistics by agency."""
    by_agency = pd.DataFrame(columns=list(AGENCY_COLUMNS))
    links = pd.DataFrame(columns=["agency_name", "state", "agency_id", "link_method", "reason", "detail"])
    entries = [r for r in store.manifest() if r["kind"] == AGENCY_KIND]
    if not entries:
        qa = [check("removals_agency_file_present", str(store.root), "missing", "run `ledger import-removals PATH`", "warn")]
        return by_agency, links, pd.DataFrame(columns=SET_ASIDE_COLUMNS), qa, []
    entry = entries[-1]  # the latest import is the one in force; earlier ones stay in the archive
    state_fixes = load_table(manual / "removals_states.csv", "removals_states")
    link_fixes = load_table(manual / "removals_agency_links.csv", "removals_agency_links")
    try:
        wide = read_agency_stats(store.path_of(entry))
    except LedgerError as exc:
        return (
            by_agency,
            links,
            pd.DataFrame(columns=SET_ASIDE_COLUMNS),
            [check("removals_file_unreadable", entry["name"], exc.reason, "readable", "fail")],
            [exc],
        )
    long, aside = agency_rows(wide, state_fixes, entry["name"])
    qa, errors = agency_checks(wide, long, aside, entry["name"]), []
    try:
        agencies = read_agencies(build / "agencies.parquet")
    except (LedgerError, OSError, pa.ArrowException) as exc:
        error = exc if isinstance(exc, LedgerError) else LedgerError(build / "agencies.parquet", f"unreadable ({exc})")
        errors.append(error)
        qa.append(check("removals_agencies_table_readable", "build/agencies.parquet", error.reason, "readable", "fail"))
        agencies = None
    links = link_agencies(long, agencies, link_fixes)
    by_agency = long.merge(links[["agency_name", "state", "agency_id", "link_method"]], on=["agency_name", "state"], how="left")
    # Without the agencies table no link row can match: reporting them all as stale would mislead.
    qa += link_checks(links, agencies is not None, [state_fixes, link_fixes] if agencies is not None else [state_fixes])
    return by_agency[list(AGENCY_COLUMNS)], links, aside, qa, errors


def load_cited_files(published: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[dict], list[LedgerError]]:
    """Source 2: (national totals, set aside, qa, errors); every cited file checked for its sources."""
    national = pd.DataFrame(columns=["fiscal_year", "national_removed", "national_source", "national_source_url"])
    aside, qa, errors = pd.DataFrame(columns=SET_ASIDE_COLUMNS), [], []
    for name in ("national_removals.csv", "oig_2010_findings.csv", "oig_2009_agreements.csv"):
        path = published / name
        if not path.exists():
            qa.append(check("cited_file_present", name, "missing", "present", "fail"))
            continue
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        qa += cited_file_checks(name, frame)
        if name != "national_removals.csv":
            continue
        try:
            national, aside = national_rows(frame, name)
        except LedgerError as exc:
            errors.append(exc)
            qa.append(check("removals_file_unreadable", name, exc.reason, "readable", "fail"))
            continue
        accounted = len(national) + len(aside)
        qa.append(
            check("removals_source_rows_accounted", name, accounted, len(frame), "pass" if accounted == len(frame) else "fail")
        )
    return national, aside, qa, errors


def load_releases(
    data_dir: Path, store: RemovalsStore
) -> tuple[list[FoiaFile], dict[str, tuple[str, str]], pd.DataFrame, list[dict], list[LedgerError]]:
    """Source 3: (releases, citation by file, set-aside counts, qa, errors); an unreadable release never stops the others."""
    releases, labels, errors = [], {}, []
    sources, qa = foia_sources(data_dir, store)
    for path, name, source in sources:
        try:
            release = load_foia(path)
        except LedgerError as exc:
            errors.append(LedgerError(name, exc.reason))
            qa.append(check("removals_file_unreadable", name, exc.reason, "readable", "fail"))
            continue
        release.name = name
        releases.append(release)
        labels[name] = (f"ICE enforcement records released under FOIA ({name})", release_url(source, name))
        qa += foia_checks(release)
    # Counts only: the records themselves are never written anywhere.
    aside = pd.DataFrame(
        [
            {"source_file": r.name, "row": None, "reason": reason, "detail": SET_ASIDE_REASONS[reason], "count": n}
            for r in releases
            for reason, n in sorted(r.counts.items())
            if reason != "loaded" and n
        ],  # fmt: skip
        columns=SET_ASIDE_COLUMNS,
    )
    return releases, labels, aside, qa, errors


def run(data_dir: Path) -> RemovalsResult:
    """Load the three sources, build the tables, check them, write them. Bad files are reported, never fatal."""
    data_dir = Path(data_dir)
    build = data_dir / "build"
    store = RemovalsStore(data_dir)

    by_agency, links, agency_aside, agency_qa, agency_errors = load_agency_source(store, manual_dir(data_dir), build)
    national, national_aside, cited_qa, cited_errors = load_cited_files(published_dir(data_dir))
    releases, labels, foia_aside, foia_qa, foia_errors = load_releases(data_dir, store)

    parts = []
    if not by_agency.empty:
        parts.append(agency_state_rows(by_agency))
    if releases:
        parts.append(
            foia_state_rows(pd.concat([r.aggregate.assign(source_file=r.name) for r in releases], ignore_index=True), labels)
        )
    parts = [p for p in parts if not p.empty]
    by_state = with_national(
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(STATE_COLUMNS)), national
    )
    first_row = (
        by_agency.groupby(["agency_name", "state"])
        .agg(source_file=("source_file", "first"), source_row=("source_row", "first"))
        .reset_index()
    )
    unlinked = links[links["agency_id"].isna()].merge(first_row, on=["agency_name", "state"], how="left")[UNLINKED_COLUMNS]
    asides = [a for a in (agency_aside, national_aside, foia_aside) if not a.empty]
    set_aside = pd.concat(asides, ignore_index=True) if asides else pd.DataFrame(columns=SET_ASIDE_COLUMNS)
    qa = agency_qa + cited_qa + foia_qa + state_checks(by_agency, by_state, releases)

    save(build, by_agency, by_state, unlinked, set_aside, qa)
    return RemovalsResult(by_agency, by_state, unlinked, set_aside, qa, agency_errors + cited_errors + foia_errors)


def save(
    build: Path, by_agency: pd.DataFrame, by_state: pd.DataFrame, unlinked: pd.DataFrame, set_aside: pd.DataFrame, qa: list[dict]
) -> None:
    (build / "qa").mkdir(parents=True, exist_ok=True)
    agency_schema = pa.schema([
        ("agency_id", pa.string()), ("agency_name", pa.string()), ("state", pa.string()), ("fiscal_year", pa.int16()),
        ("identified", pa.int64()), ("removed", pa.int64()), ("link_method", pa.string()), ("source", pa.string()),
        ("source_url", pa.string()), ("source_file", pa.string()), ("source_row", pa.int32()),
    ])  # fmt: skip
    state_schema = pa.schema(
        [("state", pa.string()), ("fiscal_year", pa.int16()), ("removed", pa.int64()), ("agencies_reporting", pa.int32()),
         ("national_removed", pa.int64()), ("share", pa.float64())]
        + [(c, pa.int64()) for c in [*CRIMINALITY_COLUMNS, *LEVEL_COLUMNS]]
        + [("source", pa.string()), ("source_url", pa.string()), ("source_file", pa.string())]
    )  # fmt: skip
    pq.write_table(
        pa.Table.from_pandas(by_agency, schema=agency_schema, preserve_index=False), build / "removals_by_agency.parquet"
    )
    pq.write_table(pa.Table.from_pandas(by_state, schema=state_schema, preserve_index=False), build / "removals_by_state.parquet")
    unlinked.to_csv(build / "removals_unlinked.csv", index=False)
    set_aside.to_csv(build / "removals_set_aside.csv", index=False)
    pd.DataFrame(qa, columns=QA_COLUMNS).to_csv(build / "qa" / "removals.csv", index=False)
