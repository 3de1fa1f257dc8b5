"""The removals stage's vocabularies: set-aside reasons, FOIA outcome columns, and the FOIA release layout fixtures use."""

from __future__ import annotations

import re

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

# ICE's FOIA redaction codes, e.g. "(b)(6), (b)(7)(c)".
REDACTION_RE = re.compile(r"^\(b\)\s*\(\d\)", re.I)
CRIMINALITY = {"1": "convicted_criminal", "2": "pending_criminal_charges", "3": "other_immigration_violator"}
CRIMINALITY_COLUMNS = [*CRIMINALITY.values(), "criminality_unknown"]
LEVEL_COLUMNS = ["level_1", "level_2", "level_3", "level_unknown"]

FIRST_DATA_LINE = 2  # a CSV's line 1 is its header: source rows are numbered from 2
FISCAL_YEAR_START_MONTH = 10  # the federal fiscal year runs October to September
# A reader's own error text, quoted in a one-line reason: enough to recognise it, never a traceback.
EXCEPTION_TEXT_CHARS = 160


def exception_text(exc: BaseException) -> str:
    """An exception's message on one line, cut to EXCEPTION_TEXT_CHARS."""
    return " ".join(str(exc).split())[:EXCEPTION_TEXT_CHARS]
