"""The one rule for agency ids, `<STATE>-<slug of the name>`, shared by the history and removals stages.

Names in any script are slugged through their ASCII transliteration (anyascii), so 'شرطة' and
'警察' give two readable slugs, not two empty ones; a name with nothing left after
transliteration (symbols, emoji) is known by a hash of its text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

from .text import clean_text

# An agency page is agencies/<agency_id>/ and a file name stops at 255 bytes. The longest slug in
# the archive is 82 characters (Florida's Department of Highway Safety and Motor Vehicles,
# Division of Highway Patrol); 100 keeps every id ICE's names have made, and a longer slug is
# cut at a word and ends in a hash of the whole name.
SLUG_MAX_CHARS = 100
# Hex digits of a name's SHA-256 in an id: 4 billion values where a state has a few hundred agencies.
HASH_CHARS = 8
# Symbols (emoji, dingbats, marks like (c)) name nothing: anyascii would spell 🚓 as ':police_car:'.
SYMBOL_CATEGORIES = frozenset({"So", "Sk"})


def digest(text: str, length: int = HASH_CHARS) -> str:
    """The first hex digits of the SHA-256 of the cleaned text: a name's short, stable fingerprint."""
    return hashlib.sha256(clean_text(text).encode("utf-8")).hexdigest()[:length]


def transliterate(text: str) -> str:
    """The text in ASCII letters: each character by anyascii, symbols dropped, each ideograph or syllable a word."""
    if text.isascii():
        return text
    out = []
    for ch in text:
        if ch.isascii():
            out.append(ch)
        elif unicodedata.category(ch) in SYMBOL_CATEGORIES:
            out.append(" ")
        else:
            latin = anyascii(ch)
            # anyascii spells a Chinese, Japanese or Korean character as one capitalised syllable
            # ('BeiJing'); a caseless letter spelt so is a word of its own, so the slug can be read.
            caseless = ch.upper() == ch.lower()
            out.append(f" {latin} " if caseless and latin[:1].isupper() else latin)
    return "".join(out)


def slug(name: str, hashed: bool = False) -> str:
    """A name as lower-case ASCII words joined by hyphens: the tail of an agency_id, never empty.

    A slug longer than SLUG_MAX_CHARS is cut at a word and ends in the name's hash, so two long
    names alike in their first hundred characters keep two ids; `hashed` asks for the hash on a
    short slug too (two names with one slug). A name with nothing readable is 'x-<hash>'.
    """
    text = clean_text(name)
    whole = "-".join(re.sub(r"[^a-z0-9]+", " ", transliterate(text).lower().replace("'", "")).split())
    if not whole:
        return f"x-{digest(text)}"
    if len(whole) <= SLUG_MAX_CHARS and not hashed:
        return whole
    room = SLUG_MAX_CHARS - HASH_CHARS - 1
    kept = whole
    if len(whole) > room:
        cut = whole[: room + 1]
        kept = cut[: cut.rindex("-")] if "-" in cut else whole[:room]
    return f"{kept}-{digest(text)}"


def agency_id(state: str, name: str, hashed: bool = False) -> str:
    """`<STATE>-<slug>`: the id of an agency, from its state and its canonical name."""
    return f"{state}-{slug(name, hashed)}"
