"""The build against hostile lists: the post-build markup scan, MOA links, publication ids, and a site built from the hostile corpus."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd
import pytest

from ledger.checks.markup import page_problems, scan_page

from ledger.common.ids import SLUG_MAX_CHARS

from .conftest import SCREENSHOTS, serve
from .hostile import ICE_MOA, LONG_NAMES, MARKUP_NAMES, SCRIPT_NAMES, hostile_names, write_corpus

# A number in a CSV may start with a sign; text may not start with a formula character.
FLOAT_RE = re.compile(r"^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$")
# NUL and the other C0/C1 controls (but tab and newline), bidirectional controls, zero-width characters.
HIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

POLICY = "default-src 'self'"


def page(head: str = "", body: str = "", title: str = "A page") -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        f"<title>{title}</title>{head}</head><body>{body}</body></html>"
    )


def problems(text: str, policy: str | None = POLICY) -> list[str]:
    return [what for what, _ in page_problems(scan_page(text), policy)]


@pytest.mark.parametrize(
    "title, body",
    [
        ("&lt;/title&gt;&lt;img src=x onerror=alert(1)&gt;", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ("&lt;script&gt;x&lt;/script&gt; Sheriff", '<a href="../x/" title="&quot;&gt;&lt;svg onload=alert(1)&gt;">ok</a>'),
        ("javascript:alert(1)", "<td>javascript:alert(1) onerror= data:text/html</td>"),
    ],
)
def test_escaped_data_passes_the_scan(title, body):
    # Escaped text is text, however much it looks like markup: the build must not fail on it.
    assert problems(page(body=f"<table><tr>{body}</tr></table>", title=title)) == []


@pytest.mark.parametrize(
    "title, body, found",
    [
        ("</title><img src=x onerror=alert(1)>", "", "event_handler_attribute"),
        ("x", "<svg onload=alert(1)></svg>", "event_handler_attribute"),
        ("x", "<p ONMOUSEOVER='alert(1)'>hover</p>", "event_handler_attribute"),
        ("x", '<a href="javascript:alert(1)">MOA</a>', "script_url"),
        ("x", '<a href=" JaVaScRiPt:alert(1)">MOA</a>', "script_url"),
        ("x", '<a href="java&#x09;script:alert(1)">MOA</a>', "script_url"),
        ("x", '<img src="data:image/svg+xml;base64,PHN2Zz4=">', "script_url"),
        ("x", "<script>alert(1)</script>", "inline_script"),
        ("x", '<script src="https://evil.example/x.js"></script>', "foreign_script"),
        ("x", '<script src="//evil.example/x.js"></script>', "foreign_script"),
        ("x", "<iframe srcdoc='x'></iframe>", "unexpected_markup"),
        ("x", "<object data='x.swf'></object>", "unexpected_markup"),
        ("x", "<base href='https://evil.example/'>", "unexpected_markup"),
        ("x", "<p style='background:url(x)'>styled</p>", "unexpected_markup"),
        ("x", "<math><mi xlink:href='data:x,alert(1)'>x</mi></math>", "unexpected_markup"),
        ("a</title><title>b", "", "one_title"),
    ],
)
def test_markup_a_value_could_only_have_produced_unescaped_fails(title, body, found):
    assert found in problems(page(body=body, title=title))


def test_every_page_must_carry_the_policy_and_svg_files_are_scanned_for_scripts():
    bare = "<!doctype html><html><head><title>x</title></head><body></body></html>"
    assert problems(bare) == ["content_security_policy"]
    assert "content_security_policy" in problems(page().replace(POLICY, "default-src *"))
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g><text x="1">&lt;script&gt;</text></g></svg>'
    assert problems(svg, None) == []
    assert set(problems('<svg><script>alert(1)</script><rect onclick="x"/></svg>', None)) == {"inline_script", "event_handler_attribute"}
    # The theme's settings are data in a <script> the browser never runs.
    assert problems(page(body='<script id="__config" type="application/json">{"a": 1}</script><script src="assets/x.js"></script>')) == []


@pytest.mark.parametrize(
    "href, link, refused",
    [
        ("https://www.ice.gov/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/a.pdf", None),
        ("http://www.ice.gov/doclib/287gMOA/a.pdf", "https://www.ice.gov/doclib/287gMOA/a.pdf", None),
        ("https://ice.gov/doclib/a.pdf", "https://ice.gov/doclib/a.pdf", None),
        ("https://WWW.ICE.GOV/doclib/a.pdf", "https://www.ice.gov/doclib/a.pdf", None),
        # ICE typed spaces into its own addresses; a browser sends them percent-encoded.
        ("https://www.ice.gov/doclib/287gMOA/287gJEM_ etowahCoAL.pdf", "https://www.ice.gov/doclib/287gMOA/287gJEM_%20etowahCoAL.pdf", None),
        ("https://web.archive.org/web/20250101000000/https://www.ice.gov/a.pdf", "https://www.ice.gov/a.pdf", None),
        ("chrome-extension://efaidnbmnnnibpcajpcglclefindmkaj/https:/www.ice.gov/doclib/a.pdf", "https://www.ice.gov/doclib/a.pdf", None),
        ("https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.ice.gov%2Fa.pdf&data=x", "https://www.ice.gov/a.pdf", None),
        ("javascript:alert(1)", None, "javascript:alert(1)"),
        ("JaVaScRiPt:alert(1)", None, "JaVaScRiPt:alert(1)"),
        ("data:text/html;base64,PHNjcmlwdD4=", None, "data:text/html;base64,PHNjcmlwdD4="),
        ("https://www.ice.gov.evil.example/a.pdf", None, "https://www.ice.gov.evil.example/a.pdf"),
        ("https://evilice.gov/a.pdf", None, "https://evilice.gov/a.pdf"),
        ("https://user:pass@www.ice.gov/a.pdf", None, "https://user:pass@www.ice.gov/a.pdf"),
        ("https://www.ice.gov@evil.example/a.pdf", None, "https://www.ice.gov@evil.example/a.pdf"),
        ("https://www.ice.gov:8443/a.pdf", None, "https://www.ice.gov:8443/a.pdf"),
        ("ftp://www.ice.gov/a.pdf", None, "ftp://www.ice.gov/a.pdf"),
        ("https://web.archive.org/web/20250101000000/https://evil.example/a.pdf", None, "https://web.archive.org/web/20250101000000/https://evil.example/a.pdf"),
        ("https://nam11.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)", None, "https://nam11.safelinks.protection.outlook.com/?url=javascript%3Aalert(1)"),
        ("https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Fm.pdf", None, "https://nam11.safelinks.protection.outlook.com/?url=https%3A%2F%2Fevil.example%2Fm.pdf"),
        ("link", None, None),
        ("link pending", None, None),
    ],
)
def test_moa_links_only_to_ice_and_anything_else_kept_as_text(href, link, refused):
    from ledger.ingest.cells import clean_link

    assert clean_link(href) == (link, refused)


# ---------------------------------------------------------------- a site built from the hostile corpus


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """(data dir, site dir, import output) of the hostile corpus, imported and built through every stage."""
    from ledger import cli

    root = tmp_path_factory.mktemp("hostile")
    paths = write_corpus(root / "lists")
    lines: list[str] = []
    status = {}
    for name, args in (("import", ["import", *map(str, paths)]), ("build", ["build"])):
        status[name] = run_cli(cli, ["--data-dir", str(root / "data"), "--site-dir", str(root / "site"), *args], lines)
    return root / "data", root / "site", lines, status


def run_cli(cli, argv: list[str], lines: list[str]) -> int:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(argv)
    lines += (out.getvalue() + err.getvalue()).splitlines()
    return code


def test_the_hostile_corpus_builds_without_a_traceback_and_the_site_checks_pass(hostile_site):
    data, site, lines, status = hostile_site
    assert "Traceback" not in "\n".join(lines)
    assert status == {"import": 0, "build": 0}, lines
    summary = pd.read_csv(data / "build" / "qa_summary.csv", dtype=str, keep_default_na=False)
    assert summary[summary["status"] == "fail"].empty
    unsafe = summary[summary["check"] == "unsafe_markup"]
    assert unsafe["value"].tolist() == ["0"] and unsafe["status"].tolist() == ["pass"]
    assert int(summary.loc[summary["check"] == "pages_scanned_for_markup", "value"].iloc[0]) > 30
    # Links elsewhere are kept as text in the data and flagged, one warning per list.
    rows = pd.read_parquet(data / "build" / "sheet_rows.parquet")
    elsewhere = set(rows["moa_other_address"].dropna())
    assert {"javascript:alert(11)", "https://www.ice.gov.evil.example/moa.pdf"} <= elsewhere
    assert set(rows.loc[rows["moa_other_address"].notna(), "moa_status"]) == {"other address"}
    assert (summary["check"] == "moa_not_on_ice_site").sum() == 2
    # Hidden characters are removed on the way in, and each list that had them is named.
    assert (summary["check"] == "characters_removed").sum() >= 2


def test_every_hostile_name_gets_its_own_agency_page(hostile_site):
    data, site, _, _ = hostile_site
    agencies = pd.read_parquet(data / "build" / "agencies.parquet")
    assert agencies["agency_id"].is_unique
    slugs = agencies["agency_id"].str.split("-", n=1).str[1]
    assert (slugs.str.len() > 0).all() and (slugs.str.len() <= SLUG_MAX_CHARS).all()
    # Each printed name is its own agency: nothing merged two names that only share their missing letters.
    # The =HYPERLINK name is written as a formula, which the reader counts and never runs: its
    # cell has no value, so those rows are set aside as missing an agency; every other name stays.
    rejected = pd.read_csv(data / "build" / "rejected_rows.csv", dtype=str, keep_default_na=False)
    assert set(rejected["reason"]) == {"missing_agency"} and len(rejected) == 3
    assert len(agencies) == len(hostile_names()) - 1 + 1
    for agency_id in agencies["agency_id"]:
        assert (site / "agencies" / agency_id / "index.html").exists()


def test_hostile_names_round_trip_exactly_through_the_json_api(hostile_site):
    """Every agency's document holds its name and spellings exactly as agencies.parquet does: JSON needs no escaping of its own."""
    import json

    data, site, _, _ = hostile_site
    agencies = pd.read_parquet(data / "build" / "agencies.parquet")
    state = json.loads((site / "api" / "v1" / "states" / "tx.json").read_text(encoding="utf-8"))
    names = {a["agency_id"]: a["agency_name"] for a in state["agencies"]}
    for agency in agencies.itertuples():
        document = json.loads((site / "api" / "v1" / "agencies" / f"{agency.agency_id}.json").read_text(encoding="utf-8"))
        assert document["agency"]["agency_name"] == agency.agency_name == names[agency.agency_id]
        assert document["agency"]["spellings"] == list(agency.spellings)
    # Markup, other scripts and long names are kept as printed (hidden characters and formulas are cleaned on the way in).
    assert set(MARKUP_NAMES + SCRIPT_NAMES + LONG_NAMES) <= set(agencies["agency_name"])


