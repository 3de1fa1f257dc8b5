"""The history stage's rules: the numbers and vocabularies that decide identity, statuses and changes, each with its reason.

The methodology text (templates/methodology_identity.md) quotes the upper-case names here,
so a rule changed here is a rule changed on the site.
"""

from __future__ import annotations

# An agreement is ended once it is missing from this many non-empty lists in a row. In the
# archive the longest absence after which an agreement came back unchanged is 4 lists (the
# Florida Fish and Wildlife Conservation Commission and East Donegal Township, July 2025);
# the next longer one is 30 lists (Wyoming State Highway Patrol, reported as listed again
# after an end). 5 is the smallest number that reads every observed blip as a blip, and with
# two lists a weekday it still counts a real end within about three days.
ENDED_AFTER_LISTS = 5
# A re-dating moves a date by days or weeks; a date that moves by more is a new signature.
REDATE_MAX_DAYS = 365
REDATE_ANY_DAYS = 31
# A pending request is linked to an agreement signed after it first appeared and first
# listed within this many days of the request's last listing.
PENDING_LINK_DAYS = 120
# A typo is a letter or two: a letter added, dropped, changed, or two swapped.
TYPO_EDITS = 1
# Two letters when both names also list an agreement of the same model signed on the same date.
TYPO_EDITS_WITH_SHARED_AGREEMENT = 2
# Two spellings of one county ('Okaloosa', 'Okaloos') are at most this many edits apart.
COUNTY_EDITS = 2
# The id rule's lengths (a slug's longest, a hash's digits) live with the rule itself, in common/ids.py.
# In a name key (only for names with no letter left), where a clash would merge two agencies unseen.
KEY_HASH_CHARS = 16
# Look-alike names are found by shared deletion variants. A name with more look-alikes than this
# in its state is not a typo but one of a pattern ('Precinct 1' to 'Precinct 99', 'Agency 00001'
# on), and pairing every such name with every other would cost the square of their number. No
# name in the archive has more than 4; 20 is five times that. The names set aside are counted in
# the history checks; a group of more than BLOCKING_CAP + 1 names sharing one variant is not
# even built, as each of its names has more look-alikes than the cap.
BLOCKING_CAP = 20
# The archive's longest word is 14 letters ('INVESTIGATIONS'): two deletions on a longer word
# than this would make hundreds of variants of one word and find no typo of a real one.
TWO_DELETIONS_MAX_WORD = 20
# The archive's longest name key is 82 characters; a name over this is compared exactly only
# (its variants would cost its length squared), and counted in the history checks.
LOOK_ALIKE_MAX_CHARS = 200

ABBREVIATIONS = {
    "DEPT": "DEPARTMENT", "SHERIFFS": "SHERIFF", "FT": "FORT", "ST": "SAINT", "TWP": "TOWNSHIP", "PCT": "PRECINCT",
    "PD": "POLICE DEPARTMENT", "DPS": "DEPARTMENT OF PUBLIC SAFETY", "BOCC": "BOARD OF COUNTY COMMISSIONERS",
}  # fmt: skip
# 'City of Tampa Police Department' and 'Tampa Police Department' are one department.
MUNICIPAL_PREFIXES = ("CITY OF ", "TOWN OF ", "VILLAGE OF ")
# How ICE marks a county it did not state (Excel's #N/A and friends).
MISSING_COUNTY_KEYS = {"", "NA", "N A", "NONE", "UNKNOWN"}
COUNTY_WORDS = {"COUNTY", "PARISH", "BOROUGH"}

# The status the site gives agencies known only from before the archive (removals' early_agencies.parquet).
EARLY_AGENCY_STATUS = "before 2021"
# The vocabularies of the tables, each value with what it means. These dicts are THE definition:
# the contract, the data dictionary, the methodology and the site quote them.
AGREEMENT_STATUSES = {
    "active": "on ICE's latest participating list",
    "missing": (
        f"not on the latest list of its kind, but missing from fewer than {ENDED_AFTER_LISTS} lists in a row, too few to count"
        " as ended; shown as not on ICE's list since the first list without it (first_absent)"
    ),
    "ended": (
        f"missing from {ENDED_AFTER_LISTS} or more participating lists in a row and not replaced; it ended between the last list"
        " that had it (last_listed) and the first that did not (first_absent)"
    ),
    "superseded": "renewed or replaced by a later agreement of the same agency and model",
    "pending": "a request on ICE's latest pending list",
    "signed": "a pending request that went on to appear on the participating list",
    "lapsed": f"a pending request gone from the pending list for {ENDED_AFTER_LISTS} lists or more without being signed",
}
AGENCY_STATUSES = {
    "active": "has an active agreement",
    "missing": "no active agreement, and one missing from the latest lists (not yet long enough to count as ended)",
    "pending": "no active or missing agreement, and a request on the latest pending list",
    "ended": "had agreements, none of them active or missing now",
    "lapsed": "only ever on the pending list, and gone from it",
    EARLY_AGENCY_STATUS: "known only from the 2009 Inspector General list or ICE's FY2006-2013 removal statistics, before the archive begins",
}
# In the order the change log tells them within one publication.
CHANGE_TYPES = {
    "added": "an agreement or request on this list for the first time",
    "moved from pending to signed": "a request of the pending list whose agreement appears on the participating list",
    "renewed": "a later agreement of the same agency and model, replacing the one before",
    "model switch": "a later agreement of the same agency under another model, replacing the one before",
    "renamed": "the same agreement, its signing body printed under another name (old_value and new_value are the names)",
    "field changed": "the same agreement, one of its other printed fields changed (field, old_value, new_value)",
    "back": "a participating agreement listed again after lists without it (detail says how many)",
    "dropped": "a participating agreement that was on the previous participating list and is not on this one",
    "ended": (
        f"confirmation of an end: this is the {ENDED_AFTER_LISTS}th participating list in a row without the agreement"
        " (detail gives the end window: its last list and the first list without it)"
    ),
    "lapsed": f"a pending request's confirmation: the {ENDED_AFTER_LISTS}th pending list in a row without it, not signed",
}
# The changes that start an agreement: every agreement has one (a request signed as a renewal has two).
START_CHANGES = ("added", "moved from pending to signed", "renewed", "model switch")
# The fields compared between an agreement's listings, as named in changes.field ("agency" is its name).
FIELDS = ["agency", "county", "agency_type", "signed", "moa_status", "moa_url"]
# The identity tiers in the order they are applied (identity_tiers.csv counts each).
TIERS = {
    "exact": "printed spellings folded into one name by setting aside case, spacing, punctuation, apostrophes and abbreviations",
    "typo": "names joined as typos of one another",
    "redating": "signing dates joined as ICE's re-dating of one agreement",
    "alias": "names joined by the hand-curated alias table",
    "word order": "names of the same words in another order ('Wyoming Highway State Patrol', 'Wyoming State Highway Patrol') joined when never listed together",
    "fold": "two rows of one list, a division's beside its department's with one MOA link, folded into the department's agreement",
    "state": "an agreement printed under another state for a few lists, ending where the same name, model and date begin in the real state",
    "relabel": "an agreement whose signing body ICE relabelled (sheriff's office and county, department and division): same state, county and model, same date or MOA link, one label ending where the other begins; the agreement goes to the later label",
    "dateless": "rows with no signing date, or one after the list they are on, joined to the dated agreement of the same agency and model they run into",
    "review": "look-alike names or dates left apart and written to the review file",
}
