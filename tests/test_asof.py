"""`ledger asof`: the agreements in force on a day equal the rows of the list in force that day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from ledger import cli
from ledger.history import asof
from ledger.history.contract import AGREEMENTS
from ledger.ingest.contract import PUBLICATIONS


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
        (dt.date(2021, 1, 13), "participating-20210112-192027", 6),
        (dt.date(2025, 7, 7), "participating-20250221-164937", 7),  # the list in force, not one of that day
        (dt.date(2025, 7, 8), "participating-20250708-170000", 9),
        (dt.date(2026, 11, 22), "participating-20260107-090000", 8),  # Bucks County is dropped from the latest list
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


@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2025, 7, 8), {"FL-collier-county-sheriffs-office-wso-2019-07-08", "GA-cobb-county-sheriffs-office-jem-2020-06-01"}),
        # Alamance's old agreement is renewed on that list: superseded, not missing.
        (dt.date(2026, 1, 7), {
            "FL-collier-county-sheriffs-office-jem-2019-07-08", "FL-collier-county-sheriffs-office-wso-2019-07-08",
            "GA-cobb-county-sheriffs-office-jem-2020-06-01", "PA-bucks-county-sheriffs-office-wso-2020-09-15",
        }),
    ],
)  # fmt: skip
def test_missing_on_a_day_is_told_apart_from_the_list_in_force(sample_build, tmp_path, day, expected):
    build = sample_build / "build"
    agreements, publications = pd.read_parquet(build / AGREEMENTS.file), pd.read_parquet(build / PUBLICATIONS.file)
    missing = asof.missing_on(agreements, publications, day)
    assert set(missing["agreement_id"]) == expected
    assert not set(missing["agreement_id"]) & set(asof.active_on(agreements, publications, day)["agreement_id"])
    asof.run(sample_build, day, out=tmp_path)
    assert set(pd.read_csv(tmp_path / f"missing-{day}.csv")["agreement_id"]) == expected


def test_missing_on_the_latest_day_is_the_missing_status(sample_build):
    build = sample_build / "build"
    agreements, publications = pd.read_parquet(build / AGREEMENTS.file), pd.read_parquet(build / PUBLICATIONS.file)
    now = agreements[(agreements["list_kind"] == "participating") & (agreements["status"] == "missing")]
    assert set(asof.missing_on(agreements, publications, dt.date(2026, 11, 22))["agreement_id"]) == set(now["agreement_id"])
