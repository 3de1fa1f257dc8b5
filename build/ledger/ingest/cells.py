"""Clean values from single cells: a state's USPS code, a choice from a fixed set, a signing date, a link."""

from __future__ import annotations

import datetime as dt
import functools
import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd

from ..common.distinct import per_distinct, spread
from ..common.excel import date_of_serial
from ..common.fixes import FixTable
from ..common.ice import ice_address
from ..common.text import ARCHIVE_PREFIX, ARCHIVE_PREFIX_RE, clean_text, key_of

SLASHED_DATE_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-]?(\d{4})$")
SHORT_YEAR_RE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2})$")
TEXT_DATE_FORMATS = ["%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d-%b-%Y", "%Y/%m/%d"]
SERIAL_DIGITS = 5  # Excel serials of the program's years (37000-50000) typed as text: '45123'
SHORT_YEAR_CENTURY = 2000  # '7/1/25': every date in the lists is of this century


def clean_state(raw: str, codes: dict[str, str], fixes: FixTable) -> tuple[str | None, str | None, bool]:
    """(USPS code, reject reason, fixed?) for a raw state cell."""
    key = key_of(raw)
    if not key:
        return None, "missing_state", False
    if key in codes:
        return codes[key], None, False
    if len(key) == 2 and key in codes.values():
        return key, None, False
    right = fixes.apply(key)
    if right is not None and right in codes:
        return codes[right], None, True
    return None, "unknown_state", False


def clean_choice(raw: str, canonical: list[str], fixes: FixTable) -> tuple[str | None, bool, bool]:
    """(canonical value or None, known?, fixed?) for a value that must be one of a fixed set."""
    key = key_of(raw)
    by_key = {c.upper(): c for c in canonical}
    if key in by_key:
        return by_key[key], True, False
    right = fixes.apply(key)
    if right is not None:
        if right == "":
            return None, True, True
        if right in canonical:
            return right, True, True
    return None, False, False


def parse_signed(text: str, cell_type: str) -> dt.date | None:
    """A signing date from a cell as ICE typed it, or None when it cannot be read.

    Handles real dates, Excel serial numbers, and the text forms seen in the lists, including a
    dropped slash before the year ('05/082025', '7/72025').
    """
    text = clean_text(text)
    if not text:
        return None
    if cell_type == "number" or (cell_type == "text" and text.isdigit() and len(text) == SERIAL_DIGITS):
        try:
            serial = float(text)
        except ValueError:
            return None
        return date_of_serial(serial)
    match = SLASHED_DATE_RE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    match = SHORT_YEAR_RE.match(text)
    if match:
        month, day, year = (int(g) for g in match.groups())
        try:
            return dt.date(SHORT_YEAR_CENTURY + year, month, day)
        except ValueError:
            return None
    for fmt in TEXT_DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


# A typed address: a scheme, or a bare www. host (ICE has typed www.ice.gov/... without one).
TYPED_ADDRESS_RE = re.compile(r"^([a-z][a-z0-9+.-]*:|www\.)", re.I)
# A PDF viewer's address around the document's (Acrobat's Chrome extension, in 96 of ICE's rows):
# chrome-extension://<id>/https:/www.ice.gov/...; the document's own address is what counts.
VIEWER_RE = re.compile(r"^chrome-extension://[a-z]+/+(https?):/+", re.I)


@functools.lru_cache(maxsize=None)
def clean_link(candidate: str) -> tuple[str | None, str | None]:
    """(ICE's https address, None) for a link to ICE's site; (None, the address) for any other; (None, None) for no address.

    Archive captures put web.archive.org/web/<time>/ before ICE's address, and some links were
    pasted from Outlook with a safelinks wrapper: the address inside either is what counts, and
    a wrapper is unwrapped only to ICE's own address (a safelink can wrap a javascript: URL).
    """
    if not TYPED_ADDRESS_RE.match(candidate):
        return None, None
    inner = VIEWER_RE.sub(r"\1://", ARCHIVE_PREFIX_RE.sub("", candidate))
    if inner.lower().startswith("www."):
        inner = "https://" + inner
    try:
        parts = urlsplit(inner)
    except ValueError:
        return None, candidate
    if (parts.hostname or "").endswith(".safelinks.protection.outlook.com") and parts.scheme.lower() == "https":
        wrapped = parse_qs(parts.query).get("url")  # parse_qs has decoded it once, as the browser would
        inner = wrapped[0] if wrapped else inner
    address = ice_address(inner)
    return (address, None) if address else (None, candidate)


def clean_url(href: str, text: str) -> str | None:
    """The ICE document a link cell points to: its hyperlink target, or the address typed in the cell."""
    return clean_link(clean_text(href) or clean_text(text))[0]


def link_addresses(hrefs: pd.Series, texts: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """For a column of link cells: ICE's address of each (or None), and any other address it held (or None).

    Archive captures put the capture time in every URL, which would make each cell distinct; the
    prefix is cut off for the whole column at once first, leaving a few thousand distinct links.
    """
    hrefs = hrefs.fillna("").astype("str")
    candidates = hrefs.where(hrefs.str.strip() != "", texts.fillna("").astype("str")).astype("str").str.strip()
    candidates = candidates.str.replace(ARCHIVE_PREFIX, "", regex=True)
    codes, links = per_distinct(candidates, lambda value: clean_link(clean_text(value)))
    return spread(codes, links, 0), spread(codes, links, 1)


def link_column(hrefs: pd.Series, texts: pd.Series) -> np.ndarray:
    """ICE's address for each of a column of link cells, or None: never another host's."""
    return link_addresses(hrefs, texts)[0]