def test_published_files_hold_no_formula_no_hidden_character_and_no_foreign_moa(hostile_site):
    from ledger.common.ice import ice_address

    _, site, _, _ = hostile_site
    csvs = sorted(site.rglob("*.csv"))
    assert csvs
    for path in csvs:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in table.columns:
            for value in table[column]:
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")) or FLOAT_RE.match(value), (path.name, column, value)
        for value in table.get("moa_url", pd.Series(dtype=str)):
            assert value == "" or ice_address(value) == value, (path.name, value)
    for path in sorted(site.rglob("*")):
        if path.suffix in (".html", ".csv", ".json", ".svg", ".md", ".xml"):
            text = path.read_text(encoding="utf-8")
            assert not HIDDEN_RE.search(text), (path, HIDDEN_RE.search(text))


def test_moa_links_on_pages_only_point_to_ice(hostile_site):
    from ledger.checks.markup import scan_page
    from ledger.common.ice import ICE_HOSTS

    _, site, _, _ = hostile_site
    for page_path in (site / "agencies").glob("*/index.html"):
        text = page_path.read_text(encoding="utf-8")
        # The page's own content (the theme's header and footer link the theme's site).
        article = text[text.index("<article") : text.index("</article>")]
        # Citations (the Inspector General's report, a FOIA answer) are sources, not MOA links.
        article = re.sub(r'<p class="ledger-source">.*?</p>', "", article, flags=re.S)
        for tag, attribute, url in scan_page(article).urls:
            parts = urlsplit(url)
            if tag == "a" and parts.scheme:
                assert parts.scheme == "https" and (parts.hostname in ICE_HOSTS or parts.hostname == "web.archive.org"), url


