"""`ledger asof`: the agreements in force on a day equal the rows of the list in force that day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger import cli
from ledger.history import asof


@pytest.fixture(scope="module")
def sample_build(tmp_path_factory):
    data = tmp_path_factory.mktemp("asof") / "data"
    for command in (["sample"], ["ingest"], ["history"]):
        assert cli.main(["--data-dir", str(data), *command]) == 0
    return data


@pytest.mark.parametrize(
    "day, expected_list, expected_count",
    [
        (dt.date(2020, 12, 31), None, 0),  # before the first list
        (dt.date(2021, 1, 13), "participating-20210113-002027", 6),
        (dt.date(2025, 7, 7), "participating-20250221-214937", 7),  # the list in force, not one of that day
        (dt.date(2025, 7, 8), "participating-20250708-170000", 9),
        (dt.date(2026, 11, 22), "participating-20260107-090000", 9),
    ],
)
def test_active_on_a_day_is_the_list_in_force(sample_build, tmp_path, day, expected_list, expected_count):
    active, _, publication = asof.run(sample_build, day, out=tmp_path)
    assert (publication["publication_id"] if publication is not None else None) == expected_list
    assert len(active) == expected_count
    if publication is not None:
        rows = pd.read_parquet(sample_build / "build" / "sheet_rows.parquet")
        assert len(active) == len(rows[rows["publication_id"] == expected_list])
        assert len(pd.read_csv(tmp_path / f"active-{day}.csv")) == expected_count


def test_changes_on_a_day(sample_build, capsys):
    _, changed, _ = asof.run(sample_build, dt.date(2026, 1, 7))
    assert set(changed["publication_id"]) == {"participating-20260107-090000"}
    assert cli.main(["--data-dir", str(sample_build), "asof", "2026-01-07"]) == 0
    assert f"changes published that day: {len(changed)}" in capsys.readouterr().out
