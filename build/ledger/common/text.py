"""Cell text as the project compares it: one cleaning rule for every stage that reads what ICE typed."""

from __future__ import annotations

import re

import pandas as pd

# Archive captures put web.archive.org/web/<timestamp>/ in front of ICE's own address.
ARCHIVE_PREFIX = r"^[hH][tT][tT][pP][sS]?://web\.archive\.org/web/[0-9]+[a-z_]*/"
ARCHIVE_PREFIX_RE = re.compile(ARCHIVE_PREFIX)


def clean_text(value: object) -> str:
    """Collapse whitespace (including no-break spaces) and straighten curly apostrophes and quotes."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value).replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return " ".join(text.replace("\xa0", " ").split())


def key_of(value: object) -> str:
    """Clean text in upper case: how fix tables and vocabularies are keyed."""
    return clean_text(value).upper()
