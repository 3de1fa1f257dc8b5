"""The change log's Atom feeds: parsed back with feedparser, their entries counted against list_changes, their links and dates checked, and the same bytes on any day."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import feedparser
import pandas as pd
import pytest

from ledger import site as render
from ledger.common.addresses import site_url
from ledger.site.contract import CHANGE_COUNTS, count_column
from ledger.site.feeds import FEED_LISTS, atom, entry_html, Entry, Feed

T = render.Messages("en")
BASE = site_url()
HREF = re.compile(r'href="([^"]+)"')
# What change_summary names: added (the `new` column) and dropped always, the others when not zero.
SUMMARY = [("new", "added", True), ("dropped", "dropped", True), ("ended", "ended", False), ("back", "back", False), ("renamed", "renamed", False), ("lapsed", "lapsed", False)]


def expected_title(row) -> str:
    parts = [f"{int(row[column]):,} {word}" for column, word, always in SUMMARY if always or int(row[column])]
    kind = "ICE pending list" if row["list_kind"] == "pending" else "ICE list"
    return f"{kind} of {row['published_at']}: {', '.join(parts)}"


def expected_lists(counts: pd.DataFrame, state: str) -> pd.DataFrame:
    """The lists a feed of one scope must have an entry for: those whose saved counts are not all zero there, newest first."""
    mine = counts[counts["state"] == state]
    mine = mine[mine[[count_column(c) for c in CHANGE_COUNTS]].sum(axis=1) > 0]
    return mine.sort_values(["published_at", "publication_id"], ascending=False).head(FEED_LISTS)


def site_file(site: Path, address: str) -> Path:
    """The built file an absolute address of the site serves."""
    assert address.startswith(BASE), address
    path = site / address[len(BASE):]
    return path / "index.html" if address.endswith("/") else path


def check_feeds(data: Path, site: Path) -> dict[str, feedparser.FeedParserDict]:
    """Every feed the site must have parses cleanly, each entry's title, date, changes and links as the saved tables say. Returns the parsed feeds by path."""
    build = data / "build"
    counts = pd.read_parquet(build / "list_changes.parquet")
    changes = pd.read_parquet(build / "changes.parquet")
    times = pd.read_parquet(build / "publications.parquet").set_index("publication_id")["published_at"]
    states = pd.read_parquet(build / "state_figures.parquet")
    scopes = {"feeds/changes.xml": ""} | {f"feeds/states/{u.lower()}.xml": u for u in states.loc[states["ever"] > 0, "usps"]}
    written = sorted(p.relative_to(site).as_posix() for p in (site / "feeds").rglob("*.xml") if p.name != "sitemap.xml")
    assert written == sorted(scopes)
    parsed = {}
    for path, state in scopes.items():
        feed = feedparser.parse((site / path).read_bytes())
        assert not feed.bozo, (path, feed.get("bozo_exception"))
        newest = max([dt.datetime.fromisoformat(e.updated) for e in feed.entries], default=None)
        day = dt.datetime.fromisoformat(f"{times.max():%Y-%m-%d}T00:00:00+00:00")
        assert dt.datetime.fromisoformat(feed.feed.updated) == max(day, newest or day)  # from the data, never the clock
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [BASE + path]
        lists = expected_lists(counts, state)
        assert [e.title for e in feed.entries] == [expected_title(r) for _, r in lists.iterrows()], path
        assert len({e.id for e in feed.entries}) == len(feed.entries)
        for entry, (_, row) in zip(feed.entries, lists.iterrows()):
            moment = pd.Timestamp(times[row["publication_id"]]).tz_localize("America/New_York").tz_convert("UTC")  # ICE's wall clock, with its offset
            assert dt.datetime.fromisoformat(entry.published) == dt.datetime.fromisoformat(entry.updated) == moment
            assert site_file(site, entry.link).exists(), entry.link
            content = entry.content[0].value
            listed = changes[(changes["publication_id"] == row["publication_id"]) & ((changes["state"] == state) if state else True)]
            assert content.count("<li>") == len(listed)
            agencies = [href for href in HREF.findall(content) if "/agencies/" in href]
            assert sorted(agencies) == sorted(BASE + "agencies/" + listed["agency_id"] + "/")
            for href in HREF.findall(content):
                assert site_file(site, html.unescape(href)).exists(), href
        parsed[path] = feed
    return parsed


def test_every_feed_parses_and_its_entries_are_the_saved_counts_with_their_changes(built):
    data, _, site = built
    feeds = check_feeds(data, site)
    national = feeds["feeds/changes.xml"]
    assert national.feed.title == "287(g) Ledger: changes to ICE's 287(g) lists"
    assert len(national.entries) >= 3 and any(e.title.startswith("ICE pending list of ") for e in national.entries)
    assert feeds["feeds/states/fl.xml"].feed.title == "287(g) Ledger: changes in Florida"


