"""Agency names and states as the removals sources print them: comparison keys, AP abbreviations, states from addresses."""

from __future__ import annotations

import functools
import re

from ..common.states import state_codes, state_names
from ..common.text import clean_text


def column_key(name: object) -> str:
    """A column name compared across releases: lower case, non-alphanumerics as '_'."""
    return re.sub(r"[^a-z0-9]+", "_", clean_text(name).lower()).strip("_")


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
    own = state_names().get(state, "").lower()
    text = AP_STATE_RE.sub(lambda m: f" {own} " if AP_STATES[m.group(1)] == state else m.group(1), text)
    words = [WORD_FORMS.get(w, w) for w in re.findall(r"[a-z0-9]+", text)]
    if len(words) > 1 and words[0] == state.lower():  # "AZ Department of Corrections"
        words = own.split() + words[1:]
    words = [w for w in words if w != "the"]
    return " ".join(words), " ".join(w for w in words if w not in LOOSE_DROP)


@functools.cache
def address_pattern() -> re.Pattern:
    """A state name or code followed by a ZIP code ('AZ 85007', 'Utah 84404', 'CO _80215', 'VA, 20170')."""
    names = "|".join(re.escape(n) for n in sorted(state_codes(), key=len, reverse=True))
    return re.compile(rf"\b({names}|[A-Z]{{2}})\b[\s,]*_?\d{{5}}(?:-\d{{4}})?\b")


def state_from_address(address: str) -> str | None:
    """The USPS code of the last state-and-ZIP in an address ('..., Phoenix, AZ 85007', 'Ogden, Utah 84404')."""
    codes = state_codes()
    matches = address_pattern().findall(clean_text(address).upper())
    for found in reversed(matches):
        if found in codes:
            return codes[found]
        if found in codes.values():
            return found
    return None


