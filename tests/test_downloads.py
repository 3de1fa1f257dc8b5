"""The downloads: every published table in four formats with the build tables' rows, the Frictionless data package, spreadsheet-safe files, the same bytes on any day."""

from __future__ import annotations

import json
import re
import time
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ledger import cli
from ledger.common.contracts import Column
from ledger.downloads import stage as downloads
from ledger.downloads.contract import FORMATS, MANIFEST, PUBLISHED, SOURCES

from .hostile import FORMULA_NAMES, hostile_names, write_corpus

# Each published table and the build table whose rows it has (None: every stage's checks); the contract's SOURCES must agree.
UPSTREAM = {
    "agreements": "agreements.parquet", "agencies": "agencies.parquet", "changes": "changes.parquet",
    "publications": "publications.parquet", "sheet_rows": "sheet_rows.parquet", "rejected_rows": "rejected_rows.csv",
    "removals_by_agency": "removals_by_agency.parquet", "removals_by_state": "removals_by_state.parquet",
    "removals_by_year": "removals_by_year.parquet", "early_agencies": "early_agencies.parquet",
    "quality_checks": None,
}  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stages_to_downloads(data: Path) -> None:
    for command in (["ingest"], ["history"], ["removals"], ["downloads"]):
        assert cli.main(["--data-dir", str(data), *command]) == 0, command


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("downloads") / "data"
    assert cli.main(["--data-dir", str(data), "sample"]) == 0
    stages_to_downloads(data)
    return data


def build_rows(build: Path, name: str) -> int:
    upstream = UPSTREAM[name]
    if upstream is None:
        return sum(len(pd.read_csv(build / "qa" / f"{s}.csv")) for s in ("ingest", "history", "removals"))
    return len(pd.read_parquet(build / upstream)) if upstream.endswith(".parquet") else len(pd.read_csv(build / upstream))


def xlsx_rows(path: Path) -> int:
    """Data rows of a workbook's one sheet, read from its XML (openpyxl would take minutes on the archive's)."""
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    return len(re.findall(r"<row ", sheet)) - 1


def check_every_table_in_four_formats(data: Path) -> None:
    build, folder = data / "build", data / "build" / "downloads" / "data"
    listed = pd.read_parquet(build / "downloads.parquet")
    assert set(UPSTREAM) == {p.name for p in PUBLISHED} and {k: v or "qa" for k, v in UPSTREAM.items()} == SOURCES
    for p in PUBLISHED:
        expected = build_rows(build, p.name)
        mine = listed[listed["name"] == p.name]
        assert set(mine["format"]) == set(FORMATS), p.name
        assert len(pd.read_csv(folder / f"{p.name}.csv", dtype=str, keep_default_na=False)) == expected, p.name
        assert len(json.loads((folder / f"{p.name}.json").read_text(encoding="utf-8"))) == expected, p.name
        assert pq.ParquetFile(folder / f"{p.name}.parquet").metadata.num_rows == expected, p.name
        workbooks = mine[mine["format"] == "xlsx"]
        assert sum(xlsx_rows(build / "downloads" / path) for path in workbooks["path"]) == expected, p.name
        assert (mine.loc[mine["format"] != "xlsx", "rows"] == expected).all(), p.name
        assert workbooks["rows"].sum() == expected, p.name


