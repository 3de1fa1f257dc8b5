"""Names that cannot break anything: invisible characters removed and reported, ids unique and readable for any name, matching bounded."""

from __future__ import annotations

import hashlib
import re
from collections import Counter

import pandas as pd
import pytest

from ledger import history
from ledger.common.text import clean_text, removed_characters
from ledger.history.identity import name_candidates
from ledger.history.names import name_key, slug
from ledger.common.ids import SLUG_MAX_CHARS
from ledger.history.rules import BLOCKING_CAP
from ledger.ingest.characters import character_checks
from ledger.ingest.parse import RAW_FIELDS, sheet_to_columns
from ledger.sources.workbook import read_sheet

from .test_history import build, days, row

ID_RE = re.compile(r"^[A-Z]{2}-[a-z0-9]+(-[a-z0-9]+)*$")


def hash8(name: str) -> str:
    return hashlib.sha256(clean_text(name).encode()).hexdigest()[:8]


# ---------------------------------------------------------------- the cleaning rule


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("Null\x00Byte\x1b County Sheriff", "NullByte County Sheriff"),
        ("Bidi \u202egnirts desrever\u202c Police", "Bidi gnirts desrever Police"),
        ("\u2066Isolate\u2069 \u200eMarks\u200f \u061cPolice", "Isolate Marks Police"),
        ("Zero\u200bWidth Jo\u200din\u200cer Sheriff", "ZeroWidth Joiner Sheriff"),
        ("\ufeffBOM Soft\xadHyphen Jail", "BOM SoftHyphen Jail"),
        ("C1\x85Next\x9bLine", "C1 NextLine"),  # NEL is whitespace; CSI is a control
        ("Tab\tand\nbreaks\r\x0bstay\x1cspaces", "Tab and breaks stay spaces"),
        ("Sheriff\u2019s\xa0Office ", "Sheriff's Office"),
        ("شرطة مقاطعة هاريس", "شرطة مقاطعة هاريس"),
        ("哈里斯县警长办公室", "哈里斯县警长办公室"),
        ("Cafe\u0301 Police", "Caf\u00e9 Police"),  # a combining accent is composed: it looks like the letter
    ],
)
def test_clean_text_removes_what_is_invisible_and_keeps_every_letter(typed, clean):
    assert clean_text(typed) == clean
    assert not removed_characters(clean)


def raw_rows(tmp_path, write_list, name: str, agencies: list[str]) -> pd.DataFrame:
    header = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA"]
    rows = [["TEXAS", agency, "County", "Harris County", "Task Force Model", "2025-03-01", ("link", None)] for agency in agencies]
    columns, _ = sheet_to_columns(name, read_sheet(write_list(name, header, rows)))
    return pd.DataFrame(columns)


def test_characters_removed_are_reported_once_per_file_with_the_cells_counted(tmp_path, write_list):
    hostile = raw_rows(tmp_path, write_list, "a.xlsx", ["Bidi \u202egnirts\u202c Police", "Zero\u200bWidth Sheriff", "Plain Sheriff"])
    hostile.loc[2, "raw_county"] = "Harris\u200d County"
    plain = raw_rows(tmp_path, write_list, "b.xlsx", ["Harris County Sheriff's Office"])
    qa = character_checks(pd.concat([hostile, plain], ignore_index=True), {"a.xlsx": "participatingAgencies03012025am.xlsx"})
    assert [(q["check"], q["value"], q["status"]) for q in qa] == [("characters_removed", 3, "warn")]
    assert qa[0]["scope"] == "participatingAgencies03012025am.xlsx: U+200B, U+200D, U+202C, U+202E"
    assert character_checks(plain, {}) == []


def test_a_file_without_a_known_name_is_reported_by_its_sha256(tmp_path, write_list):
    raw = raw_rows(tmp_path, write_list, "c.xlsx", ["Plain Sheriff"])
    raw["sha256"] = "ab" * 32
    raw.loc[0, "raw_agency"] = "Null\x00Byte Sheriff"  # openpyxl will not write a NUL; Excel's _x0000_ reads as one
    assert [(q["scope"], q["value"]) for q in character_checks(raw)] == [(f"{'ab' * 32}: U+0000", 1)]


# ---------------------------------------------------------------- ids for any name


def test_arabic_and_chinese_agencies_of_one_state_stay_two_with_readable_ids():
    arabic, chinese = row("شرطة مقاطعة هاريس", state="TX"), row("哈里斯县警长办公室", state="TX")
    result = build(*days("participating", 1, [arabic, chinese]))
    ids = sorted(result.agencies["agency_id"])
    assert ids == ["TX-ha-li-si-xian-jing-zhang-ban-gong-shi", "TX-shrth-mqt-h-hrys"]
    assert name_key(arabic["agency"]) and name_key(chinese["agency"]) and name_key(arabic["agency"]) != name_key(chinese["agency"])


def test_names_with_nothing_to_transliterate_get_hash_ids_and_stay_apart():
    cars, stars = row("🚓🚓🚓", state="TX"), row("★★★", state="TX")
    result = build(*days("participating", 1, [cars, stars]))
    assert sorted(result.agencies["agency_id"]) == sorted([f"TX-x-{hash8('🚓🚓🚓')}", f"TX-x-{hash8('★★★')}"])
    assert name_key("🚓🚓🚓").startswith("#") and name_key("🚓🚓🚓") != name_key("★★★")


