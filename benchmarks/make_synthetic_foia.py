"""Writes a synthetic ICE enforcement release (3 million records by default) for the removals benchmark only.

The records are random, not ICE data. They follow the column layout of the Deportation Data
Project's arrests releases (Apprehension State, Apprehension Method, Apprehension Criminality,
Departed Date, ...; its Parquet files use the same names in snake case), with redacted columns
as ICE prints them, a share of 287(g) arrests, and departure dates on about half the records.

    python benchmarks/make_synthetic_foia.py /tmp/bench/foia-3m.parquet
    python benchmarks/make_synthetic_foia.py /tmp/bench/foia-3m.parquet --xlsx /tmp/bench/foia-sample.xlsx --xlsx-rows 50000

Write outside the repository (or under its git-ignored .bench/): the file is large and is never data of the project.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ledger.removals import DDP_ARRESTS_COLUMNS

REDACTED = "(b)(6), (b)(7)(c)"
COLUMNS = DDP_ARRESTS_COLUMNS
STATES = {
    "TEXAS": 18, "FLORIDA": 14, "CALIFORNIA": 9, "GEORGIA": 5, "NORTH CAROLINA": 4, "ARIZONA": 4, "NEW YORK": 4,
    "ILLINOIS": 3, "NEW JERSEY": 3, "VIRGINIA": 3, "TENNESSEE": 2, "LOUISIANA": 2, "SOUTH CAROLINA": 2,
    "OKLAHOMA": 2, "COLORADO": 2, "WASHINGTON": 2, "MASSACHUSETTS": 2, "ALABAMA": 2, "OHIO": 2, "PENNSYLVANIA": 2,
    "UTAH": 1, "NEVADA": 1, "MARYLAND": 1, "MISSOURI": 1, "ARKANSAS": 1, "INDIANA": 1, "MINNESOTA": 1,
    "PUERTO RICO": 0.3, "GUAM": 0.05, "DISTRICT OF COLUMBIA": 0.2,
}  # fmt: skip
METHODS = {
    "CAP Local Incarceration": 30, "CAP State Incarceration": 8, "CAP Federal Incarceration": 7, "287(g) Program": 8,
    "Located": 15, "Non-Custodial Arrest": 10, "Probation and Parole": 3, "Other efforts": 4,
    "Law Enforcement Agency Response Unit": 5, "ERO Reprocessed Arrest": 4, "Worksite Enforcement": 1,
    "Other Task Force": 2, "Inspections": 2,
}  # fmt: skip
CRIMINALITY = {"1 Convicted Criminal": 45, "2 Pending Criminal Charges": 25, "3 Other Immigration Violator": 30}
PROGRAMS = {"ERO Criminal Alien Program": 45, "287(g) Program": 8, "Fugitive Operations": 15, "Non-Detained Docket Control": 12,
            "Detained Docket Control": 10, "Alternatives to Detention": 5, "Law Enforcement Agency Response Unit": 5}  # fmt: skip
AORS = ["Atlanta", "Baltimore", "Boston", "Buffalo", "Chicago", "Dallas", "Denver", "Detroit", "El Paso", "Harlingen",
        "Houston", "Los Angeles", "Miami", "New Orleans", "New York City", "Newark", "Philadelphia", "Phoenix",
        "Salt Lake City", "San Antonio", "San Diego", "San Francisco", "Seattle", "St. Paul", "Washington"]  # fmt: skip
STATUSES = ["6-Deported/Removed - Deportability", "8-Excluded/Removed - Inadmissibility", "A-Proceedings Terminated",
            "ACTIVE", "3-Voluntary Departure Confirmed", "E-Relief Granted"]  # fmt: skip
CATEGORIES = ["[16] Reinstated Final Order", "[8C] Excludable / Inadmissible - Administrative Final Order Issued",
              "[3] Deportable - Under Adjudication by IJ", "[14] Paroled - Voluntary Departure Granted"]  # fmt: skip
COUNTRIES = {"MEXICO": 40, "GUATEMALA": 15, "HONDURAS": 14, "EL SALVADOR": 8, "VENEZUELA": 5, "COLOMBIA": 4,
             "ECUADOR": 4, "NICARAGUA": 3, "DOMINICAN REPUBLIC": 2, "CUBA": 2, "INDIA": 1, "BRAZIL": 2}  # fmt: skip
LANDMARKS = ["FRE GENERAL AREA, NON-SPECIFIC", "HOU COUNTY JAIL", "ATL GENERAL AREA, NON-SPECIFIC", "MIA JAIL",
             "DAL GENERAL AREA, NON-SPECIFIC", "NYC STREET ARREST", "PHO 287G JAIL"]  # fmt: skip
START = np.datetime64("2022-10-01")
DAYS = 3 * 365 + 14


def choice(rng: np.random.Generator, weights: dict[str, float], size: int, missing: float = 0.0) -> pa.DictionaryArray:
    """A dictionary-encoded column drawn by weight, with a share of nulls: how releases repeat a few values."""
    values = list(weights)
    p = np.array([weights[v] for v in values], dtype=float)
    indices = rng.choice(len(values), size=size, p=p / p.sum()).astype(np.int32)
    mask = rng.random(size) < missing if missing else None
    return pa.DictionaryArray.from_arrays(pa.array(indices, mask=mask), pa.array(values))


def constant(value: str, size: int) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(size, dtype=np.int32)), pa.array([value]))


def synthetic_table(rows: int, seed: int = 287) -> pa.Table:
    rng = np.random.default_rng(seed)
    apprehended = START + rng.integers(0, DAYS, rows).astype("timedelta64[D]")
    removed = rng.random(rows) < 0.55
    departed = apprehended + rng.integers(1, 240, rows).astype("timedelta64[D]")
    final_order = rng.random(rows) < 0.6
    columns = {
        "Apprehension Date": pa.array(apprehended, type=pa.date32()),
        "Apprehension State": choice(rng, STATES, rows, missing=0.03),
        "Apprehension County": pa.nulls(rows, pa.string()),
        "Apprehension AOR": choice(rng, {f"{a} Area of Responsibility": 1 for a in AORS}, rows),
        "Final Program": choice(rng, PROGRAMS, rows),
        "Final Program Group": constant("ICE", rows),
        "Apprehension Method": choice(rng, METHODS, rows, missing=0.01),
        "Apprehension Criminality": choice(rng, CRIMINALITY, rows),
        "Case Status": choice(rng, {s: 1 for s in STATUSES}, rows),
        "Case Category": choice(rng, {c: 1 for c in CATEGORIES}, rows),
        "Departed Date": pa.array(departed, type=pa.date32(), mask=~removed),
        "Departure Country": choice(rng, COUNTRIES, rows),
        "Final Order Yes No": pa.array(final_order),
        "Final Order Date": pa.array(
            apprehended + rng.integers(0, 90, rows).astype("timedelta64[D]"), type=pa.date32(), mask=~final_order
        ),
        "Birth Date": constant(REDACTED, rows),
        "Birth Year": pa.array(rng.integers(1950, 2008, rows)),
        "Citizenship Country": choice(rng, COUNTRIES, rows),
        "Gender": choice(rng, {"Male": 85, "Female": 15}, rows),
        "Apprehension Site Landmark": choice(rng, {landmark: 1 for landmark in LANDMARKS}, rows),
        "Alien File Number": constant(REDACTED, rows),
        "EID Case ID": constant(REDACTED, rows),
        "EID Subject ID": constant(REDACTED, rows),
        "Unique Identifier": pa.array(np.char.mod("%040x", rng.integers(0, 2**62, rows))),
    }
    return pa.table(columns)


def snake(name: str) -> str:
    return name.lower().replace(" ", "_")


def write_parquet(table: pa.Table, path: Path, names: str) -> None:
    # Plain string columns, as the published files declare them; Parquet still dictionary-encodes the pages.
    table = table.cast(
        pa.schema([pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type) for f in table.schema])
    )
    if names == "snake":
        table = table.rename_columns([snake(n) for n in table.column_names])
    pq.write_table(table, path)


def write_xlsx(table: pa.Table, path: Path, rows_per_sheet: int) -> None:
    """A release-shaped workbook: banner rows above the header, the records split over several sheets."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    records = table.to_pylist()
    for start in range(0, len(records), rows_per_sheet):
        sheet = workbook.create_sheet(f"Arrests (Sheet {start // rows_per_sheet + 1})")
        sheet.append(["U.S. Immigration and Customs Enforcement"])
        sheet.append(["ERO Administrative Arrests (synthetic records for a benchmark, not ICE data)"])
        sheet.append([f"Generated {dt.date.today().isoformat()}"])
        sheet.append([])
        sheet.append(["Redactions: (b)(6), (b)(7)(c)"])
        sheet.append([])
        sheet.append(COLUMNS)
        for record in records[start : start + rows_per_sheet]:
            sheet.append([record[c] for c in COLUMNS])
    workbook.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="where to write the Parquet file (outside the repository)")
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--seed", type=int, default=287)
    parser.add_argument(
        "--names",
        choices=["snake", "title"],
        default="snake",
        help="snake_case (the project's Parquet releases) or the release headers",
    )
    parser.add_argument("--xlsx", type=Path, help="also write a release-shaped workbook of --xlsx-rows records")
    parser.add_argument("--xlsx-rows", type=int, default=20_000)
    parser.add_argument("--rows-per-sheet", type=int, default=8_000)
    args = parser.parse_args(argv)
    repo = Path(__file__).resolve().parents[1]
    for target in filter(None, (args.path, args.xlsx)):
        # .bench/ is git-ignored scratch space where `make bench` works; nowhere else in the tree.
        if repo in target.resolve().parents and (repo / ".bench") not in target.resolve().parents:
            parser.error(f"{target}: write outside the repository ({repo}), or under its .bench/")
        target.parent.mkdir(parents=True, exist_ok=True)
    write_parquet(synthetic_table(args.rows, args.seed), args.path, args.names)
    print(f"{args.path}: {args.rows:,} synthetic records, {args.path.stat().st_size / 1e6:.1f} MB")
    if args.xlsx:
        write_xlsx(synthetic_table(args.xlsx_rows, args.seed + 1), args.xlsx, args.rows_per_sheet)
        print(f"{args.xlsx}: {args.xlsx_rows:,} synthetic records, {args.xlsx.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
