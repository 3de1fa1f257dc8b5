"""Makes the change log's Atom feeds: feeds/changes.xml for the nation and feeds/states/<xx>.xml for every state that ever had an agreement, one entry per ICE list that changed something there.

Pure steps from the saved tables (list_changes for the counts, the change log for what changed)
to feed entries, then one writer. Nothing comes from the clock: a feed's date is the build's one
date and an entry's the list's, so the same lists give the same bytes on any day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from feedgen.feed import FeedGenerator

from ..common.addresses import FEEDS_FOLDER, agency_page, build_moment, national_feed, site_url, state_feed, state_page
from ..common.ice import ICE_TIME_ZONE
from .changelog import CHANGES_CSV, CHANGES_FOLDER, change_pages, workbooks
from .contract import CHANGE_COUNTS, count_column
from .format import h
from .messages import Messages
from .pages.common import Output, Site, change_details, change_summary

FEED_LISTS = 50  # entries a feed keeps, newest lists first; changes/changes.csv holds the whole log
TAG_DATE = "2021"  # the tag URIs' date (RFC 4151): the archive's first year, fixed so ids never change
ATOM = "application/atom+xml"
# What XML 1.0 allows in a document; anything else makes the file unreadable to every parser.
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# The overrides' partial that advertises the national feed on every page (main.html includes it).
FEED_LINK_PARTIAL = "overrides/generated/feed_link.html"
# The theme reads every <link rel="alternate"> as another language's copy of the site and fetches
# sitemap.xml beside its href: beside each feed folder, an empty sitemap answers it (no 404 on
# every page load; a feed reader finds the feeds by the standard rel="alternate").
EMPTY_SITEMAP = '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>\n'


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str  # the change log's page of the list's year or month
    published: dt.datetime  # the list's own date and time, in UTC
    content: str  # HTML: the list's changes, each linking its agency page


@dataclass(frozen=True)
class Feed:
    path: str  # from the site's root, e.g. feeds/states/fl.xml
    id: str
    title: str
    subtitle: str
    page: str  # the page the feed follows (absolute)
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class FeedFile:
    """A written feed, as the data page lists it."""

    path: str  # from the site's root
    title: str
    entries: int


def xml_text(text: str) -> str:
    """Text without the characters XML 1.0 forbids (names are cleaned on the way in; this keeps any feed well-formed regardless)."""
    return XML_FORBIDDEN.sub("", text)


def tag(base: str, *parts: str) -> str:
    """A stable tag URI (RFC 4151) under the site's host: tag:<host>,2021:<parts joined by ':'>."""
    return f"tag:{urlsplit(base).hostname},{TAG_DATE}:" + ":".join(parts)


def changed_lists(list_changes: pd.DataFrame, state: str = "", limit: int = FEED_LISTS) -> pd.DataFrame:
    """The saved count rows of the latest `limit` lists that changed something in one scope (state '' is national), newest first."""
    mine = list_changes[list_changes["state"] == state]
    changed = mine[[count_column(c) for c in CHANGE_COUNTS]].sum(axis=1) > 0
    return mine[changed].sort_values(["published_at", "publication_id"], ascending=False).head(limit)


