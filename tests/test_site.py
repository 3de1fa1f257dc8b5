"""The site: golden Markdown of a state and an agency page, the site checks, and a real browser.

The site is built once per session from the project's sample archive (tiny workbooks in ICE's
layouts), into a temporary folder, so the working tree's generated pages are never touched.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from ledger import checks
from ledger import site as render
from ledger.common.models import SUPPORT_TYPES
from ledger.common.states import state_count
from ledger.history.rules import AGENCY_STATUSES, AGREEMENT_STATUSES, CHANGE_TYPES, FIELDS
from ledger.site.contract import CHANGE_COUNTS
from ledger.site.pages.common import SUMMARY_ALWAYS, SUMMARY_WHEN_ANY
from ledger.site.tables import DISPLAY_ORDER

from .conftest import SCREENSHOTS, serve

GOLDEN = Path(__file__).parent / "golden"


# openpyxl stamps a workbook's docProps/core.xml `modified` with the time of saving, whatever the
# sample writer sets, so the sample's workbooks (and their sha256s) change from run to run: the
# published workbook's name is compared as its shape here; test_site_figures checks each link's
# file against its sha256.
SHA256_LINK = re.compile(r"data/ice/[0-9a-f]{64}\.xlsx")


def compare_golden(actual: str, name: str) -> None:
    actual = SHA256_LINK.sub("data/ice/<sha256>.xlsx", actual)
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        if not os.environ.get("UPDATE_GOLDEN"):
            pytest.fail(f"golden file {path} was missing and has been written: review it and commit it")
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), "golden", "built"))
        pytest.fail(f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff[:4000]}")


def test_state_page_markdown_matches_golden(built):
    _, work, _ = built
    compare_golden((work / "site_src" / "states" / "fl.md").read_text(encoding="utf-8"), "state_fl.md")


def test_agency_page_markdown_matches_golden(built):
    _, work, _ = built
    page = work / "site_src" / "agencies" / "FL-collier-county-sheriffs-office.md"
    compare_golden(page.read_text(encoding="utf-8"), "agency_fl_collier.md")


def test_every_state_dc_and_territory_has_a_page_and_the_site_checks_pass(built):
    data, _, site = built
    assert len(list((site / "states").glob("*/index.html"))) == 56
    no_agreement = (site / "states" / "vt" / "index.html").read_text()
    assert "ICE has listed no 287(g) agreement in Vermont" in no_agreement
    qa = pd.DataFrame(checks.site_checks(site, data))
    assert "fail" not in set(qa["status"]), qa[qa["status"] == "fail"]


def test_a_published_workbook_that_is_not_its_sha256_or_not_listed_fails_the_checks(built, tmp_path):
    import shutil

    from ledger.checks.figures import workbook_checks

    site = tmp_path / "site"
    shutil.copytree(built[2] / "data", site / "data")
    assert {q["status"] for q in workbook_checks(site)} == {"pass"}
    first = sorted((site / "data" / "ice").glob("*.xlsx"))[0]
    first.write_bytes(first.read_bytes() + b"x")
    (site / "data" / "ice" / ("0" * 64 + ".xlsx")).write_bytes(b"stray")
    failed = {q["check"] for q in workbook_checks(site) if q["status"] == "fail"}
    assert failed == {"ice_workbooks_named_by_sha256", "ice_workbooks_unlisted", "ice_workbook_misnamed"}


def test_every_page_says_it_is_sample_data(built):
    _, _, site = built
    pages = list(site.rglob("index.html"))
    assert len(pages) > 60
    missing = [str(p.relative_to(site)) for p in pages if "Sample data." not in p.read_text() and "404" not in str(p)]
    assert missing == []


def test_names_are_escaped_in_markdown_and_html():
    assert render.md("Smith *County* [x](javascript:alert(1)) <script>") == (
        "Smith \\*County\\* \\[x\\]\\(javascript:alert\\(1\\)\\) &lt;script&gt;"
    )
    assert render.h('"O\'Brien" <b>') == "&quot;O&#x27;Brien&quot; &lt;b&gt;"
    assert render.safe_url("javascript:alert(1)") == ""
    assert render.safe_url("https://www.ice.gov/a.pdf?x=1&y=2") == "https://www.ice.gov/a.pdf?x=1&amp;y=2"


def test_every_message_used_by_the_templates_is_in_the_catalog():
    import re

    catalog = render.Messages("en").catalog
    used = set()
    for path in (render.SITE_SRC / "templates").glob("*.j2"):
        used |= set(re.findall(r"""t\("([^"]+)\"""", path.read_text()))
    assert used and not (used - set(catalog))


def test_every_message_in_the_catalog_is_used():
    """A key is used when a template or the site's code names it, or when it labels a value the pages show."""
    catalog = render.Messages("en").catalog
    code = [*(render.SITE_SRC / "templates").glob("*.j2"), *Path(render.__file__).parent.rglob("*.py")]
    quoted = set()
    for path in code:
        quoted |= set(re.findall(r'"([^"\n]+)"', path.read_text()))
    words = [f"status.{s}" for s in [*DISPLAY_ORDER, *AGENCY_STATUSES]] + [f"change.{c}" for c in CHANGE_COUNTS]
    labels = {f"model.{m}" for m in SUPPORT_TYPES} | set(words) | {f"{w}.meaning" for w in words} | {f"field.{f}" for f in [*FIELDS, "support_type"]}
    labels |= {f"moa_status.{v}" for v in MOA_STATUSES} | {f"summary.{c}" for c in SUMMARY_ALWAYS + SUMMARY_WHEN_ANY}
    unused = sorted(key for key in catalog if not key.startswith("_") and key not in quoted | labels)
    assert unused == []


