"""Makes the checks of the built site: every page there, small state pages, links that resolve, nothing from another host, nothing that could run but the site's own scripts."""

from __future__ import annotations

import multiprocessing
import os
import posixpath
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd
import yaml

from ..common.addresses import site_url
from ..common.paths import MKDOCS_CONFIG
from ..common.qa import check
from ..common.states import state_count
from .markup import loads_from_elsewhere, page_problems, scan_page

STATE_PAGE_LIMIT = 100 * 1024
UNSAFE_LISTED = 50  # findings listed one by one; the count covers the rest
SCAN_WORKERS = 4  # processes parsing pages; the machines that build the site have 2 to 4 cores
SCAN_IN_PARALLEL_FROM = 200  # pages: below this, starting processes costs more than it saves


@lru_cache(maxsize=1)
def content_security_policy() -> str:
    """The policy every page must carry: the one mkdocs.yml defines (its one home)."""
    return " ".join(yaml.safe_load(MKDOCS_CONFIG.read_text(encoding="utf-8"))["extra"]["content_security_policy"].split())


def page_findings(site: Path, files: frozenset[str], policy: str, page: Path) -> tuple[str, list, list[str], list[str]]:
    """One page's findings: (its name, unsafe markup, what it loads from elsewhere, its links that resolve to nothing)."""
    name = page.relative_to(site).as_posix()
    scan = scan_page(page.read_text(encoding="utf-8", errors="replace"))
    # An SVG file has no <head> (no title, no policy): only what could run in it counts.
    problems = page_problems(scan, policy if page.suffix == ".html" else None)
    loads = [t for t in scan.stylesheets + [v for tag, attribute, v in scan.urls if attribute == "src"] if loads_from_elsewhere(t)]
    broken = []
    folder, root = posixpath.dirname(name), urlsplit(site_url()).path
    for tag, attribute, target in scan.urls:
        if attribute not in ("href", "src"):
            continue
        parts = urlsplit(target)
        if parts.scheme or target.startswith("//") or not parts.path or target.startswith("#"):
            continue  # links out are fine (MOA documents, sources); loading from elsewhere is caught above
        # 404.html is served from any folder, so MkDocs gives it addresses from the site's root:
        # site_url's path (/ledger/ on a project's Pages address) is the root of the site folder.
        path = unquote(parts.path)
        if path.startswith("/"):
            path = path[len(root):] if path.startswith(root) else path.lstrip("/")
        resolved = posixpath.normpath(path if parts.path.startswith("/") else posixpath.join(folder, path))
        # The site has no symbolic links, so the file set answers what a web server would serve.
        if resolved not in files and posixpath.normpath(posixpath.join(resolved, "index.html")) not in files:
            broken.append(target)
    return name, problems, loads, broken


def scan_pages(site: Path, pages: list[Path], policy: str):
    """Every page's findings, in the pages' order, scanned on every core (parsing 1,500 pages is most of the check's time)."""
    files = frozenset(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    work = partial(page_findings, site, files, policy)
    workers = min(os.cpu_count() or 1, SCAN_WORKERS)
    if workers < 2 or len(pages) < SCAN_IN_PARALLEL_FROM:
        return [work(page) for page in pages]
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(work, pages, chunksize=64))


def site_checks(site: Path, data_dir: Path) -> list[dict]:
    """What the built site must be: every page there, small state pages, links that resolve,
    nothing loaded from another host, nothing that could run but the site's own files, the
    Content-Security-Policy on every page."""
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
    pages = sorted(site.rglob("*.html")) + sorted(site.rglob("*.svg"))
    broken, external, unsafe = [], [], []
    for name, problems, loads, links in scan_pages(site, pages, content_security_policy()):
        unsafe += [(what, name, detail) for what, detail in problems]
        external += [f"{name} -> {target}" for target in loads]
        broken += [f"{name} -> {target}" for target in links]
    qa.append(check("internal_links_resolve", "site", len(broken), 0, "pass" if not broken else "fail"))
    for item in broken[:20]:
        qa.append(check("broken_link", item, "missing", "present", "fail"))
    qa.append(check("third_party_requests", "site", len(external), 0, "pass" if not external else "fail"))
    for item in external[:20]:
        qa.append(check("third_party_request", item, "external", "same site", "fail"))
    qa.append(check("pages_scanned_for_markup", "site", len(pages), "every .html and .svg", "info"))
    qa.append(check("unsafe_markup", "site", len(unsafe), 0, "pass" if not unsafe else "fail"))
    # One line each, so a refused build says which page and which markup, however many there are.
    for what, name, detail in unsafe[:UNSAFE_LISTED]:
        qa.append(check(what, name, detail, "none", "fail"))
    return qa
