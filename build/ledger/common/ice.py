"""ICE's own web addresses: the one rule for which hosts the project trusts, shared by fetch and the MOA links."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

# ICE publishes its 287(g) page and every list and MOA on its own site. Any other host in a list's
# link, or in a redirect while fetching, is someone else's address.
ICE_HOSTS = frozenset({"www.ice.gov", "ice.gov"})
ICE_PAGE_URL = "https://www.ice.gov/identify-and-arrest/287g"
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
# Characters an address may carry as they are; anything else (ICE has typed spaces into its own
# addresses: "287gJEM_ etowahCoAL") is percent-encoded, as a browser would send it.
URL_SAFE = "/%:@!$&'()*+,;=-._~"


def ice_address(url: str, hosts: frozenset[str] = ICE_HOSTS) -> str | None:
    """The https address of a link to ICE's site, or None for anything else.

    Refused: another host (look-alikes such as www.ice.gov.example included), a user name or
    password before the host, a port, a scheme other than http(s), control characters. ICE's
    older lists link some documents over http; ICE serves them over https, so they are upgraded.
    """
    if CONTROL_RE.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number, or a broken IPv6 literal
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username is not None or port is not None:
        return None
    host = (parts.hostname or "").rstrip(".")
    if host not in hosts:
        return None
    path, query = quote(parts.path or "/", safe=URL_SAFE), quote(parts.query, safe=URL_SAFE + "?")
    return urlunsplit(("https", host, path, query, quote(parts.fragment, safe=URL_SAFE)))


# ICE publishes from Washington: a list's day is its day in America/New_York (DST included).
ICE_TIME_ZONE = ZoneInfo("America/New_York")


def in_ice_time(utc: dt.datetime) -> dt.datetime:
    """A UTC moment (naive, as archive capture stamps are written) as ICE's wall clock time, naive."""
    return utc.replace(tzinfo=dt.timezone.utc).astimezone(ICE_TIME_ZONE).replace(tzinfo=None)
