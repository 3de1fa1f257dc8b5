"""Downloads ICE's current participating and pending lists into the raw archive, <data-dir>/raw/.

A download is refused, and the last good list kept, when it is not a workbook (ICE sometimes
answers with an HTML page) or when its rows dropped more than 20% against the last stored list
of the same kind (unless --accept-drop): a half-empty list is more likely a publishing accident
than half the program ending overnight.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from ..common.errors import LedgerError
from .store import Store, kind_from_name
from .workbook import read_sheet

USER_AGENT = f"287g-ledger/{__version__} (public-interest archive of ICE 287(g) lists)"
TIMEOUT = (10, 60)  # connect, read: seconds
MAX_DROP = 0.20  # the largest one-day fall seen in the real lists is a few percent
RETRY_BACKOFF = 1.0  # seconds, doubled on each retry
RETRIES = 4  # with the backoff, about 15 s of waiting: long enough for ICE's site to come back from a blip
ERROR_TEXT_CHARS = 200  # an error's text is cut to one readable console line


class LinkParser(HTMLParser):
    """Collects the href of every <a> on a page."""

    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def list_links(html: str, page_url: str) -> dict[str, str]:
    """The newest workbook link for each kind on ICE's 287(g) page."""
    parser = LinkParser()
    parser.feed(html)
    links: dict[str, str] = {}
    for href in parser.hrefs:
        url = urljoin(page_url, href)
        name = unquote(Path(urlsplit(url).path).name)
        if not name.lower().endswith(".xlsx"):
            continue
        list_kind = kind_from_name(name)
        if list_kind and list_kind not in links:
            links[list_kind] = url
    return links


def session() -> requests.Session:
    retry = Retry(total=RETRIES, backoff_factor=RETRY_BACKOFF, status_forcelist=(429, 500, 502, 503, 504), allowed_methods=("GET",))
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    s.mount("http://", HTTPAdapter(max_retries=retry))
    s.mount("https://", HTTPAdapter(max_retries=retry))
    return s


def download(http: requests.Session, url: str) -> bytes:
    try:
        response = http.get(url, timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        reason = " ".join(str(exc).split())[:ERROR_TEXT_CHARS]
        raise LedgerError(url, f"download failed ({reason})") from None
    return response.content


def last_row_count(store: Store, list_kind: str) -> int | None:
    """Rows of the newest stored list of this kind, or None when none is stored."""
    rows = [r for r in store.manifest() if r["list_kind"] == list_kind]
    if not rows:
        return None
    newest = max(rows, key=lambda r: r["published_at"])
    return read_sheet(store.path_of(newest["sha256"])).row_count


def fetch_current(data_dir: Path, page_url: str, accept_drop: bool = False, log=print, warn=print) -> int:
    """Fetch both lists; 0 when both were stored or already present, 1 when any was refused."""
    store = Store(data_dir)
    if store.holds_sample():
        raise LedgerError(store.manifest_path, "this archive holds the sample lists; fetch into another --data-dir")
    http = session()
    page = download(http, page_url)
    links = list_links(page.decode("utf-8", "replace"), page_url)
    status = 0
    for list_kind in ("participating", "pending"):
        url = links.get(list_kind)
        if not url:
            warn(f"refused {page_url}: no link to a {list_kind} list (.xlsx) on the page")
            status = 1
            continue
        name = unquote(Path(urlsplit(url).path).name)
        try:
            data = download(http, url)
            rows = read_sheet(Path(name), data).row_count
            previous = last_row_count(store, list_kind)
            if previous and rows < previous * (1 - MAX_DROP) and not accept_drop:
                raise LedgerError(
                    name, f"{rows} rows against {previous} in the last stored {list_kind} list (a drop over {MAX_DROP:.0%}); kept the last list, rerun with --accept-drop if it is real"
                )
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            row, outcome = store.add(data, name, url, list_kind=list_kind, fetched_at=now)
        except LedgerError as exc:
            warn(f"refused {exc}")
            status = 1
            continue
        log(f"fetch: {list_kind}: {name}: {rows} rows, {outcome}")
    return status