def test_pages_advertise_the_national_feed_and_a_state_page_its_own(built):
    _, _, site = built
    alternate = re.compile(r'<link rel="alternate" type="application/atom\+xml" title="([^"]*)" href="([^"]*)">')
    fl = alternate.findall((site / "states" / "fl" / "index.html").read_text(encoding="utf-8"))
    assert fl == [("287(g) Ledger: changes to ICE&#x27;s 287(g) lists", "../../feeds/changes.xml"), ("287(g) Ledger: changes in Florida", "../../feeds/states/fl.xml")]
    for page in ("index.html", "about/index.html", "changes/index.html", "agencies/index.html" if (site / "agencies" / "index.html").exists() else "ended/index.html"):
        links = alternate.findall((site / page).read_text(encoding="utf-8"))
        assert len(links) == 1 and (site / page).parent.joinpath(links[0][1]).resolve() == (site / "feeds" / "changes.xml").resolve(), page
    # The theme fetches sitemap.xml beside every alternate link: each feed folder answers it.
    assert (site / "feeds" / "sitemap.xml").exists() and (site / "feeds" / "states" / "sitemap.xml").exists()
    # A state with no agreement on any list has no feed, and its page names none.
    assert not (site / "feeds" / "states" / "ak.xml").exists()
    assert len(alternate.findall((site / "states" / "ak" / "index.html").read_text(encoding="utf-8"))) == 1


class AnyDatetime(type):
    def __instancecheck__(cls, value):  # feedgen checks the dates it is given against the name it imported
        return isinstance(value, dt.datetime)


class LaterClock(dt.datetime, metaclass=AnyDatetime):
    """A clock ten years on: a feed that read it would change."""

    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2036, 1, 1, tzinfo=tz)


def test_the_same_inputs_give_the_same_feeds_byte_for_byte_on_another_day(built, tmp_path, monkeypatch):
    import feedgen.entry
    import feedgen.feed

    data, _, site = built
    monkeypatch.setattr(feedgen.feed, "datetime", LaterClock)
    monkeypatch.setattr(feedgen.entry, "datetime", LaterClock)
    result = render.run(data, mkdocs=False, work_dir=tmp_path)
    assert [f.path for f in result.feeds][0] == "feeds/changes.xml" and len(result.feeds) == len(list((site / "feeds").rglob("*.xml"))) - 2  # and the 2 sitemaps
    for feed in result.feeds:
        assert (tmp_path / "site_src" / feed.path).read_bytes() == (site / feed.path).read_bytes(), feed.path
        assert feed.entries == len(feedparser.parse((site / feed.path).read_bytes()).entries)
    assert b"2036" not in (site / "feeds" / "changes.xml").read_bytes()


def test_a_name_with_markup_and_control_characters_stays_escaped_and_the_feed_well_formed():
    name = "</content><script>alert(1)</script> \x00\x0b\x1b\ufffe O'Brien & Sons \U0001F693 Sheriff"
    rows = pd.DataFrame([{
        "agency_id": "FL-x", "agency_name": name, "state": "FL", "change": "added", "support_type": "Task Force Model",
        "field": None, "old_value": None, "new_value": None, "detail": "<b>note</b>\x07",
    }])  # fmt: skip
    counts = pd.Series({"source_file": "list\x01<i>.xlsx"})
    content = entry_html(T, counts, list(rows.itertuples(index=False)), {"Task Force Model": "Task force"}, BASE, "data/ice/x.xlsx")
    when = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
    entry = Entry("tag:example.org,2021:x:FL", "A title \x0c", BASE + "changes/", when, content)
    xml = atom(T, Feed("feeds/states/fl.xml", "tag:example.org,2021:changes:FL", "T\x00", "S", BASE, (entry,)), when)
    parsed = feedparser.parse(xml.encode("utf-8"))
    assert not parsed.bozo, parsed.get("bozo_exception")
    value = parsed.entries[0].content[0].value
    # The name as text: escaped once inside the HTML (and once more in the XML), the forbidden characters gone.
    assert '<a href="' + BASE + 'agencies/FL-x/">&lt;/content&gt;&lt;script&gt;alert(1)&lt;/script&gt;  O&#x27;Brien &amp; Sons \U0001F693 Sheriff</a>' in value
    assert "&amp;lt;/content&amp;gt;&amp;lt;script&amp;gt;" in xml and "<script" not in xml
    assert "&lt;b&gt;note&lt;/b&gt;</li>" in value and "list&lt;i&gt;.xlsx</a>" in value
    assert parsed.entries[0].title == "A title" and parsed.feed.title == "T"


@pytest.mark.archive
def test_the_real_archive_has_a_national_feed_of_its_latest_lists_and_one_per_state_with_agreements(real_build):
    data, site = real_build
    feeds = check_feeds(data, site)
    assert len(feeds["feeds/changes.xml"].entries) >= 20
    states = pd.read_parquet(data / "build" / "state_figures.parquet")
    assert len(feeds) == 1 + int((states["ever"] > 0).sum())