def test_hostile_names_stay_escaped_in_well_formed_feeds(hostile_site):
    import html

    import feedparser

    data, site, _, _ = hostile_site
    changes = pd.read_parquet(data / "build" / "changes.parquet")
    feeds = sorted(p for p in (site / "feeds").rglob("*.xml") if p.name != "sitemap.xml")
    assert feeds
    named = set()
    for path in feeds:
        raw = path.read_bytes()
        parsed = feedparser.parse(raw)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert b"<script" not in raw.lower() and not HIDDEN_RE.search(raw.decode("utf-8"))
        for entry in parsed.entries:
            content = entry.content[0].value
            # The content is HTML: a name is text in it, escaped once, linked to its agency page.
            for name in changes.loc[changes["agency_id"].isin(re.findall(r"/agencies/([^/\"]+)/", content)), "agency_name"]:
                assert f">{html.escape(name, quote=True)}</a>" in content, (path.name, name)
                named.add(name)
    assert {n for n in named if "<script>" in n or "</title>" in n}, "no markup name reached a feed"


@pytest.mark.browser
def test_hostile_pages_in_a_real_browser_run_nothing_and_load_nothing_from_elsewhere(hostile_site, browser):
    _, site, _, _ = hostile_site
    pages = ["/", "/states/tx/", "/changes/", "/methodology/"] + [
        f"/agencies/{p.parent.name}/" for p in sorted((site / "agencies").glob("*/index.html"))
    ]
    with serve(site) as address:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        dialogs, hosts, errors, violations = [], set(), [], []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: (violations if "Content Security Policy" in m.text else errors).append(m.text) if m.type == "error" else None)
        for path in pages:
            page.goto(address + path)
            page.wait_for_load_state("networkidle")
            page.hover("h1")
        # The policy is in force: a script the page did not ship is refused, not run.
        page.goto(address + "/")
        page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1'; document.head.appendChild(s); }""")
        injected = page.evaluate("() => window.injected === 1")
        # Search shows the names as text: typing one draws results and runs nothing.
        page.fill("input[data-md-component=search-query]", "onerror")
        page.wait_for_timeout(1500)
        SCREENSHOTS.mkdir(exist_ok=True)
        page.goto(address + "/states/tx/")
        page.screenshot(path=str(SCREENSHOTS / "hostile_state_tx.png"), full_page=True)
        page.close()
    assert dialogs == []
    assert hosts == {urlsplit(address).netloc}
    assert errors == []
    assert not injected and violations, "the Content-Security-Policy did not refuse an injected script"


