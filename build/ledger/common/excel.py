"""What the project knows of Excel files, shared by every reader of ICE's workbooks and FOIA releases."""

from __future__ import annotations

import datetime as dt

EXCEL_EPOCH = dt.date(1899, 12, 30)  # day 0 of Excel's 1900 date system (after its leap-year bug)
# A number is read as a date serial only in 1954-10-03 (20000) .. 2119-01-10 (80000): every real
# signing or departure date lies inside, and counts such as 3 or 1,500 stay numbers.
SERIAL_MIN, SERIAL_MAX = 20000, 80000
# ICE prints a title and notes above the header; the header has never been below row 6.
HEADER_SEARCH_ROWS = 20
PROGRAM_START = dt.date(2002, 1, 1)  # the first 287(g) agreement (Florida, 2002)


def date_of_serial(serial: float) -> dt.date | None:
    """The date an Excel serial number stands for, or None outside the plausible range."""
    if SERIAL_MIN <= serial <= SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(serial))
    return None
