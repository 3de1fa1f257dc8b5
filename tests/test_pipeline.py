"""The pipeline's contracts: one declaration per stage, and everything derived from it."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from ledger import pipeline
from ledger.common.contracts import Column, Table, conform, save_table
from ledger.common.errors import LedgerError
from ledger.common.paths import PACKAGE, REPO

STAGE_LINE = re.compile(r"^(ingest|history|removals|downloads|render): (nothing new)?", re.M)


def test_stages_run_in_an_order_where_each_reads_only_earlier_stages():
    names = [stage.name for stage in pipeline.ordered()]
    assert names == ["ingest", "history", "removals", "downloads", "render", "check"]
    for index, stage in enumerate(pipeline.ordered()):
        assert set(stage.reads) <= set(names[:index])


def test_every_column_of_every_table_has_a_type_and_a_description():
    files = [table.file for _, table in pipeline.tables()]
    assert len(files) == len(set(files)), "two stages declare the same table"
    for row in pipeline.dictionary_rows():
        assert row["type"] and row["description"].strip(), row


@pytest.mark.parametrize(
    "frame, message",
    [
        (pd.DataFrame({"a": [1]}), "lacks declared column(s) b"),
        (pd.DataFrame({"a": [1], "b": [2], "c": [3]}), "has undeclared column(s) c"),
    ],
)
def test_a_table_that_differs_from_its_contract_is_refused(tmp_path, frame, message):
    table = Table("t.csv", "a test table", (Column("a", "integer", "one"), Column("b", "integer", "two")))
    with pytest.raises(LedgerError, match=re.escape(message)):
        save_table(tmp_path, table, frame)
    assert not (tmp_path / "t.csv").exists()
    assert list(conform(table, pd.DataFrame({"b": [2], "a": [1]})).columns) == ["a", "b"]


def test_ledger_stages_prints_the_graph_and_the_dictionary(capsys):
    from ledger import cli

    assert cli.main(["stages"]) == 0
    graph = capsys.readouterr().out
    assert "history: " in graph and "writes agreements.parquet" in graph
    assert cli.main(["stages", "--dictionary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "table,stage,column,type,description"
    assert len(lines) == 1 + len(pipeline.dictionary_rows())
    assert any(line.startswith("agreements.parquet,history,agreement_id,string,") for line in lines)


def test_readme_pipeline_table_is_the_one_the_contracts_make():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert pipeline.markdown_table() in readme, "README's pipeline table is stale: paste `ledger stages --markdown`"


def test_a_stage_code_includes_every_module_it_imports_and_nothing_of_later_stages():
    ingest = set(pipeline.code_files("ledger.ingest"))
    assert PACKAGE / "common" / "text.py" in ingest
    assert not any("site" in p.relative_to(PACKAGE).parts[:1] for p in ingest)
    history = set(pipeline.code_files("ledger.history"))
    assert not any(p.relative_to(PACKAGE).parts[0] == "ingest" and p.name != "contract.py" for p in history), (
        "history may read ingest's contract, never its internals"
    )


def test_no_stage_imports_another_stage_internals():
    stage_packages = {stage.package.split(".")[1] for stage in pipeline.ordered()}
    for stage in pipeline.ordered():
        own = stage.package.split(".")[1]
        for path in sorted((PACKAGE / own).rglob("*.py")):
            for name in pipeline.imports_of(path):
                parts = name.split(".")
                if len(parts) > 1 and parts[1] in stage_packages - {own}:
                    assert parts[2:3] in (["contract"], []), f"{path.relative_to(PACKAGE)} imports {name}"


def test_no_module_is_over_400_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def build(data: Path, site: Path) -> set[str]:
    """Run `ledger build` and return the stages that ran (the others said 'nothing new').

    The folders are given relative to the working directory, as a person types them.
    """
    result = subprocess.run(
        [sys.executable, "-m", "ledger.cli", "--data-dir", data.name, "--site-dir", site.name, "build"],
        capture_output=True, text=True, cwd=data.parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return {name for name, skipped in STAGE_LINE.findall(result.stdout) if not skipped}


def test_touching_a_module_re_runs_exactly_the_stages_that_run_it(tmp_path):
    data, site = tmp_path / "data", tmp_path / "site"
    assert subprocess.run([sys.executable, "-m", "ledger.cli", "--data-dir", str(data), "sample"], cwd=REPO).returncode == 0
    assert build(data, site) == {"ingest", "history", "removals", "downloads", "render"}
    assert build(data, site) == set()  # nothing changed, nothing runs
    # One module of each package in turn: a comment changes its bytes and nothing it computes.
    for package in ("sources", "ingest", "history", "removals", "downloads", "site", "common"):
        # The first module of the package that some stage runs (sources/fetch.py, say, is no stage's).
        module = next(
            p for p in sorted((PACKAGE / package).glob("*.py"))
            if p.name != "__init__.py" and set(pipeline.stages_running(p)) - {"check"}
        )  # fmt: skip
        expected = set(pipeline.stages_running(module)) - {"check"}
        original = module.read_bytes()
        try:
            module.write_bytes(original + b"\n# touched by test_pipeline\n")
            ran = build(data, site)
        finally:
            module.write_bytes(original)
        assert ran == expected, f"touching {module.relative_to(PACKAGE)}"
        build(data, site)  # back to the original bytes: the same stages again
    shutil.rmtree(site)


def test_a_forks_site_url_reruns_exactly_the_stages_that_write_addresses(tmp_path, monkeypatch):
    """LEDGER_SITE_URL stands in for mkdocs.yml's site_url: the stages reading mkdocs.yml see it in their stamps, the others do not."""
    monkeypatch.delenv("LEDGER_SITE_URL", raising=False)
    before = {s.name: pipeline.stamp_of(s, tmp_path)[1] for s in pipeline.ordered()}
    monkeypatch.setenv("LEDGER_SITE_URL", "https://example.org/fork/")
    after = {s.name: pipeline.stamp_of(s, tmp_path)[1] for s in pipeline.ordered()}
    assert {name for name in before if before[name] != after[name]} == {"downloads", "render"}
