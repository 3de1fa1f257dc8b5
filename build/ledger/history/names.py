"""Names as the history stage compares them: name and county keys, slugs, edit distances and look-alike variants.

Names in any script are compared and slugged through their ASCII transliteration (anyascii), so
'شرطة' and '警察' are two readable names, not two empty ones; a name with nothing left after
transliteration (symbols, emoji) is known by a hash of its text.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from ..common.ids import digest, slug, transliterate  # noqa: F401 - the one id rule, re-exported
from ..common.text import clean_text
from .rules import ABBREVIATIONS, COUNTY_WORDS, KEY_HASH_CHARS, MISSING_COUNTY_KEYS, MUNICIPAL_PREFIXES


def plain_key(name: str) -> str:
    """The key's words without the hash fallback: empty when nothing readable is left."""
    text = transliterate(name).upper()
    text = text.replace("'", "").replace("&", " AND ")
    key = " ".join(ABBREVIATIONS.get(t, t) for t in re.sub(r"[^A-Z0-9]+", " ", text).split())
    # A county has one sheriff: ICE calls the same one an Office in one list and a Department in the next.
    key = key.replace("SHERIFF DEPARTMENT", "SHERIFF OFFICE")
    for prefix in MUNICIPAL_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


def name_key(name: object) -> str:
    """The exact tier: a name with case, spacing, punctuation, apostrophes and abbreviations set aside.

    A name with no letter or digit left is keyed by a hash of its text ('#' and hex digits), so two
    such names stay two agencies; only an empty name has the empty key.
    """
    if not isinstance(name, str):
        return ""
    key = plain_key(name)
    if key or not clean_text(name):
        return key
    return "#" + digest(name, KEY_HASH_CHARS).upper()


def county_key(county: object) -> str | None:
    """A county as comparable text, or None where ICE left it blank or wrote #NA."""
    # No hash here: a county of only symbols states no county, like a blank one.
    words = plain_key(county).split() if isinstance(county, str) else []
    # 'County' is dropped however ICE spelt it ('Couny', 'Counry'): it says nothing about which county.
    if len(words) > 1 and any(edits(words[-1], word, 2) <= 2 for word in COUNTY_WORDS):
        words = words[:-1]
    key = " ".join(words)
    return None if key in MISSING_COUNTY_KEYS else key


def edits(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (adjacent swaps count once), capped at limit + 1.

    Only the band of cells within `limit` of the diagonal is computed: a cell outside it is
    more than `limit` edits whatever the letters, so a typo check costs the length times the
    band, not the square of the length, after the prefix and suffix they share are set aside.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    # A prefix or suffix the two share costs nothing (look-alike names share most of theirs).
    n, m = len(a), len(b)
    start = 0
    while start < n and start < m and a[start] == b[start]:
        start += 1
    end = 0
    while end < n - start and end < m - start and a[n - 1 - end] == b[m - 1 - end]:
        end += 1
    a, b = a[start : n - end], b[start : m - end]
    big = limit + 1
    n, m = len(a), len(b)
    previous2: list[int] = []
    previous = [j if j < big else big for j in range(m + 1)]
    for i in range(1, n + 1):
        current = [big] * (m + 1)
        current[0] = row_min = i if i < big else big
        char, before = a[i - 1], a[i - 2] if i > 1 else ""
        for j in range(max(1, i - limit), min(m, i + limit) + 1):
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != b[j - 1]))
            if j > 1 and char == b[j - 2] and before == b[j - 1] and previous2[j - 2] + 1 < value:
                value = previous2[j - 2] + 1
            current[j] = value = value if value < big else big
            row_min = value if value < row_min else row_min
        if row_min > limit:
            return big
        previous2, previous = previous, current
    return previous[m]


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


def shared_deletions(items: list[tuple[str, str]], most: Callable[[str], int], cap: int) -> tuple[list[set[str]], list[int]]:
    """The groups of two to `cap` keys whose texts share a deletion variant, and the sizes of the larger groups.

    `items` are (text, key) pairs with distinct texts; `most(text)` is how many deletions a text
    may have. Variants are first counted by their hash in a numpy array (8 bytes each, where a
    dictionary of strings and sets would take a hundred times that); only the texts with a
    variant whose hash is shared are looked at again, exactly, and a group over `cap` is
    counted by its exact size, never built.
    """
    hashes, lengths = array("q"), array("q")
    for text, _ in items:
        variants = deletions(text, most(text))
        lengths.append(len(variants))
        hashes.extend(map(hash, variants))
    codes = np.frombuffer(hashes, dtype=np.int64)
    values, counts = np.unique(codes, return_counts=True)
    shared = set(values[(counts > 1) & (counts <= cap)].tolist())
    crowded = set(values[counts > cap].tolist())
    if not shared and not crowded:
        return [], []
    owners = np.repeat(np.arange(len(items)), np.frombuffer(lengths, dtype=np.int64))
    again = np.unique(owners[np.isin(codes, values[counts > 1])]).tolist()
    del hashes, codes, owners, values, counts
    buckets: dict[str, set[str]] = defaultdict(set)
    sizes: Counter = Counter()
    for text, key in (items[i] for i in again):
        for variant in deletions(text, most(text)):
            h = hash(variant)
            if h in shared:
                buckets[variant].add(key)
            elif h in crowded:
                sizes[variant] += 1
    # Two variants with one hash are told apart here: a crowded hash may hide small exact groups.
    small = {v for v, n in sizes.items() if n <= cap}
    if small:
        for text, key in (items[i] for i in again):
            for variant in deletions(text, most(text)) & small:
                buckets[variant].add(key)
    groups = [members for members in buckets.values() if len(members) > 1]
    return groups, sorted(n for n in sizes.values() if n > cap)


def one_word_more(a: str, b: str) -> bool:
    """True when one name is the other with one more word (a state's name, an 'LA', a division's initials)."""
    wa, wb = a.split(), b.split()
    if abs(len(wa) - len(wb)) != 1:
        return False
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
