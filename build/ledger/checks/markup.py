"""Reads one built page as a browser would, and lists what in it could run or load: the site's security checks.

A page is parsed, not searched with patterns, so an agency name that was escaped (and is text)
never fails the build, while one that reached the page unescaped (and is markup) always does:
its tags, attributes, handlers and URLs are exactly what a parser sees. The site's own markup is
an allowlist: a tag or attribute that no template writes can only have come from data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

# Every element the templates and the theme write. Anything else on a page came from data.
SITE_TAGS = frozenset(
    "a article aside body br button caption code col colgroup dd details div dl dt em figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 head header hr html i img input label li link main meta nav noscript "
    "ol p path pre script small span strong sub summary sup svg table tbody td tfoot th thead title tr ul".split()
    # The charts' static SVGs (vl-convert): shapes, text and gradients, never a script or foreignObject.
    + "circle clippath defs desc ellipse g line lineargradient polygon polyline radialgradient rect stop text tspan".split()
)
SITE_ATTRIBUTES = frozenset(
    "alt autocapitalize autocomplete autocorrect charset class colspan content d dir download for height "
    "href hreflang http-equiv id lang loading name placeholder rel required role rowspan scope spellcheck "
    "src tabindex target title type viewbox width xmlns".split()
    + "clip-path cx cy display dx dy fill fill-opacity font-family font-size font-style font-weight gradientunits "
    "offset opacity pointer-events points r rx ry stop-color stop-opacity stroke stroke-dasharray stroke-linecap "
    "stroke-linejoin stroke-miterlimit stroke-opacity stroke-width text-anchor transform version x x1 x2 xmlns:xlink "
    "y y1 y2".split()
)
# Families of attributes the theme and the tables write: data-md-*, data-spec, aria-*.
SITE_ATTRIBUTE_RE = re.compile(r"^(data-[a-z0-9-]+|aria-[a-z]+)$")
HANDLER_RE = re.compile(r"^on[a-z]+$")
# Attributes a browser follows or loads. A script URL in any of them runs when clicked or loaded.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "background"})
SCRIPT_SCHEMES = ("javascript", "vbscript", "data")
# Inline <script> blocks that only carry data: the theme's settings. Browsers never run them.
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})


@dataclass
class PageScan:
    """What one page holds that could run or load: each list empty on a safe page."""

    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, attribute, value) of every URL attribute
    handlers: list[str] = field(default_factory=list)  # "img onerror"
    script_urls: list[str] = field(default_factory=list)  # "a href=javascript:..."
    inline_scripts: int = 0
    script_sources: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # tags and attributes no template writes
    titles: int = 0
    policies: list[str] = field(default_factory=list)  # each Content-Security-Policy meta's content
    stylesheets: list[str] = field(default_factory=list)  # <link> hrefs that load (not links out)


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self.svg_depth = 0  # an <svg> may hold its own <title>: only the document's counts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        scan = self.scan
        if tag not in SITE_TAGS:
            scan.unexpected.append(f"<{tag}>")
        values = {name: value or "" for name, value in attrs}
        for name, value in attrs:
            value = value or ""
            if HANDLER_RE.match(name):
                scan.handlers.append(f"<{tag} {name}>")
            elif name not in SITE_ATTRIBUTES and not SITE_ATTRIBUTE_RE.match(name):
                scan.unexpected.append(f"<{tag} {name}>")
            if name in URL_ATTRIBUTES:
                scan.urls.append((tag, name, value))
                scheme = re.sub(r"[\x00-\x20]", "", value).split(":", 1)[0].lower() if ":" in value else ""
                if scheme in SCRIPT_SCHEMES:
                    scan.script_urls.append(f"<{tag} {name}={value[:60]}>")
        if tag == "script":
            if "src" in values:
                scan.script_sources.append(values["src"])
            elif values.get("type", "").lower() not in DATA_SCRIPT_TYPES:
                scan.inline_scripts += 1
        elif tag == "svg":
            self.svg_depth += 1
        elif tag == "title" and not self.svg_depth:
            scan.titles += 1
        elif tag == "meta" and values.get("http-equiv", "").lower() == "content-security-policy":
            scan.policies.append(values.get("content", ""))
        elif tag == "link" and "href" in values and not {"canonical", "prev", "next", "alternate"} & set(values.get("rel", "").split()):
            scan.stylesheets.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self.svg_depth:
            self.svg_depth -= 1


def scan_page(text: str) -> PageScan:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser.scan


def loads_from_elsewhere(url: str) -> bool:
    """True for an address on another host: absolute http(s) or scheme-relative."""
    return urlsplit(url).scheme in ("http", "https") or url.startswith("//")


def page_problems(scan: PageScan, policy: str | None) -> list[tuple[str, str]]:
    """(check, detail) for everything on a page that could run code or is not the site's own markup.

    `policy` is the Content-Security-Policy an HTML page must carry; None for an SVG file.
    """
    problems = [("event_handler_attribute", h) for h in scan.handlers]
    problems += [("script_url", u) for u in scan.script_urls]
    problems += [("unexpected_markup", u) for u in dict.fromkeys(scan.unexpected)]
    problems += [("inline_script", "<script> without src") for _ in range(scan.inline_scripts)]
    problems += [("foreign_script", s) for s in scan.script_sources if loads_from_elsewhere(s) or ":" in s.split("/")[0]]
    if policy is None:
        return problems
    if scan.titles != 1:
        problems.append(("one_title", f"{scan.titles} <title> elements"))
    if scan.policies != [policy]:
        problems.append(("content_security_policy", "missing" if not scan.policies else "differs from mkdocs.yml"))
    return problems
