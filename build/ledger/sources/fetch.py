"""Downloads ICE's current participating and pending lists into the raw archive, <data-dir>/raw/.

A download is refused, and the last good list kept, when it is not a workbook (ICE sometimes
answers with an HTML page) or when its rows dropped more than 20% against the last stored list
of the same kind (unless --accept-drop): a half-empty list is more likely a publishing accident
than half the program ending overnight. Every address is on ICE's host (or the hosts allowed for
a test), every answer is capped in size and every download has a deadline: see http.py.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ..common.errors import LedgerError
from .http import DEADLINE, PAGE_MAX_BYTES, USER_AGENT, WORKBOOK_MAX_BYTES, allowed_hosts, get_bytes, one_line, why_refused
from .store import Store, check_workbook, kind_from_name

__all__ = ["USER_AGENT", "fetch_current", "list_links"]

MAX_DROP = 0.20  # the largest one-day fall seen in the real lists is a few percent


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


def list_links(html: str, page_url: str, hosts: frozenset[str] | None = None, warn=print) -> dict[str, str]:
    """The first workbook link for each kind on ICE's 287(g) page, among those on the allowed hosts.

    A list link elsewhere (another host, or not https) is ignored with one warning line naming it.
    """
    hosts = allowed_hosts(page_url) if hosts is None else hosts
    parser = LinkParser()
    parser.feed(html)
    links: dict[str, str] = {}
    for href in parser.hrefs:
        url = urljoin(page_url, href)
        name = unquote(Path(urlsplit(url).path).name)
        if not name.lower().endswith(".xlsx"):
            continue
        list_kind = kind_from_name(name)
        if not list_kind or list_kind in links:
            continue
        reason = why_refused(url, hosts)
        if reason:
            warn(f"ignored {one_line(url)}: a {list_kind} list link on {page_url}, but {reason}")
            continue
        links[list_kind] = url
    return links


def last_row_count(store: Store, list_kind: str) -> int | None:
    """Rows of the newest stored list of this kind, or None when none is stored."""
    rows = [r for r in store.manifest() if r["list_kind"] == list_kind]
    if not rows:
        return None
    newest = max(rows, key=lambda r: r["published_at"])
    path = store.path_of(newest["sha256"])
    return check_workbook(path, path.read_bytes())


def fetch_current(
    data_dir: Path,
    page_url: str,
    accept_drop: bool = False,
    log=print,
    warn=print,
    extra_hosts: list[str] | tuple[str, ...] = (),
    deadline: float = DEADLINE,
    page_max_bytes: int = PAGE_MAX_BYTES,
    workbook_max_bytes: int = WORKBOOK_MAX_BYTES,
) -> int:
    """Fetch both lists; 0 when both were stored or already present, 1 when any was refused.

    The allowed hosts are the page's own (both of ICE's names for ICE's page) plus extra_hosts.
    """
    store = Store(data_dir)
    if store.holds_sample():
        raise LedgerError(store.manifest_path, "this archive holds the sample lists; fetch into another --data-dir")
    hosts = allowed_hosts(page_url, extra_hosts)
    page, page_source = get_bytes(page_url, hosts, page_max_bytes, deadline)
    links = list_links(page.decode("utf-8", "replace"), page_source, hosts, warn)
    status = 0
    for list_kind in ("participating", "pending"):
        url = links.get(list_kind)
        if not url:
            warn(f"refused {page_url}: no link to a {list_kind} list (.xlsx) on the page")
            status = 1
            continue
        # The name the page links is the one ICE dates; the source is where the bytes finally came from.
        name = unquote(Path(urlsplit(url).path).name)
        try:
            data, source = get_bytes(url, hosts, workbook_max_bytes, deadline)
            rows = check_workbook(Path(name), data)  # in a reader child: a crash there costs this list only
            previous = last_row_count(store, list_kind)
            if previous and rows < previous * (1 - MAX_DROP) and not accept_drop:
                raise LedgerError(
                    name, f"{rows} rows against {previous} in the last stored {list_kind} list (a drop over {MAX_DROP:.0%}); kept the last list, rerun with --accept-drop if it is real"
                )
            now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
            row, outcome = store.add(data, name, source, list_kind=list_kind, fetched_at=now)
        except LedgerError as exc:
            warn(f"refused {exc}")
            status = 1
            continue
        log(f"fetch: {list_kind}: {name}: {rows} rows, {outcome}")
    return status
