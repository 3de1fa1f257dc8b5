"""Names as the history stage compares them: name and county keys, slugs, edit distances and look-alike variants."""

from __future__ import annotations

import re
import unicodedata

from .rules import ABBREVIATIONS, COUNTY_WORDS, MISSING_COUNTY_KEYS, MUNICIPAL_PREFIXES


def name_key(name: object) -> str:
    """The exact tier: a name with case, spacing, punctuation, apostrophes and abbreviations set aside."""
    if not isinstance(name, str):
        return ""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = text.replace("'", "").replace("&", " AND ")
    key = " ".join(ABBREVIATIONS.get(t, t) for t in re.sub(r"[^A-Z0-9]+", " ", text).split())
    # A county has one sheriff: ICE calls the same one an Office in one list and a Department in the next.
    key = key.replace("SHERIFF DEPARTMENT", "SHERIFF OFFICE")
    for prefix in MUNICIPAL_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def county_key(county: object) -> str | None:
    """A county as comparable text, or None where ICE left it blank or wrote #NA."""
    words = name_key(county).split()
    # 'County' is dropped however ICE spelt it ('Couny', 'Counry'): it says nothing about which county.
    if len(words) > 1 and any(edits(words[-1], word, 2) <= 2 for word in COUNTY_WORDS):
        words = words[:-1]
    key = " ".join(words)
    return None if key in MISSING_COUNTY_KEYS else key


def slug(name: str) -> str:
    """A name as lower-case ASCII words joined by hyphens: the tail of an agency_id."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def edits(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (adjacent swaps count once), capped at limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def numbers(key: str) -> list[str]:
    """The numbers in a name: 'Precinct 2' and 'Precinct 3' are two agencies however close the letters."""
    return sorted(re.findall(r"\d+", key))


def deletions(text: str, most: int) -> set[str]:
    """Every string made by deleting up to `most` characters: strings sharing one are few edits apart."""
    found, frontier = {text}, {text}
    for _ in range(most):
        frontier = {t[:i] + t[i + 1 :] for t in frontier for i in range(len(t))}
        found |= frontier
    return found


def one_word_more(a: str, b: str) -> bool:
    """True when one name is the other with one more word (a state's name, an 'LA', a division's initials)."""
    wa, wb = a.split(), b.split()
    if abs(len(wa) - len(wb)) != 1:
        return False
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
