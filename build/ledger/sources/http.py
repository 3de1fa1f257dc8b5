"""A download that trusts ICE's host only: every URL and redirect stays on the allowed hosts, every
answer is capped in size (counted after decompression) and every download ends by a deadline.

Any refusal is a LedgerError(url, reason) the command line prints as one line.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from .. import __version__
from ..common.errors import LedgerError
from ..common.ice import ICE_HOSTS

USER_AGENT = f"287g-ledger/{__version__} (public-interest archive of ICE 287(g) lists)"
# A loopback server cannot be reached across a network, so plain http to it is no risk: tests use it.
LOOPBACK_NAMES = frozenset({"localhost"})
MIB = 1024 * 1024
# ICE's 287(g) page is ordinary HTML, a few hundred KiB at most: 4 MiB leaves a wide margin and still
# bounds what a broken or hostile answer can make us hold.
PAGE_MAX_BYTES = 4 * MIB
# ICE's lists are under 1 MiB (the largest of the 1,046 archived is 196 KB): 20 MiB is 100 times that.
WORKBOOK_MAX_BYTES = 20 * MIB
# A list under 1 MiB takes seconds even on a slow line; 90 s leaves room for that plus the retries'
# backoff (about 15 s), and bounds a whole fetch (page + two lists) to under five minutes.
DEADLINE = 90.0
CONNECT_TIMEOUT = 10.0  # seconds: a host that does not accept in 10 s is down, not slow
READ_TIMEOUT = 60.0  # seconds of silence allowed between two reads, never past the deadline
# ICE's site moves a page at most once or twice (http -> https, old path -> new); more is a loop.
MAX_REDIRECTS = 5
RETRIES = 4  # with the backoff, about 15 s of waiting: long enough for ICE's site to come back from a blip
RETRY_BACKOFF = 1.0  # seconds, doubled on each retry
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})  # a busy or briefly broken server, worth asking again
CHUNK_BYTES = 64 * 1024  # decoded bytes per read: small against the caps, so they are checked often
ERROR_TEXT_CHARS = 200  # an error's text is cut to one readable console line


class Retryable(Exception):
    """A failure worth another attempt (a dropped connection, a 5xx), as one line of text."""


def one_line(value: object) -> str:
    return " ".join(str(value).split())[:ERROR_TEXT_CHARS]


def allowed_hosts(page_url: str, extra: list[str] | tuple[str, ...] = ()) -> frozenset[str]:
    """The hosts a fetch may reach: the page's own (both of ICE's names for ICE's page), plus extra."""
    host = (urlsplit(page_url).hostname or "").lower()
    base = ICE_HOSTS if host in ICE_HOSTS else frozenset({host})
    return base | {h.strip().lower() for h in extra if h.strip()}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def why_refused(url: str, hosts: frozenset[str]) -> str | None:
    """Why a URL may not be fetched (off the allowed hosts, or not https), or None when it may."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in hosts:
        return f"host {host or '(none)'} is not among the allowed hosts ({', '.join(sorted(hosts))})"
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host)):
        return None
    return f"{parts.scheme or '(no scheme)'} is refused: https only (http only to a loopback test server)"


def check_url(url: str, hosts: frozenset[str]) -> None:
    reason = why_refused(url, hosts)
    if reason:
        raise LedgerError(url, reason)


def deadline_error(url: str, seconds: float, last: str = "") -> LedgerError:
    detail = f" (last try: {last})" if last else ""
    return LedgerError(url, f"no complete answer within {seconds:g} s, the deadline of one download with its retries{detail}")


def get_bytes(url: str, hosts: frozenset[str], max_bytes: int, deadline: float = DEADLINE, retries: int = RETRIES) -> tuple[bytes, str]:
    """The body of url and the address it finally came from, after redirects on the allowed hosts.

    The whole download, retries included, ends within `deadline` seconds. Connecting and reading the
    headers happen inside requests, where no check can run between reads (a server could trickle its
    headers a byte at a time), so the download runs in a worker thread the caller stops waiting for at
    the deadline; the worker's own timeouts and checks end it soon after.
    """
    check_url(url, hosts)
    ends = time.monotonic() + deadline
    outcome: dict = {}

    def work():
        try:
            outcome["value"] = attempts(url, hosts, max_bytes, ends, deadline, retries)
        except BaseException as exc:  # handed to the caller's thread, raised there
            outcome["error"] = exc

    worker = threading.Thread(target=work, name=f"download {url}", daemon=True)
    worker.start()
    worker.join(max(0.0, ends - time.monotonic()))
    if worker.is_alive():
        raise deadline_error(url, deadline)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def attempts(url: str, hosts: frozenset[str], max_bytes: int, ends: float, deadline: float, retries: int) -> tuple[bytes, str]:
    """Try, and retry what is worth retrying with a doubling backoff, while the deadline allows."""
    with requests.Session() as client:
        client.headers["User-Agent"] = USER_AGENT
        for attempt in range(retries + 1):
            try:
                return follow(client, url, hosts, max_bytes, ends, deadline)
            except Retryable as exc:
                failure = str(exc)
            if attempt == retries:
                break
            wait = RETRY_BACKOFF * 2**attempt
            if time.monotonic() + wait >= ends:
                raise deadline_error(url, deadline, failure)
            time.sleep(wait)
    raise LedgerError(url, f"download failed ({failure})")


def follow(client: requests.Session, url: str, hosts: frozenset[str], max_bytes: int, ends: float, deadline: float) -> tuple[bytes, str]:
    """One attempt: follow redirects by hand, each hop checked, then read the body under the cap."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise deadline_error(url, deadline)
        try:
            response = client.get(
                current, stream=True, allow_redirects=False, timeout=(min(CONNECT_TIMEOUT, remaining), min(READ_TIMEOUT, remaining))
            )
        except requests.RequestException as exc:
            raise Retryable(one_line(exc)) from None
        with response:
            target = client.get_redirect_target(response)
            if target:
                target = urljoin(current, target)
                reason = why_refused(target, hosts)
                if reason:
                    raise LedgerError(url, f"redirected to {one_line(target)}, refused: {reason}")
                current = target
                continue
            if response.status_code in RETRY_STATUSES:
                raise Retryable(f"HTTP {response.status_code} from {one_line(current)}")
            if response.status_code != 200:
                raise LedgerError(url, f"download failed (HTTP {response.status_code} from {one_line(current)})")
            return read_capped(response, url, max_bytes, ends, deadline), current
    raise LedgerError(url, f"more than {MAX_REDIRECTS} redirects")


def read_capped(response: requests.Response, url: str, max_bytes: int, ends: float, deadline: float) -> bytes:
    """The decoded body, refused as soon as it passes max_bytes or the deadline passes."""
    cap = f"the {max_bytes:,}-byte cap for this download"
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise LedgerError(url, f"answer of {int(declared):,} bytes (Content-Length) is over {cap}")
    encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
    inflated = "" if encoding == "identity" else f" once decompressed ({encoding})"
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            # read1 returns what has arrived (a server trickling a byte at a time is checked after
            # every byte, not after 64 KiB) and inflates gzip/deflate no further than CHUNK_BYTES at
            # a time (urllib3 2.6+), so the cap counts the bytes a compressed answer inflates to.
            chunk = response.raw.read1(CHUNK_BYTES, decode_content=True)
            if not chunk:
                return b"".join(parts)
            size += len(chunk)
            if size > max_bytes:
                raise LedgerError(url, f"answer passed {cap}{inflated}")
            if time.monotonic() > ends:
                raise deadline_error(url, deadline)
            parts.append(chunk)
    except urllib3.exceptions.DecodeError as exc:
        raise LedgerError(url, f"answer cannot be decompressed ({one_line(exc)})") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise Retryable(one_line(exc)) from None
