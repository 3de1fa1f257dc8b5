"""The site's addresses: its base URL (mkdocs.yml's site_url) and the address of each kind of page, one rule for every stage that links a page.

A fork sets its own site_url in mkdocs.yml, or LEDGER_SITE_URL for one build (the publish
workflow passes the Pages address it deploys to); the value is part of the stamps of the stages
that write it, so changing it rebuilds what carries it.
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pandas as pd

from .paths import MKDOCS_CONFIG

SITE_URL_ENV = "LEDGER_SITE_URL"
SITE_URL_RE = re.compile(r"^site_url:\s*(\S+)\s*$", re.MULTILINE)
FEEDS_FOLDER = "feeds"  # the change log's Atom feeds


def site_url() -> str:
    """The public base address, ending in '/': LEDGER_SITE_URL when set, else mkdocs.yml's site_url."""
    url = os.environ.get(SITE_URL_ENV, "").strip()
    if not url:
        # One key read with a pattern: mkdocs.yml holds MkDocs' own YAML tags, which a plain loader refuses.
        found = SITE_URL_RE.search(MKDOCS_CONFIG.read_text(encoding="utf-8"))
        url = found.group(1).strip("'\"") if found else ""
    if not url.startswith("https://") and not url.startswith("http://"):
        raise ValueError(f"site_url {url!r} is not an http(s) address: set site_url in mkdocs.yml or {SITE_URL_ENV}")
    return url.rstrip("/") + "/"


def agency_page(agency_id: str) -> str:
    """An agency page's address, relative to the site's root (pages are agencies/<agency_id>.md)."""
    return f"agencies/{agency_id}/"


def state_page(usps: str) -> str:
    """A state page's address, relative to the site's root (pages are states/<xx>.md)."""
    return f"states/{usps.lower()}/"


def national_feed() -> str:
    """The national Atom feed of the change log, relative to the site's root."""
    return f"{FEEDS_FOLDER}/changes.xml"


def state_feed(usps: str) -> str:
    """A state's Atom feed of its change log, relative to the site's root (beside the national one)."""
    return f"{FEEDS_FOLDER}/states/{usps.lower()}.xml"


def build_moment(publications: pd.DataFrame) -> dt.datetime:
    """The one date a build writes into its files (sitemap, feeds, workbook properties): the latest list's day, at midnight UTC.

    Never the clock: the same lists build the same site, byte for byte, on any day.
    """
    latest = pd.Timestamp(publications["published_at"].max())
    return dt.datetime(latest.year, latest.month, latest.day, tzinfo=dt.timezone.utc)