def check_package(folder: Path) -> dict:
    """`frictionless validate <folder>/datapackage.json`, through Frictionless' own API; every column described."""
    from frictionless import validate

    package = folder / "datapackage.json"
    report = validate(str(package))
    errors = [f"{task.name}: {error.message}" for task in report.tasks for error in task.errors][:5]
    assert report.valid, errors
    descriptor = json.loads(package.read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        undescribed = [f["name"] for f in resource["schema"]["fields"] if not f.get("description", "").strip()]
        assert not undescribed, f"{resource['name']}: columns without a description: {undescribed}"
    return descriptor


def test_every_table_is_published_in_four_formats_with_the_build_tables_rows(sample):
    check_every_table_in_four_formats(sample)
    manifest = pd.read_csv(sample / "build" / "downloads" / "data" / "ice" / "manifest.csv", dtype=str)
    published = sorted(p.stem for p in (sample / "build" / "downloads" / "data" / "ice").glob("*.xlsx"))
    assert published == sorted(manifest["sha256"]) and len(manifest) == len(pd.read_parquet(sample / "build" / "publications.parquet"))


def test_the_data_package_validates_and_carries_the_contracts_keys(sample):
    descriptor = check_package(sample / "build" / "downloads" / "data")
    resources = {r["name"]: r for r in descriptor["resources"]}
    assert set(resources) == {p.name for p in PUBLISHED} | {MANIFEST.name}
    foreign = {(k["fields"][0], k["reference"]["resource"]) for r in resources.values() for k in r["schema"].get("foreignKeys", [])}
    # A change's agreement is an agreement; an agreement's agency is an agency; a row is of a list.
    assert {("agreement_id", "agreements"), ("agency_id", "agencies"), ("publication_id", "publications")} <= foreign
    assert resources["changes"]["schema"]["foreignKeys"][0]["reference"]["resource"] in resources
    assert resources["agreements"]["schema"]["primaryKey"] == ["agreement_id"]
    formats = {a["format"] for a in resources["sheet_rows"]["alternates"]}
    assert formats == {"xlsx", "json", "parquet"}
    assert descriptor["created"].startswith(str(pd.read_parquet(sample / "build" / "publications.parquet")["published_at"].max().date()))


def test_a_column_needs_a_description():
    with pytest.raises(ValueError, match="description"):
        Column("anything", "string", " ")


def test_a_broken_key_fails_the_package_validation(sample, tmp_path):
    """The validation is real: a change whose agreement is in no table is reported."""
    import shutil

    from frictionless import validate

    folder = tmp_path / "data"
    shutil.copytree(sample / "build" / "downloads" / "data", folder)
    changes = (folder / "changes.csv").read_text(encoding="utf-8").splitlines()
    changes[1] = changes[1].replace('"', '"NOT-AN-AGREEMENT-', 1) if changes[1].startswith('"') else changes[1]
    (folder / "changes.csv").write_text("\n".join(changes) + "\n", encoding="utf-8")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        resource.pop("hash", None), resource.pop("bytes", None)
    (folder / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    report = validate(str(folder / "datapackage.json"))
    assert not report.valid
    assert any(error.type == "foreign-key" for task in report.tasks for error in task.errors)


def test_the_same_tables_give_the_same_bytes_on_another_run(sample):
    root = sample / "build" / "downloads"
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    time.sleep(1.1)  # a clock read to the second would show
    downloads.run(sample)
    after = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert before.keys() == after.keys()
    assert [str(p) for p in before if before[p] != after[p]] == []


def test_the_sheet_rows_parquet_is_in_row_groups_ordered_by_list(sample):
    """DuckDB reads a published Parquet file by its address one row group at a time: the groups follow the lists, with statistics."""
    meta = pq.ParquetFile(sample / "build" / "downloads" / "data" / "sheet_rows.parquet").metadata
    column = meta.schema.names.index("publication_id")
    stats = [meta.row_group(i).column(column).statistics for i in range(meta.num_row_groups)]
    assert all(s is not None and s.has_min_max for s in stats)
    assert all(a.max <= b.min for a, b in zip(stats, stats[1:]))


# ---------------------------------------------------------------- names that would run in a spreadsheet


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile-downloads")
    data = root / "data"
    assert cli.main(["--data-dir", str(data), "import", *map(str, write_corpus(root / "lists"))]) == 0
    stages_to_downloads(data)
    return data


def workbook_cells(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode(), z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else ""


def test_no_download_has_a_cell_a_spreadsheet_would_run(hostile):
    folder = hostile / "build" / "downloads" / "data"
    csvs = sorted(folder.rglob("*.csv"))
    assert len(csvs) == len(PUBLISHED) + 1
    for path in csvs:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        running = [(c, v) for c in frame.columns for v in frame[c] if v.startswith(FORMULA_START)]
        assert not running, f"{path.name}: {running[:3]}"
    names = pd.read_csv(folder / "agencies.csv", dtype=str, keep_default_na=False)["agency_name"]
    assert any(v.startswith("'=") for v in names) and any(v.startswith("'@") for v in names)  # neutralised, not dropped
    workbooks = sorted(p for p in folder.glob("*.xlsx"))
    assert len(workbooks) >= len(PUBLISHED)
    for path in workbooks:
        sheet, strings = workbook_cells(path)
        assert "<f>" not in sheet and "<f " not in sheet, path.name  # no formula anywhere
        assert not re.search(r'<c [^>]*t="(str|e)"', sheet), path.name  # text is stored as text
    sheet, strings = workbook_cells(folder / "agencies.xlsx")
    assert ">=1+1 Tab Sheriff<" in strings  # the name as ICE typed it, stored as a string


def test_json_and_parquet_keep_every_name_exactly(hostile):
    folder = hostile / "build" / "downloads" / "data"
    agencies = pd.read_parquet(hostile / "build" / "agencies.parquet")
    names = set(agencies["agency_name"])
    assert set(pd.read_parquet(folder / "agencies.parquet")["agency_name"]) == names
    assert {r["agency_name"] for r in json.loads((folder / "agencies.json").read_text(encoding="utf-8"))} == names
    printed = {n for n in hostile_names() if n in names}
    assert set(FORMULA_NAMES) & printed


# ---------------------------------------------------------------- the shared archive


@pytest.mark.archive
def test_the_real_archives_downloads_are_complete_and_the_package_validates(real_build):
    data, site = real_build
    check_every_table_in_four_formats(data)
    check_package(site / "data")  # the files as the site serves them
    listed = pd.read_parquet(data / "build" / "downloads.parquet")
    for path in listed["path"]:  # every file the table lists is on the site, as listed
        assert (site / path).stat().st_size == int(listed.loc[listed["path"] == path, "bytes"].iloc[0]), path
    meta = pq.ParquetFile(site / "data" / "sheet_rows.parquet").metadata
    assert meta.num_row_groups > 1


def test_the_check_stage_fails_a_download_that_lost_rows(sample, tmp_path):
    """The reconciliation is a check that fails the build: a published Parquet file short of rows is caught."""
    import shutil

    from ledger.checks.downloads import download_checks

    build = tmp_path / "build"
    shutil.copytree(sample / "build", build)
    assert all(row["status"] == "pass" for row in download_checks(build, None))
    path = build / "downloads" / "data" / "agreements.parquet"
    pq.write_table(pq.read_table(path).slice(0, 1), path)
    failed = [row for row in download_checks(build, None) if row["status"] == "fail"]
    assert [row["scope"] for row in failed] == ["agreements"]