def list_facts(changes: pd.DataFrame, publications: pd.DataFrame) -> pd.DataFrame:
    """Per list (indexed by publication_id): its moment in UTC (from ICE's time), its page of the change log and its published workbook, from the site's root."""
    pages = {pid: f"{CHANGES_FOLDER}/{page.url}" for page in change_pages(changes) for pid in page.rows["publication_id"].unique()}
    pubs = publications.set_index("publication_id")
    return pd.DataFrame({
        # published_at is ICE's wall clock (America/New_York, as ingest dates every list): an Atom date carries its offset.
        "published": [pd.Timestamp(t).tz_localize(ICE_TIME_ZONE, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC").to_pydatetime() for t in pubs["published_at"]],
        "page": [pages.get(pid, f"{CHANGES_FOLDER}/") for pid in pubs.index],  # a list that changed nothing has no page
        "workbook": workbooks(publications)["workbook"].reindex(pubs.index),
    }, index=pubs.index)  # fmt: skip


def entry_title(t: Messages, counts: pd.Series) -> str:
    key = "feed.entry_title.pending" if counts["list_kind"] == "pending" else "feed.entry_title"
    return t(key, date=counts["published_at"], summary=change_summary(t, counts))


def entry_html(t: Messages, counts: pd.Series, rows: list, labels: dict, base: str, workbook: str) -> str:
    """A list's changes as an HTML list, each agency linked to its page, then ICE's workbook (`workbook`, from the site's root).

    Every value is escaped; the catalog's sentence is escaped before the escaped values go in.
    """
    details = change_details(t, labels)
    items = []
    for c in rows:
        words = {
            "agency": f'<a href="{h(base + agency_page(c.agency_id))}">{h(c.agency_name)}</a>',
            "state": h(c.state), "change": h(t.get(f"change.{c.change}", c.change)),
            "model": h(labels.get(c.support_type, c.support_type)),
        }  # fmt: skip
        more = details(c)
        line = h(t("feed.change.details")).format(**words, details=h(more)) if more else h(t("feed.change")).format(**words)
        items.append(f"<li>{line}</li>")
    book = f'<a href="{h(base + workbook)}">{h(counts["source_file"])}</a>'
    source = h(t("feed.source")).format(file=book)
    return "<ul>\n" + "\n".join(items) + f"\n</ul>\n<p>{source}</p>"


def feed_entries(site: Site, facts: pd.DataFrame, state: str, base: str, by_list: dict) -> tuple[Entry, ...]:
    """One entry per list that changed something in the scope (state '' is national), newest first, at most FEED_LISTS.

    `by_list` holds each (state, list)'s and each ('', list)'s changes, grouped once for every feed.
    """
    entries = []
    for _, counts in changed_lists(site.list_changes, state).iterrows():
        pid, list_ = counts["publication_id"], facts.loc[counts["publication_id"]]
        entries.append(Entry(
            id=tag(base, pid, state or "national"), title=entry_title(site.t, counts), link=base + list_["page"],
            published=list_["published"],
            content=entry_html(site.t, counts, by_list[(state, pid)], site.common["labels"], base, list_["workbook"]),
        ))  # fmt: skip
    return tuple(entries)


def changes_by_list(changes: pd.DataFrame) -> dict[tuple[str, str], list]:
    """Each list's changes as rows, nationally (state '') and per state, in the log's order (one pass over the log)."""
    grouped: dict[tuple[str, str], list] = {}
    for row in changes.itertuples(index=False):
        grouped.setdefault(("", row.publication_id), []).append(row)
        grouped.setdefault((row.state, row.publication_id), []).append(row)
    return grouped


def feed_list(site: Site) -> list[Feed]:
    """Every feed of the site: the national one, then one per state with an agreement on any list, in the state figures' order."""
    t, base = site.t, site_url()
    csv = base + CHANGES_CSV
    facts = list_facts(site.changes, site.inputs.publications)
    by_list = changes_by_list(site.changes)
    feeds = [Feed(
        national_feed(), tag(base, "changes"), t("feed.national.title"), t("feed.national.subtitle", count=FEED_LISTS, csv=csv),
        base + f"{CHANGES_FOLDER}/", feed_entries(site, facts, "", base, by_list),
    )]  # fmt: skip
    for state in site.figures[site.figures["ever"] > 0].itertuples(index=False):
        feeds.append(Feed(
            state_feed(state.usps), tag(base, "changes", state.usps), t("feed.state.title", name=state.title),
            t("feed.state.subtitle", count=FEED_LISTS, name=state.title, csv=csv), base + state_page(state.usps),
            feed_entries(site, facts, state.usps, base, by_list),
        ))  # fmt: skip
    return feeds


def atom(t: Messages, feed: Feed, updated: dt.datetime) -> str:
    """The feed as Atom XML. Every date is set here (feedgen would otherwise stamp the clock's), and every text made XML-safe."""
    fg = FeedGenerator()
    fg.id(xml_text(feed.id))
    fg.title(xml_text(feed.title))
    fg.subtitle(xml_text(feed.subtitle))
    # The build's one date, or the newest entry's moment when that is later the same day: a feed is never older than its entries.
    fg.updated(max([updated, *(e.published for e in feed.entries)]))
    fg.link(href=site_url() + feed.path, rel="self", type=ATOM)
    fg.link(href=xml_text(feed.page), rel="alternate", type="text/html")
    fg.author(name=t("feed.author"))
    fg.generator(t("feed.generator"), uri=site_url())  # no version: feedgen's own would change the bytes on an upgrade
    fg.language("en")
    for e in feed.entries:
        entry = fg.add_entry(order="append")
        entry.id(xml_text(e.id))
        entry.title(xml_text(e.title))
        entry.updated(e.published)
        entry.published(e.published)
        entry.link(href=xml_text(e.link), rel="alternate")  # feedgen 1.0 writes an entry's link without rel and type: Atom's default rel is alternate
        entry.content(xml_text(e.content), type="html")
    return fg.atom_str(pretty=True, encoding="UTF-8").decode("utf-8")


def feed_link(title: str) -> str:
    """The partial every page's <head> includes: the national feed's alternate link, its href made relative to the page by MkDocs.

    The partial is a Jinja template: the title's braces are written as character references so it stays text.
    """
    return (
        f'<link rel="alternate" type="{ATOM}" title="{h(xml_text(title)).replace("{", "&#123;")}" '
        f"href=\"{{{{ '{national_feed()}' | url | e }}}}\">\n"
    )


def write_feeds(site: Site, source: Path) -> list[FeedFile]:
    """Write every feed under `source`/feeds and the national feed's link partial; remove feeds no longer made. Returns what was written."""
    out = Output(source)
    updated = build_moment(site.inputs.publications)
    feeds = feed_list(site)
    for feed in feeds:
        out.write(source / feed.path, atom(site.t, feed, updated))
    out.write(source / FEED_LINK_PARTIAL, feed_link(feeds[0].title))
    for folder in sorted({(source / f.path).parent for f in feeds}):
        out.write(folder / "sitemap.xml", EMPTY_SITEMAP)
    for path in sorted((source / FEEDS_FOLDER).rglob("*.xml")):
        if path not in out.written:
            path.unlink()
    return [FeedFile(f.path, f.title, len(f.entries)) for f in feeds]
