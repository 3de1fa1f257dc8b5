"""Makes the checks of the built site: every page there, small state pages, links that resolve, nothing from another host, no inline script."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd

from ..common.qa import check
from ..common.states import state_count

STATE_PAGE_LIMIT = 100 * 1024
ATTR_RE = re.compile(r"""\b(href|src)\s*=\s*["']([^"']*)["']""", re.I)
SCRIPT_RE = re.compile(r"<script\b([^>]*)>", re.I)


def site_checks(site: Path, data_dir: Path) -> list[dict]:
    """What the built site must be: every page there, small state pages, links that resolve,
    nothing loaded from another host, no inline script."""
    qa: list[dict] = []
    site = Path(site)
    states = list((site / "states").glob("*/index.html"))
    qa.append(check("state_pages", "site", len(states), state_count(), "pass" if len(states) == state_count() else "fail"))
    agencies_path = Path(data_dir) / "build" / "agencies.parquet"
    if agencies_path.exists():
        ids = pd.read_parquet(agencies_path, columns=["agency_id"])["agency_id"]
        missing = [i for i in ids if not (site / "agencies" / i / "index.html").exists()]
        qa.append(check("agency_pages", "site", len(ids) - len(missing), len(ids), "pass" if not missing else "fail"))
    largest = max(states, key=lambda p: p.stat().st_size) if states else None
    if largest is not None:
        size = largest.stat().st_size
        qa.append(check("largest_state_page_bytes", largest.parent.name, size, f"< {STATE_PAGE_LIMIT}", "pass" if size < STATE_PAGE_LIMIT else "fail"))
    broken, external, inline = [], [], []
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        for attributes in SCRIPT_RE.findall(text):
            if "src=" not in attributes and "application/json" not in attributes:
                inline.append(str(page.relative_to(site)))
        for attribute, target in ATTR_RE.findall(text):
            target = html.unescape(target)
            parts = urlsplit(target)
            if parts.scheme in ("http", "https") or target.startswith("//"):
                # Links out are fine (MOA documents, sources); loading anything from elsewhere is not.
                if attribute.lower() == "src" or re.search(r"<link[^>]+href=[\"']" + re.escape(target), text):
                    external.append(f"{page.relative_to(site)} -> {target}")
                continue
            if parts.scheme or not parts.path or target.startswith("#"):
                continue
            # 404.html is served from any folder, so MkDocs gives it addresses from the site root.
            anchor = site if parts.path.startswith("/") else page.parent
            resolved = (anchor / unquote(parts.path.lstrip("/"))).resolve()
            if resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.exists():
                broken.append(f"{page.relative_to(site)} -> {target}")
    qa.append(check("internal_links_resolve", "site", len(broken), 0, "pass" if not broken else "fail"))
    for item in broken[:20]:
        qa.append(check("broken_link", item, "missing", "present", "fail"))
    qa.append(check("third_party_requests", "site", len(external), 0, "pass" if not external else "fail"))
    for item in external[:20]:
        qa.append(check("third_party_request", item, "external", "same site", "fail"))
    qa.append(check("inline_scripts", "site", len(inline), 0, "pass" if not inline else "fail"))
    return qa
