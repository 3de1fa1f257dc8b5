"""Cell text as the project compares it: one cleaning rule for every stage that reads what ICE typed."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

# Archive captures put web.archive.org/web/<timestamp>/ in front of ICE's own address.
ARCHIVE_PREFIX = r"^[hH][tT][tT][pP][sS]?://web\.archive\.org/web/[0-9]+[a-z_]*/"
ARCHIVE_PREFIX_RE = re.compile(ARCHIVE_PREFIX)

# Characters no name needs, removed wherever text comes in. Controls (Cc: NUL, escape, the C1
# block) corrupt files and terminals; format characters (Cf) are invisible: the bidirectional
# overrides and isolates (U+202A-202E, U+2066-2069), the marks U+200E, U+200F and U+061C, the
# zero-width space and joiners, the word joiner, the byte-order mark and the soft hyphen. Each
# can make two names look the same while comparing different, or make a name read backwards
# on a page. The zero-width joiners do shape a few scripts (Persian, the Indic scripts) and
# emoji sequences, but only their look: every letter is kept, so a name stays readable and two
# spellings that look alike compare alike. Lone surrogates (Cs) cannot be written as UTF-8.
# Whitespace controls (tab, line breaks, U+001C-001F, U+0085) are not removed: they become
# spaces, as every run of whitespace does.
REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
# The ASCII part of the rule, for the fast path: C0 controls that are not whitespace, and DEL.
ASCII_REMOVED_RE = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\xa0": " "})


def removed_characters(text: str) -> str:
    """The characters clean_text removes from `text` (empty for nearly every cell ICE typed)."""
    if text.isascii():
        return "".join(ASCII_REMOVED_RE.findall(text))
    if text.isprintable():
        return ""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) in REMOVED_CATEGORIES)


def clean_text(value: object) -> str:
    """Remove invisible and control characters, collapse whitespace (including no-break spaces), straighten quotes.

    Text outside ASCII is also put in Unicode's composed form (NFC), so an accent typed as a
    letter plus a combining mark compares equal to the accented letter it looks like.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    if text.isascii():
        if not text.isprintable():
            text = ASCII_REMOVED_RE.sub("", text)
    else:
        if not text.isprintable():
            text = "".join(c for c in text if c.isspace() or unicodedata.category(c) not in REMOVED_CATEGORIES)
        text = unicodedata.normalize("NFC", text.translate(QUOTES))
    return " ".join(text.split())


def key_of(value: object) -> str:
    """Clean text in upper case: how fix tables and vocabularies are keyed."""
    return clean_text(value).upper()


def list_key(state: object, agency_name: object, support_type: object) -> str:
    """A row's (state, agency, model) as one plain key: how two lists' rows are compared by content.

    Deliberately simple (letters and digits of the name, in upper case): it only has to say that two
    lists carry the same requests, not resolve identities as the history stage does.
    """
    name = "".join(c if c.isalnum() else " " for c in key_of(agency_name))
    return f"{key_of(state)}|{' '.join(name.split())}|{key_of(support_type)}"