def test_two_different_lists_dated_to_one_moment_are_held_and_the_lists_beside_them_kept(write_list, tmp_path):
    from ledger import cli, ingest

    from .hostile import PARTICIPATING

    row = ["TEXAS", "A County Sheriff's Office", "County", "A", "Jail Enforcement Model", "2025-03-01", ("link", ICE_MOA.format("a"))]
    other = ["TEXAS", "B County Sheriff's Office", "County", "B", "Jail Enforcement Model", "2025-03-01", ("link", ICE_MOA.format("a"))]
    good = write_list("participatingAgencies03172025am.xlsx", PARTICIPATING, [row, other])
    first = write_list("first.xlsx", PARTICIPATING, [row])
    second = write_list("second.xlsx", PARTICIPATING, [other])
    data = str(tmp_path / "data")
    assert cli.main(["--data-dir", data, "import", str(good)]) == 0
    for path in (first, second):  # both given the same moment: which came first cannot be known
        assert cli.main(["--data-dir", data, "import", "--date", "2025-03-10", "--kind", "participating", str(path)]) == 0
    result = ingest.run(tmp_path / "data")
    assert result.publications["file_names"].str[0].tolist() == ["participatingAgencies03172025am.xlsx"]
    assert result.publications["publication_id"].is_unique
    held = [q for q in result.qa if q["check"] == "list_held_for_review"]
    assert [(q["scope"], q["status"]) for q in held] == [("first.xlsx, second.xlsx", "warn")]