MOA_STATUSES = ["posted", "other address", "pending", "none"]  # ingest's moa_status values


def test_every_status_and_change_type_of_the_vocabulary_has_a_label_and_a_meaning():
    """history/rules.py is the vocabulary's one home: a word added there without a label fails here."""
    catalog = render.Messages("en").catalog
    statuses = set(AGREEMENT_STATUSES) | set(AGENCY_STATUSES)
    keys = [f"status.{s}" for s in statuses] + [f"change.{c}" for c in CHANGE_TYPES]
    missing = sorted(k for k in keys + [f"{k}.meaning" for k in keys] if k not in catalog)
    assert missing == []
    assert set(CHANGE_TYPES) <= set(CHANGE_COUNTS) and set(AGREEMENT_STATUSES) <= set(DISPLAY_ORDER)


def test_two_builds_from_one_checkout_at_the_same_time_keep_apart(tmp_path):
    """Each build's pages and mkdocs.yml live under its own data directory, never in the checkout's site_src."""
    before = sorted(str(p.relative_to(render.SITE_SRC)) for p in render.SITE_SRC.rglob("*"))
    ledger = [sys.executable, "-m", "ledger.cli"]
    data = {name: tmp_path / name / "data" for name in ("full", "earlier")}
    for folder in data.values():
        subprocess.run([*ledger, "--data-dir", str(folder), "sample"], check=True, capture_output=True)
    # The second archive lacks the latest participating list: its site is as of an earlier list.
    manifest = data["earlier"] / "raw" / "manifest.csv"
    lines = manifest.read_text().splitlines(keepends=True)
    manifest.write_text("".join(line for line in lines if "participatingAgencies01072026am" not in line))
    builds = {
        name: subprocess.Popen([*ledger, "--data-dir", str(folder), "--site-dir", str(folder.parent / "site"), "build"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for name, folder in data.items()
    }  # fmt: skip
    for name, process in builds.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, (name, stderr.decode()[-2000:])
    full = pd.read_parquet(data["full"] / "build" / "national_figures.parquet").iloc[0]
    earlier = pd.read_parquet(data["earlier"] / "build" / "national_figures.parquet").iloc[0]
    assert (full["as_of_date"], earlier["as_of_date"]) == ("2026-01-07", "2025-07-08")
    compare_golden((data["full"] / "build" / "site_src" / "states" / "fl.md").read_text(encoding="utf-8"), "state_fl.md")
    for name, folder in data.items():
        figures = pd.read_parquet(folder / "build" / "state_figures.parquet")
        home = (folder.parent / "site" / "index.html").read_text()
        assert len(list((folder.parent / "site" / "states").glob("*/index.html"))) == state_count() == len(figures)
        assert f"{int(figures['active'].sum()):,}" in home and (full if name == "full" else earlier)["as_of_date"] in home
        assert json.loads((folder / "build" / "site_src" / "national" / "map.vl.json").read_text())["data"]
    after = sorted(str(p.relative_to(render.SITE_SRC)) for p in render.SITE_SRC.rglob("*"))
    assert after == before


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def server(built):
    with serve(built[2]) as address:
        yield address


@pytest.mark.browser
@pytest.mark.parametrize(
    "path, charts",
    [("/", 2), ("/states/fl/", 3), ("/states/vt/", 0), ("/agencies/FL-collier-county-sheriffs-office/", 0)],
    ids=["home", "state", "state-without-agreements", "agency"],
)
def test_pages_in_a_real_browser(server, browser, path, charts):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    errors, hosts = [], set()
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    if charts:
        page.wait_for_function(f"document.querySelectorAll('.ledger-chart.is-drawn, .ledger-chart.has-error').length >= {charts}", timeout=15000)
    drawn = page.eval_on_selector_all(".ledger-chart", "els => els.map(e => !!e.querySelector('.ledger-chart__canvas svg, .ledger-chart__canvas canvas'))")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{path.strip('/').replace('/', '_') or 'home'}.png"), full_page=True)
    page.close()
    assert drawn == [True] * charts
    assert errors == []
    assert hosts == {urlsplit(server).netloc}


@pytest.mark.browser
def test_tables_sort_and_charts_fall_back_to_svg_without_javascript(server, browser):
    page = browser.new_page()
    page.goto(server + "/states/")
    first = page.inner_text("table.ledger-sortable tbody tr:first-child td:first-child")
    page.click("table.ledger-sortable th:nth-child(2) button")
    page.click("table.ledger-sortable th:nth-child(2) button")  # descending: most active first
    top = page.inner_text("table.ledger-sortable tbody tr:first-child td:first-child")
    page.close()
    assert first == "Alabama" and top == "Texas"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "/states/fl/")
    images = page.eval_on_selector_all(".ledger-chart noscript", "els => els.length")
    page.close()
    context.close()
    assert images == 3  # timeline, county map, removals


def test_every_chart_the_site_ships_is_a_valid_vega_lite_spec(built):
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema import core

    schema = core.load_schema()
    specs = sorted(built[2].rglob("*.vl.json"))
    assert specs
    for path in specs:
        validate_jsonschema(json.loads(path.read_text(encoding="utf-8")), schema)
