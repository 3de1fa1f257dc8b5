"""Makes <data-dir>/build/qa_summary.csv: every stage's quality checks, plus those recomputed from the outputs.

Checks are data (`check, scope, value, expected, status`). Each stage writes its own rows to
build/qa/<stage>.csv; this module recomputes the checks that can be made from the published
tables alone, so `ledger check` catches an output that was edited or truncated after the build.
A single `fail` row makes `ledger build` and `ledger check` exit non-zero.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pandas as pd

from .common.qa import QA_COLUMNS, STATUSES, check


def publication_checks(publications: pd.DataFrame, sheet_rows: pd.DataFrame, rejected: pd.DataFrame) -> list[dict]:
    """Rows in = rows accepted + rows rejected for every publication, and ids and dates in order."""
    qa: list[dict] = []
    accepted = sheet_rows.groupby("publication_id").size()
    set_aside = rejected.groupby("publication_id").size() if not rejected.empty else pd.Series(dtype=int)
    unaccounted = 0
    for pub in publications.itertuples(index=False):
        found = int(accepted.get(pub.publication_id, 0)) + int(set_aside.get(pub.publication_id, 0))
        if found != pub.rows_in or int(accepted.get(pub.publication_id, 0)) != pub.rows_accepted:
            unaccounted += abs(pub.rows_in - found) or 1
            qa.append(check("publication_rows_reconciled", pub.publication_id, found, pub.rows_in, "fail"))
    qa.append(check("unaccounted_rows", "all publications", unaccounted, 0, "pass" if unaccounted == 0 else "fail"))
    total_in = int(publications["rows_in"].sum())
    qa.append(
        check(
            "rows_accepted_plus_rejected",
            "all publications",
            len(sheet_rows) + len(rejected),
            total_in,
            "pass" if len(sheet_rows) + len(rejected) == total_in else "fail",
        )
    )
    duplicated = publications["publication_id"].duplicated().sum()
    qa.append(check("publication_ids_unique", "all publications", int(duplicated), 0, "pass" if duplicated == 0 else "fail"))
    for kind, group in publications.groupby("kind"):
        times = group["published_at"].sort_values()
        ties = int(times.duplicated().sum())
        qa.append(check("publication_dates_strictly_ordered", kind, ties, 0, "pass" if ties == 0 else "fail"))
        qa.append(check("publications", kind, len(group), "at least 1", "info"))
    unknown = sheet_rows["state"].isna().sum() + sheet_rows["support_type"].isna().sum()
    qa.append(check("accepted_rows_have_state_and_model", "all rows", int(unknown), 0, "pass" if unknown == 0 else "fail"))
    participating = sheet_rows[sheet_rows["kind"] == "participating"]
    undated = int(participating["signed"].isna().sum())
    qa.append(check("participating_rows_without_signing_date", "all rows", undated, 0, "pass" if undated == 0 else "warn"))
    late = publications[publications["max_signed"].notna()]
    late = late[late["max_signed"] > late["published_at"].dt.date]
    qa.append(check("lists_dated_before_their_signing_dates", "all publications", len(late), 0, "pass" if late.empty else "fail"))
    formulas = int(publications["formula_cells"].sum())
    qa.append(check("formula_cells", "all publications", formulas, 0, "pass" if formulas == 0 else "warn"))
    return qa


STATE_PAGE_LIMIT = 100 * 1024
ATTR_RE = re.compile(r"""\b(href|src)\s*=\s*["']([^"']*)["']""", re.I)
SCRIPT_RE = re.compile(r"<script\b([^>]*)>", re.I)


def site_checks(site: Path, data_dir: Path) -> list[dict]:
    """What the built site must be: every page there, small state pages, links that resolve,
    nothing loaded from another host, no inline script."""
    qa: list[dict] = []
    site = Path(site)
    states = list((site / "states").glob("*/index.html"))
    qa.append(check("state_pages", "site", len(states), 56, "pass" if len(states) == 56 else "fail"))
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


def load_stage_rows(build: Path, include_site: bool = True) -> pd.DataFrame:
    paths = [p for p in sorted((build / "qa").glob("*.csv")) if include_site or p.name != "site.csv"]
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=QA_COLUMNS)


def run(data_dir: Path, site_dir: Path | None = None, write: bool = True, include_site: bool = True) -> pd.DataFrame:
    """Recompute the output checks, merge every stage's rows, write qa_summary.csv; return it."""
    build = Path(data_dir) / "build"
    rows = []
    if site_dir is not None and Path(site_dir).exists():
        site_rows = site_checks(Path(site_dir), Path(data_dir))
        (build / "qa").mkdir(parents=True, exist_ok=True)
        pd.DataFrame(site_rows, columns=QA_COLUMNS).to_csv(build / "qa" / "site.csv", index=False)
    publications_path = build / "publications.parquet"
    if publications_path.exists():
        publications = pd.read_parquet(publications_path)
        sheet_rows = pd.read_parquet(build / "sheet_rows.parquet", columns=["publication_id", "kind", "state", "support_type", "signed"])
        rejected = pd.read_csv(build / "rejected_rows.csv", usecols=["publication_id"], dtype=str)
        rows += publication_checks(publications, sheet_rows, rejected)
    else:
        rows.append(check("ingest_outputs_present", str(publications_path), "missing", "present", "fail"))
    summary = pd.concat([load_stage_rows(build, include_site), pd.DataFrame(rows, columns=QA_COLUMNS).astype(str)], ignore_index=True)
    summary["order"] = summary["status"].map({s: i for i, s in enumerate(STATUSES)}).fillna(len(STATUSES))
    summary = summary.sort_values(["order", "check", "scope"], kind="stable").drop(columns="order")
    if write:
        build.mkdir(parents=True, exist_ok=True)
        summary.to_csv(build / "qa_summary.csv", index=False)
    return summary


def failures(summary: pd.DataFrame) -> pd.DataFrame:
    return summary[summary["status"] == "fail"]