def test_a_300_character_name_gets_a_bounded_id_ending_in_its_hash():
    name = "Long " * 58 + "County Sheriff's Office"
    assert len(name) > 300
    result = build(*days("participating", 1, [row(name)]))
    agency_id = result.agencies["agency_id"].iloc[0]
    assert len(agency_id) <= len("FL-") + SLUG_MAX_CHARS
    assert agency_id.endswith(f"-{hash8(name)}") and agency_id.startswith("FL-long-long-")
    assert ID_RE.match(agency_id)


def test_two_long_names_alike_in_their_first_hundred_characters_get_two_ids():
    first, second = "Long " * 60 + "County Sheriff's Office A", "Long " * 60 + "County Sheriff's Office B"
    result = build(*days("participating", 1, [row(first), row(second)]))
    assert result.agencies["agency_id"].nunique() == 2
    assert slug(first)[:-8] == slug(second)[:-8] and slug(first) != slug(second)


def test_two_names_with_one_slug_get_two_ids_and_the_first_seen_keeps_the_plain_one():
    early, late = row("Smith & Jones Police"), row("Smith Jones Police")
    result = build(*days("participating", 1, [early], [early, late]))
    ids = dict(zip(result.agencies["agency_name"], result.agencies["agency_id"]))
    assert ids == {"Smith & Jones Police": "FL-smith-jones-police", "Smith Jones Police": f"FL-smith-jones-police-{hash8('Smith Jones Police')}"}
    warned = [q for q in result.qa if q["check"] == "agency_id_disambiguated"]
    assert [q["scope"] for q in warned] == ["FL: Smith Jones Police"]
    assert [q["status"] for q in result.qa if q["check"] == "agency_ids_one_per_name"] == ["pass"]


@pytest.mark.parametrize(
    "name",
    ["", " ", "-", "'''", "\u202e", "\x00", "🚓", "#N/A", "=1+1", "<script>", "Ω", "\ue000", "x" * 5000, "Sheriff's Office"],
)
def test_no_slug_is_ever_empty_or_unbounded(name):
    made = slug(name)
    assert made and len(made) <= SLUG_MAX_CHARS and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", made)


# ---------------------------------------------------------------- bounded matching


def test_look_alike_pairs_stay_bounded_on_100000_numbered_names_in_one_state():
    # 'Agency 00001' to 'Agency 100000': every name is a letter from dozens of others, the case
    # that paired all against all ran out of memory.
    keys = sorted(name_key(f"Test Agency {i}") for i in range(100_000))
    pairs, qa = name_candidates({"TX": keys})
    assert len(pairs) <= len(keys) * BLOCKING_CAP / 2
    degree = Counter(name for _, a, b in pairs for name in (a, b))
    assert max(degree.values()) <= BLOCKING_CAP + 1  # the cap, and 'TEST AGENCY' one word shorter
    assert [q["check"] for q in qa] == ["look_alike_names_not_paired"] and qa[0]["status"] == "warn"


def test_real_look_alikes_are_still_found_beside_a_crowd():
    crowd = [name_key(f"Test Agency {i}") for i in range(5_000)]
    keys = sorted(crowd + ["WALLER COUNTY SHERIFF OFFICE", "WALKER COUNTY SHERIFF OFFICE", "MARCO ISLAND POLICE DEPARTMENT", "MACRO ISLAND POLICE DEPARTMENT"])
    pairs, _ = name_candidates({"TX": keys})
    assert ("TX", "WALKER COUNTY SHERIFF OFFICE", "WALLER COUNTY SHERIFF OFFICE") in pairs
    assert ("TX", "MACRO ISLAND POLICE DEPARTMENT", "MARCO ISLAND POLICE DEPARTMENT") in pairs


def test_history_resolves_a_list_of_15000_names_with_typos_between_lists():
    places = [f"{a}{b}" for a in ("Ash", "Bel", "Cal", "Dun", "Elm", "Fair", "Glen", "Har", "Iron", "Jack", "Kings", "Lake")
              for b in ("ton", "ford", "ville", "field", "wood", "port", "burg", "dale", "land", "ridge")]  # fmt: skip
    kinds = ["County Sheriff's Office", "Police Department", "County Jail", "Marshal's Office", "Fire Marshal"]
    states = ["TX", "FL", "GA", "PA", "TN", "NC", "AL", "LA", "OK", "SC", "MO", "AR", "AZ", "VA", "OH", "IN", "WI", "KY", "MS", "ID", "MT", "WY", "NE", "KS", "IA"]  # fmt: skip
    names = [(s, f"{p} {k}") for s in states for p in places for k in kinds][:15_000]
    first = [row(name, state=state) for state, name in names]
    typos = [i for i in range(1, 15_000, 500) if "Department" in names[i][1]]  # every 500th, a police department
    second = [row(name.replace("Department", "Departent") if i in typos else name, state=state) for i, (state, name) in enumerate(names)]
    result = build(*days("participating", 1, first, second))
    assert len(typos) == 30 and result.tiers["typo"] == 30
    assert len(result.agencies) == 15_000
