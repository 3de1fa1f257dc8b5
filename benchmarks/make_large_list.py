"""Writes a generated participating list, ten times ICE's largest, for the name-matching benchmark only.

The rows are invented, not ICE data. They follow ICE's latest layout (STATE, LAW ENFORCEMENT
AGENCY, TYPE, COUNTY, SUPPORT TYPE, SIGNED, MOA, ADDENDUM): counties and towns across the states
with made-up place names (built from syllables, so many are a letter or two apart, as real
look-alikes are), sheriffs, police departments, jails, constables by precinct and state agencies,
one to three support models each, signing dates bunched on a few days as ICE's are, and MOA
links in the form of ICE's doclib addresses.

    python benchmarks/make_large_list.py .bench/large/participatingAgencies03022026am.xlsx
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

from ledger.common.states import state_codes, state_names
from ledger.sources.sample import workbook_bytes

# ICE's largest list (27 February 2026) has 1,492 rows; ten times that.
ROWS = 14_920
SEED = 287
HEADER = ["STATE", "LAW ENFORCEMENT AGENCY", "TYPE", "COUNTY", "SUPPORT TYPE", "SIGNED", "MOA", "ADDENDUM"]
MODELS = {"Task Force Model": ("TFM", 58), "Warrant Service Officer": ("WSO", 32), "Jail Enforcement Model": ("JEM", 10)}
# The shares of rows by state in the largest real list (Florida and Texas hold nearly half).
STATE_WEIGHTS = {"FLORIDA": 23, "TEXAS": 21, "PENNSYLVANIA": 5, "TENNESSEE": 4, "MISSOURI": 4, "GEORGIA": 3,
                 "NORTH CAROLINA": 3, "LOUISIANA": 3, "ALABAMA": 3, "OKLAHOMA": 3, "SOUTH CAROLINA": 2, "ARKANSAS": 2}  # fmt: skip
OTHER_STATE_WEIGHT = 0.5
FIRST = ["Ash", "Bel", "Bran", "Cal", "Cedar", "Clay", "Dun", "Elm", "Fair", "Glen", "Green", "Har", "Hol", "Iron",
         "Jack", "Kings", "Lake", "Lin", "Mar", "Mill", "Mon", "New", "Oak", "Pine", "Red", "Ros", "Sand", "Spring",
         "Stone", "Sum", "Tal", "Wal", "Water", "West", "Wil", "Wood"]  # fmt: skip
LAST = ["ton", "ford", "ville", "field", "wood", "port", "burg", "dale", "land", "ridge", "view", "mont", "bury",
        "haven", "creek", "ley", "ler", "ker", "son", "more"]  # fmt: skip
# (pattern, agency type, share): what ICE's lists are made of, sheriffs first.
KINDS = [
    ("{county} County Sheriff's Office", "County", 40),
    ("{town} Police Department", "Municipality", 30),
    ("City of {town} Police Department", "Municipality", 4),
    ("{county} County Jail", "County", 6),
    ("{county} County Constable Precinct {n}", "County", 5),
    ("{town} Marshal's Office", "Municipality", 4),
    ("{county} County District Attorney's Office", "County", 3),
    ("{state_title} Department of {office}", "State Agency", 2),
    ("Town of {town} Police Department", "Municipality", 6),
]
OFFICES = ["Corrections", "Public Safety", "Transportation", "Agriculture", "Revenue", "Wildlife", "Motor Vehicles", "Labor"]
# ICE signs in batches: a quarter of the rows share ten dates, the rest spread over fifteen months.
BATCH_DATES = 10
BATCH_SHARE = 0.25
FIRST_SIGNED = dt.date(2025, 1, 20)
SIGNING_DAYS = 400
PENDING_LINK_SHARE = 0.07  # 'link pending' instead of a link, as in the real list


def places(rng: random.Random, count: int) -> list[str]:
    """Made-up place names, distinct, from syllables (so 'Ashton' and 'Ashford' both occur)."""
    found: list[str] = []
    seen: set[str] = set()
    while len(found) < count:
        name = rng.choice(FIRST) + rng.choice(LAST)
        if rng.random() < 0.3:
            name = rng.choice(["North ", "South ", "East ", "West ", "Port ", "Mount "]) + name
        if name not in seen:
            seen.add(name)
            found.append(name)
    return found


def large_list_rows(rows: int = ROWS, seed: int = SEED) -> list[list]:
    """The generated list's rows, in ICE's order (by state, then agency), the same for a given seed."""
    rng = random.Random(seed)
    names = state_names()
    weights = {name: STATE_WEIGHTS.get(name, OTHER_STATE_WEIGHT) for name in sorted(names.values())}
    batch = [FIRST_SIGNED + dt.timedelta(days=rng.randrange(SIGNING_DAYS)) for _ in range(BATCH_DATES)]
    models = list(MODELS)
    out: list[list] = []
    agencies: set[tuple[str, str]] = set()
    pools: dict[str, tuple[list[str], list[str]]] = {}
    while len(out) < rows:
        state = rng.choices(list(weights), list(weights.values()))[0]
        if state not in pools:
            pool = places(rng, 900)
            pools[state] = (pool[:300], pool[300:])
        counties, towns = pools[state]
        pattern, agency_type, _ = rng.choices(KINDS, [k[2] for k in KINDS])[0]
        county = rng.choice(counties)
        agency = pattern.format(county=county, town=rng.choice(towns), n=rng.randint(1, 8), state_title=state.title(), office=rng.choice(OFFICES))
        if (state, agency) in agencies:
            continue
        agencies.add((state, agency))
        for model in rng.sample(models, k=rng.choices([1, 2, 3], [50, 35, 15])[0]):
            signed = rng.choice(batch) if rng.random() < BATCH_SHARE else FIRST_SIGNED + dt.timedelta(days=rng.randrange(SIGNING_DAYS))
            code = MODELS[model][0]
            camel = agency.replace("'", "").replace(" County ", "Co").replace(" ", "")
            link = f"https://www.ice.gov/doclib/287gMOA/{camel}{state_codes()[state]}_{code}_MOA_{signed:%m%d%Y}.pdf"
            moa = ("link pending", None) if rng.random() < PENDING_LINK_SHARE else ("link", link)
            county_cell = "" if agency_type == "State Agency" else f"{county} County"
            out.append([state, agency, agency_type, county_cell, model, signed.isoformat(), moa, ("", None)])
    out = out[:rows]
    out.sort(key=lambda r: (r[0], r[1], r[4]))
    return out


def write_large_list(path: Path, rows: int = ROWS, seed: int = SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(HEADER, large_list_rows(rows, seed)))
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="the .xlsx to write; its name dates it, e.g. participatingAgencies03022026am.xlsx")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    write_large_list(args.path, args.rows)
