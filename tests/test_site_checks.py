"""The built site's link and markup checks on small hand-made sites: links that resolve and links that do not, scanned in one process or many."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ledger.checks import site as site_module
from ledger.checks.site import content_security_policy, scan_pages

HEAD = '<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="{policy}"><title>t</title></head><body>{body}</body></html>'


def page(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD.format(policy=content_security_policy(), body=body), encoding="utf-8")


def small_site(root: Path, copies: int = 0) -> list[Path]:
    page(root / "index.html", '<a href="states/fl/">FL</a> <a href="missing.html">x</a> <a href="#top">top</a> <a href="https://www.ice.gov/">ICE</a>')
    page(root / "states" / "fl" / "index.html", '<a href="../../">home</a> <a href="../../../outside/">out</a> <a href="./">here</a> <a href="/404.html">404</a>')
    page(root / "404.html", '<a href="/states/fl/">FL</a> <a href="/states/zz/">ZZ</a> <img src="https://example.com/x.png" alt="">')
    for i in range(copies):
        page(root / "agencies" / f"a{i:04d}" / "index.html", f'<a href="../a{(i + 1) % copies:04d}/">next</a> <a href="../../states/fl/rows.csv">rows</a>')
    return sorted(root.rglob("*.html"))


def findings(root: Path, pages: list[Path]) -> dict[str, tuple[list, list, list]]:
    return {name: (problems, loads, broken) for name, problems, loads, broken in scan_pages(root, pages, content_security_policy())}


def test_links_that_resolve_pass_and_the_rest_are_named(tmp_path):
    found = findings(tmp_path, small_site(tmp_path))
    assert found["index.html"][2] == ["missing.html"]
    assert found["states/fl/index.html"][2] == ["../../../outside/"]
    assert found["404.html"][2] == ["/states/zz/"]
    assert found["404.html"][1] == ["https://example.com/x.png"]
    assert all(not problems for problems, _, _ in found.values())


def test_many_pages_are_scanned_in_parallel_with_the_same_findings_in_the_same_order(tmp_path, monkeypatch):
    pages = small_site(tmp_path, copies=site_module.SCAN_IN_PARALLEL_FROM + 10)
    parallel = scan_pages(tmp_path, pages, content_security_policy())
    monkeypatch.setattr(site_module, "SCAN_WORKERS", 1)
    serial = scan_pages(tmp_path, pages, content_security_policy())
    assert parallel == serial
    broken = {name: links for name, _, _, links in serial if links}
    # rows.csv is not there: every agency page names it; the rest is the three above.
    assert sum(1 for name in broken if name.startswith("agencies/")) == site_module.SCAN_IN_PARALLEL_FROM + 10
    assert set(broken) - {n for n in broken if n.startswith("agencies/")} == {"index.html", "states/fl/index.html", "404.html"}


def test_a_page_with_a_handler_fails_the_site_checks(tmp_path):
    small_site(tmp_path)
    page(tmp_path / "bad" / "index.html", '<img src="x.png" onerror="alert(1)" alt="">')
    qa = pd.DataFrame(site_module.site_checks(tmp_path, tmp_path))
    assert qa.loc[qa["check"] == "unsafe_markup", "value"].item() == 1
    assert "bad/index.html" in set(qa.loc[qa["check"] == "event_handler_attribute", "scope"])
    assert qa.loc[qa["check"] == "internal_links_resolve", "value"].item() == 4


@pytest.mark.parametrize("target", ["a%20b/", "a b/"])
def test_percent_encoded_links_resolve(tmp_path, target):
    page(tmp_path / "a b" / "index.html", "")
    page(tmp_path / "index.html", f'<a href="{target}">x</a>')
    assert findings(tmp_path, sorted(tmp_path.rglob("*.html")))["index.html"][2] == []
